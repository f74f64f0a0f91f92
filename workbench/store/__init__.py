"""The workbench's SQLite store: schema, migrations and typed read/write functions."""

from .db import StoreError, dumps, loads, now, open_db

__all__ = ["StoreError", "dumps", "loads", "now", "open_db"]
