"""Distill Workbench: compare models, probe distillation (ICE, RSE) and run EvoKD."""

__version__ = "0.1.0"
