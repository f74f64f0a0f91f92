"""Opening the workbench database: pragmas, migrations, one connection per caller."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from workbench.clock import now  # noqa: F401  (re-exported: callers import it from here)

from .migrations import migrations

BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """A database problem the user can fix (unreadable file, not a workbench database)."""


def dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def loads(text: str | None, default: Any = None) -> Any:
    if text is None or text == "":
        return default
    return json.loads(text)


def open_db(path: str | Path, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database at ``path`` with WAL, foreign keys and a busy timeout.

    Each thread and each process must call this for its own connection.
    """
    path = Path(path).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for database {path}: {exc.strerror or exc} "
                         "(pass --db or set WORKBENCH_DB to a writable path)") from exc
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _ensure_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {path}: {exc} "
                         "(pass --db or set WORKBENCH_DB to a writable SQLite file)") from exc
    db = Database(conn)
    if migrate:
        apply_migrations(db, path)
    return db


def _ensure_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL once; WAL is persistent, so later openers only read the mode.

    Changing the journal mode needs an exclusive lock, and SQLite does not always call the
    busy handler for it: while another connection writes, it fails at once with 'database is
    locked'. So wait and retry, up to the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.01
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def apply_migrations(db: Database, path: Path | str = "") -> None:
    """Bring the schema up to date; safe when several threads or processes open a new file at once."""
    try:
        if not migrations.pending(db):
            return
        # IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so two
        # openers never interleave: the second sees the finished schema and applies nothing.
        db.execute("BEGIN IMMEDIATE")
        try:
            migrations.apply(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{path or 'database'} is not a usable workbench database: {exc} "
            "(point --db at another file)"
        ) from exc
