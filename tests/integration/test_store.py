"""The SQLite store: migrations, pragmas, responses with attempts, full-text search."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from workbench.models.types import Attempt, Response
from workbench.store import StoreError, open_db
from workbench.store.exchanges import (create_exchange, create_session, delete_exchange,
                                       find_reusable_response, get_exchange, save_response,
                                       search_exchanges)
from workbench.store.migrations import migrations


def test_migrations_from_empty_file_and_rerun(db_file):
    db = open_db(db_file)
    applied = [m.name for m in migrations.applied(db)]
    assert applied == [m.name for m in migrations._migrations]
    assert {"sessions", "exchanges", "responses", "attempts", "runs", "run_items", "verdicts",
            "jobs", "evokd_rounds"} <= set(db.table_names())
    schema = db.execute("select sql from sqlite_master order by name").fetchall()
    db.close()
    db = open_db(db_file)  # re-run on an existing file changes nothing
    assert [m.name for m in migrations.applied(db)] == applied
    assert db.execute("select sql from sqlite_master order by name").fetchall() == schema


def test_pragmas(db):
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert db.execute("pragma busy_timeout").fetchone()[0] >= 5000


def test_response_with_attempts_and_search(db):
    sid = create_session(db, "ask", "capital")
    eid = create_exchange(db, sid, "capital?", [{"role": "user", "content": "capital?"}])
    r = Response(model="m", params={"temperature": 0}, text="The capital of France is Paris.",
                 prompt_tokens=5, completion_tokens=7, ttft_s=0.1, total_s=0.5, request_hash="h1",
                 attempts=[Attempt(1, "t", 0.1, "error", "rate_limit", "429"), Attempt(2, "t", 0.4, "ok")])
    rid = save_response(db, eid, r)
    assert r.response_id == rid
    row = db["responses"].get(rid)
    assert row["attempts"] == 2 and row["tokens_per_s"] == pytest.approx(6 / 0.4)
    assert [a["error_kind"] for a in db["attempts"].rows_where("response_id = ?", [rid])] == ["rate_limit", None]
    assert [e.id for e in search_exchanges(db, "Paris")] == [eid]
    assert search_exchanges(db, "London") == []
    assert search_exchanges(db, 'weird "quote') == []  # user punctuation never breaks FTS
    assert find_reusable_response(db, "h1").id == rid
    assert delete_exchange(db, eid)
    assert get_exchange(db, eid) is None
    assert search_exchanges(db, "Paris") == []


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="--db"):
        open_db(bad)


def test_opens_in_sqlite_utils_cli(db_file):
    open_db(db_file).close()
    out = subprocess.run([sys.executable, "-m", "sqlite_utils", "tables", str(db_file)],
                         capture_output=True, text=True, check=True).stdout
    assert "responses" in out
    con = sqlite3.connect(db_file)
    assert con.execute("select count(*) from responses_fts").fetchone()[0] == 0


def test_many_threads_opening_a_new_file_at_once(tmp_path):
    import threading

    path = tmp_path / "race.db"
    errors: list[Exception] = []

    def opener() -> None:
        try:
            open_db(path).close()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(migrations.applied(open_db(path))) == len(migrations._migrations)
