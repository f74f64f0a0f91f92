"""Subcommands of `workbench`, one module per domain; each has register(subparsers, common)."""
