"""Reports a researcher can publish: stored ICE, RSE and EvoKD results as report.html (one
self-contained file) and report.md with PNG and SVG figures beside it.

    gather.py    reads runs and jobs through the store's own summary functions
    figures.py   draws every figure with matplotlib (Agg, imported on first use)
    document.py  the report as format-free blocks; html.py and md.py render them
    write.py     the atomic folder swap
    build.py     ties them together (``build_report``)

This package's top level imports nothing heavy: the TUI imports it from a worker only.
"""

from .gather import Ref, ReportError, parse_ref

__all__ = ["Ref", "ReportError", "parse_ref"]
