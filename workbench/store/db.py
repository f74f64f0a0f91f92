"""Opening the workbench database: pragmas, migrations, one connection per caller."""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

from sqlite_utils import Database
from sqlite_utils.db import Table

from workbench.clock import now  # noqa: F401  (re-exported: callers import it from here)

from .migrations import migrations

BUSY_TIMEOUT_MS = 10_000
# Past the busy timeout a writer keeps trying, with backoff, for this long in all: a TUI, CLI
# runs and job workers share one file, and none of them may lose a write to a busy moment.
WRITE_WAIT_S = 120.0


class StoreError(Exception):
    """A database problem the user can fix (unreadable file, not a workbench database)."""


def inserted_id(table: Table) -> int:
    """The id of the row ``table`` just inserted (sqlite-utils types ``last_pk`` as optional)."""
    pk = table.last_pk
    if not isinstance(pk, int):
        raise TypeError(f"insert into {table.name} gave no integer id: {pk!r}")
    return pk


def to_json(value: Any) -> str:
    """The stored JSON text of ``value``: keys sorted, so equal values give equal text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def dumps(value: Any) -> str | None:
    """Like to_json, but None stays NULL."""
    return None if value is None else to_json(value)


def loads(text: str | None, default: Any = None) -> Any:
    if text is None or text == "":
        return default
    return json.loads(text)


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _is_readonly(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "readonly database" in str(exc).lower()


def readonly_error(path: str | Path) -> "StoreError":
    return StoreError(f"database {path} is read-only: make the file and its folder writable, "
                      "or pass --db (or set WORKBENCH_DB) to a writable path")


class WorkbenchDatabase(Database):
    """A sqlite-utils Database whose every write transaction starts with BEGIN IMMEDIATE.

    sqlite-utils opens its transactions (``atomic()``, and every insert, update and upsert
    inside it) with a plain BEGIN. That defers the write lock to the first write; in WAL mode,
    if another process committed since this transaction first read, the upgrade fails at once
    with "database is locked" and the busy timeout never applies. BEGIN IMMEDIATE takes the
    write lock up front, where SQLite does wait (the busy timeout), and here we keep waiting,
    with backoff, up to WRITE_WAIT_S. Once it holds the lock nothing inside can be refused, so
    only the BEGIN (and, outside WAL, the COMMIT) is retried, never the caller's statements.
    """

    path: str = ""

    @contextlib.contextmanager
    def atomic(self) -> Iterator["WorkbenchDatabase"]:
        if self.conn.in_transaction:  # nested: a savepoint inside the open write transaction
            with super().atomic():
                yield self
            return
        self._retry(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if _is_readonly(exc):
                raise readonly_error(self.path) from exc
            raise
        try:
            self._retry(lambda: self.conn.execute("COMMIT"))
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        # A lone write outside atomic() is its own transaction: SQLite applies the busy
        # timeout to it, and we retry past that like any other write.
        try:
            if self.conn.in_transaction or sql.lstrip()[:6].lower() in ("select", "pragma"):
                return super().execute(sql, parameters)
            return self._retry(lambda: super(WorkbenchDatabase, self).execute(sql, parameters))
        except sqlite3.OperationalError as exc:
            if _is_readonly(exc):
                raise readonly_error(self.path) from exc
            raise

    def _retry(self, step: Any) -> Any:
        deadline = time.monotonic() + WRITE_WAIT_S
        delay = 0.02
        while True:
            try:
                return step()
            except sqlite3.OperationalError as exc:
                if _is_readonly(exc):
                    raise readonly_error(self.path) from exc
                if not _is_busy(exc):
                    raise
                if time.monotonic() + delay > deadline:
                    raise StoreError(f"database {self.path} stayed locked by another process for "
                                     f"{WRITE_WAIT_S:g}s; nothing was written (try again, or close "
                                     "whatever holds it)") from exc
            time.sleep(delay * (0.5 + random.random()))  # jitter: waiters do not retry in step
            delay = min(delay * 2, 1.0)


def open_db(path: str | Path, *, migrate: bool = True, writable: bool = True) -> Database:
    """Open (creating if needed) the database at ``path`` with WAL, foreign keys and a busy timeout.

    Each thread and each process must call this for its own connection. With ``writable``
    (the default) a file the process cannot write is refused here, in one line, rather than
    at its first write, in the middle of a run.
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
        if _is_readonly(exc):
            raise readonly_error(path) from exc
        raise StoreError(f"cannot open database {path}: {exc} "
                         "(pass --db or set WORKBENCH_DB to a writable SQLite file)") from exc
    db = WorkbenchDatabase(conn)
    db.path = str(path)
    if migrate:
        apply_migrations(db, path)
    if writable:
        check_writable(db)
    return db


def check_writable(db: WorkbenchDatabase) -> None:
    """Raise StoreError if nothing can be written (a read-only file, folder or mount).

    BEGIN IMMEDIATE alone succeeds on a read-only file; the first page write is what fails.
    Rewriting the header's user_version inside a transaction that is rolled back is such a
    write, and leaves nothing behind.
    """
    conn = db.conn
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    try:
        db._retry(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            conn.execute(f"PRAGMA user_version = {int(version)}")
        finally:
            conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if _is_readonly(exc) or "unable to open" in str(exc):
            raise readonly_error(db.path) from exc
        raise StoreError(f"cannot write database {db.path}: {exc}") from exc


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
        with db.atomic():
            migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        if _is_readonly(exc):
            raise readonly_error(path) from exc
        raise StoreError(
            f"{path or 'database'} is not a usable workbench database: {exc} "
            "(point --db at another file)"
        ) from exc
