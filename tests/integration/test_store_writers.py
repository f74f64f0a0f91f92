"""Several connections writing one file: no write is refused while another one holds the lock.

These reproduce, with two connections in two threads, what two `ice run` processes did to
each other: a transaction that read first and wrote second was refused at once with
"database is locked" when the other one had committed in between.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from workbench.store import StoreError, open_db
from workbench.store.exchanges import create_exchange, create_session
from workbench.store.runs import add_verdict, create_run, ensure_item


def test_a_transaction_that_reads_then_writes_waits_instead_of_failing(db_file):
    a, b = open_db(db_file), open_db(db_file)
    session = create_session(a, "test", "t")
    read_done, b_committed = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with a.atomic():
                list(a.query("select count(*) from exchanges"))  # reads first ...
                read_done.set()
                b_committed.wait(0.5)  # ... the other connection writes meanwhile (if it can) ...
                create_exchange(a, session, "from a", [])  # ... then writes
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    t = threading.Thread(target=first)
    t.start()
    read_done.wait(5)
    create_exchange(b, session, "from b", [])
    b_committed.set()
    t.join(30)
    assert not errors, errors
    assert sorted(r["prompt"] for r in a.query("select prompt from exchanges")) == ["from a", "from b"]


def test_writers_in_many_threads_lose_nothing(db_file):
    open_db(db_file).close()
    run_id = create_run(open_db(db_file), "ice", target="x")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        db = open_db(db_file)
        try:
            for i in range(25):
                item = ensure_item(db, run_id, f"{n}|{i}", "p", {})
                with db.atomic():
                    add_verdict(db, item, judge="rule", kind="loose", value=1.0)
                    list(db.query("select count(*) from verdicts"))
                    add_verdict(db, item, judge="rule", kind="strict", value=0.0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    db = open_db(db_file)
    assert db.execute("select count(*) from run_items").fetchone()[0] == 150
    assert db.execute("select count(*) from verdicts").fetchone()[0] == 300
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"


def _make_readonly(path) -> None:
    """A file this process cannot write: chmod for a normal user; as root (which chmod does
    not stop) the immutable attribute, where the file system and capabilities allow it."""
    if os.geteuid() != 0:
        os.chmod(path, 0o444)
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("running as root without chattr +i: no way to make a read-only file here")


def _undo_readonly(path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    else:
        os.chmod(path, 0o644)


def test_a_read_only_database_is_refused_when_opened(tmp_path):
    path = tmp_path / "ro.db"
    open_db(path).close()
    _make_readonly(path)
    try:
        with pytest.raises(StoreError, match="read-only"):
            open_db(path)
    finally:
        _undo_readonly(path)


@pytest.mark.parametrize("command", ["ask", "ice"])
def test_a_read_only_database_is_one_line_in_the_cli(tmp_path, server, command):
    from tests.conftest import write_models_toml

    path = tmp_path / "ro.db"
    open_db(path).close()
    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    _make_readonly(path)
    argv = {"ask": ["ask", "-m", "echo", "hello"],
            "ice": ["ice", "run", "--target", "echo", "--no-fuzz", "--budget", "2"]}[command]
    try:
        done = subprocess.run([sys.executable, "-c", "import sys; from workbench.cli import main; "
                                                     "sys.exit(main())",
                               *argv, "--db", str(path), "--config", str(cfg)],
                              capture_output=True, text=True, timeout=120)
    finally:
        _undo_readonly(path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "read-only" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not server.requests  # refused before any model was asked
