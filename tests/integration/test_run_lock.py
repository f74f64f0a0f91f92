"""One process per run: a second claim is refused, and a dead owner's claim is gone at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, write_models_toml
from workbench.cli import main
from workbench.devtools.openai_server import Behavior
from workbench.runs.lock import RunBusy, RunLock
from workbench.store import open_db

CHATGPT = "I am ChatGPT, developed by OpenAI."


def test_second_claim_in_one_process_is_refused(tmp_path):
    db = tmp_path / "a.db"
    first = RunLock(db, 7).acquire()
    with pytest.raises(RunBusy, match=rf"run 7 is still running in process {os.getpid()}"):
        RunLock(db, 7).acquire()
    RunLock(db, 8).acquire().release()  # other runs, other locks
    RunLock(tmp_path / "b.db", 7).acquire().release()  # same id in another database
    first.release()
    again = RunLock(db, 7).acquire()
    assert again.held
    again.release()
    assert not again.held


def test_a_killed_owner_leaves_no_stale_lock(tmp_path):
    db = tmp_path / "a.db"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from workbench.runs.lock import RunLock; "
         f"lock = RunLock({str(db)!r}, 3).acquire(); print('held', flush=True); time.sleep(120)"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunBusy, match=f"process {holder.pid}"):
            RunLock(db, 3).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        RunLock(db, 3).acquire().release()
    finally:
        holder.kill()
        holder.wait(10)


def _answered(db_file) -> int:
    if not db_file.exists():
        return 0
    db = open_db(db_file)
    try:
        return next(iter(db.query("select count(*) as n from run_items where status = 'answered'")))["n"]
    finally:
        db.close()


def test_resuming_a_run_that_is_still_going_is_refused(tmp_path, server, db_file, capsys):
    server.default = Behavior(text=CHATGPT, latency_s=0.5)
    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    common = ["--db", str(db_file), "--config", str(cfg)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "ice", "run", *common, "--target", "echo",
         "--budget", "400", "--concurrency", "2", "--json"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while _answered(db_file) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _answered(db_file) >= 1, "the first run never answered"
        code = main(["ice", "run", *common, "--resume", "1", "--json"])
        out, err = capsys.readouterr()
        assert code == 2 and err.strip().count("\n") == 0
        assert f"run 1 is still running in process {proc.pid}" in err
        # --json: the same refusal as one object on stdout
        assert f"run 1 is still running in process {proc.pid}" in json.loads(out)["error"]

        code = main(["ice", "runs", *common, "--json"])
        assert json.loads(capsys.readouterr().out)[0]["status"] == "running"
        proc.send_signal(signal.SIGKILL)  # the owner dies without a word: the run is free
        proc.wait(30)
        code = main(["ice", "runs", *common, "--json"])
        assert json.loads(capsys.readouterr().out)[0]["status"] == "interrupted"
        before = _answered(db_file)
        server.default = Behavior(text=CHATGPT)
        code = main(["ice", "run", *common, "--resume", "1", "--json"])
        out, err = capsys.readouterr()
        summary = json.loads(out)
        assert code == 0 and summary["status"] == "done" and summary["n"] == 400 > before
    finally:
        proc.kill()
        proc.wait(30)


def test_a_claim_waits_out_a_status_probe_but_not_an_owner(tmp_path):
    """Reading a run's status takes its lock for an instant; a run started at that moment
    must still start (the TUI reads statuses while it launches a run)."""
    import threading

    from workbench.runs.lock import CLAIM_WAIT_S

    db = tmp_path / "a.db"
    probe = RunLock(db, 5)
    probe_fd = probe._take(0)  # a probe caught mid-read, held far longer than a real one
    assert probe_fd is not None
    threading.Timer(0.1, os.close, args=(probe_fd,)).start()
    owner = RunLock(db, 5).acquire()  # waits the probe out instead of failing
    assert owner.held
    assert RunLock(db, 5).busy()  # an owner is seen as busy by a probe...
    t0 = time.monotonic()
    with pytest.raises(RunBusy, match=f"process {os.getpid()}"):
        RunLock(db, 5).acquire()  # ...and a second claim gives up after the wait
    assert time.monotonic() - t0 >= CLAIM_WAIT_S * 0.9
    owner.release()
    assert not RunLock(db, 5).busy()
    assert not (db.parent / "a.db").exists()  # probes and claims never create the database


def test_a_run_that_finished_after_its_row_was_read_is_not_interrupted(tmp_path):
    # The owner writes its final status, then lets go of the lock: a row read before the
    # write and a lock probe after the release must not add up to "interrupted".
    from workbench.runs.engine import effective_status
    from workbench.store.runs import create_run, get_run, update_run

    db = open_db(tmp_path / "wb.db")
    run_id = create_run(db, "rse", reference="a")
    owner = RunLock(tmp_path / "wb.db", run_id).acquire()
    read_while_running = get_run(db, run_id)
    assert effective_status(db, read_while_running) == "running"
    update_run(db, run_id, status="done")
    owner.release()
    assert effective_status(db, read_while_running) == "done"
    update_run(db, run_id, status="running")  # gone with nothing final recorded
    assert effective_status(db, get_run(db, run_id)) == "interrupted"
