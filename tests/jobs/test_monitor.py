"""Liveness, ETA and load formatting: the data API the CLI and the TUI render."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from workbench.distill.teacher import cut_repetition
from workbench.jobs.follow import progress_line
from workbench.jobs.monitor import (effective_status, eta_seconds, format_eta, format_load, format_seconds,
                                    pid_is_worker)
from workbench.store import jobs as store
from workbench.store.db import now


def ago(seconds: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds)).isoformat()


def test_a_running_job_without_its_worker_is_interrupted(tmp_path):
    from workbench.store.db import open_db

    db = open_db(tmp_path / "wb.db")
    job_id = store.create_job(db, "evokd", {})
    assert effective_status(store.get_job(db, job_id)) == "queued"  # just created, pid not written yet

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store.update_job(db, job_id, status="running", pid=dead.pid, heartbeat=now())
    assert effective_status(store.get_job(db, job_id)) == "interrupted"

    # A live process that is not a job worker (pid reuse) does not count either.
    store.update_job(db, job_id, pid=os.getpid())
    assert not pid_is_worker(os.getpid())
    assert effective_status(store.get_job(db, job_id)) == "interrupted"

    store.update_job(db, job_id, status="done")
    assert effective_status(store.get_job(db, job_id)) == "done"
    db.close()


def test_a_job_that_finished_after_its_row_was_read_is_not_interrupted(tmp_path):
    # The race `jobs resume` lost in CI: the row said running, then the worker wrote "done"
    # and exited before the liveness check.
    from workbench.store.db import open_db

    db = open_db(tmp_path / "wb.db")
    job_id = store.create_job(db, "evokd", {})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store.update_job(db, job_id, status="running", pid=dead.pid, heartbeat=now())
    read_while_running = store.get_job(db, job_id)
    store.update_job(db, job_id, status="done")  # the worker's last write, then it exits
    assert effective_status(read_while_running) == "interrupted"  # without db: the stale row
    assert effective_status(read_while_running, db) == "done"
    store.update_job(db, job_id, status="running")  # really gone, nothing final recorded
    assert effective_status(store.get_job(db, job_id), db) == "interrupted"
    db.close()


def test_eta_and_progress_line(tmp_path):
    from workbench.store.db import open_db

    db = open_db(tmp_path / "wb.db")
    job_id = store.create_job(db, "evokd", {})
    store.update_job(db, job_id, status="running", started=ago(100))
    store.merge_progress(db, job_id, {"round": 2, "rounds": 4, "phase": "training student", "step": 3,
                                      "steps": 20, "fraction": 0.5, "round_started": ago(10)})
    job = store.get_job(db, job_id)
    # This round (10 s in) and rounds 3 and 4 at 30 s each: (4 - 2 + 1) * 30 - 10.
    assert abs(eta_seconds(job, {0: 5.0, 1: 30.0}) - 80.0) < 1.0
    # Before any teacher round ends there is nothing to measure: no guess from the fraction
    # (it read "20 min" at 2% for a 1.5 min job), the line says so.
    assert eta_seconds(job, {0: 5.0}) is None
    line = progress_line(job, [], 100)
    assert "50.0%" in line and "round 2/4" in line and "training student 3/20" in line
    assert "ETA estimating" in line
    # Round 2 finished (its row is there): only rounds 3 and 4 are left.
    assert abs(eta_seconds(job, {0: 5.0, 1: 30.0, 2: 50.0}) - 80.0) < 1.0
    # Full-shot training is timed from its own start: 25 of 100 steps in 50 s, 150 s left.
    store.merge_progress(db, job_id, {"phase": "full-shot training", "step": 25, "steps": 100,
                                      "phase_started": ago(50)})
    assert 145 <= eta_seconds(store.get_job(db, job_id), {0: 5.0, 1: 30.0}) <= 155
    store.merge_progress(db, job_id, {"phase": "full-shot evaluating", "step": None, "steps": None})
    assert eta_seconds(store.get_job(db, job_id), {0: 5.0, 1: 30.0}) is None
    assert format_seconds(75) == "1m15s" and format_seconds(None) == "?"
    assert format_eta(None) == "estimating" and format_eta(75) == "1m15s"
    assert "GPU 40%" in format_load({"gpu_util_percent": 40, "gpu_mem_used_gb": 2.0, "gpu_mem_total_gb": 80,
                                     "cpu_percent": 10, "ram_percent": 20})
    db.close()


def test_cut_repetition():
    assert cut_repetition("the government's government's government's government's plan") == "the government's ..."
    assert cut_repetition("A plain sentence stays as it is.") == "A plain sentence stays as it is."


def test_first_round_eta_is_measured_once_its_student_trains(tmp_path):
    """Before any teacher round has finished (it was 'estimating' the whole first round): round 1
    has run 40 s, its training 20 s for 5 of 20 steps, so the round takes 40 + 20 * 15 / 5 = 100 s;
    rounds 1..4 at that pace leave 4 * 100 - 40 = 360 s."""
    from workbench.store.db import open_db

    db = open_db(tmp_path / "wb.db")
    job_id = store.create_job(db, "evokd", {})
    store.update_job(db, job_id, status="running", started=ago(100))
    store.merge_progress(db, job_id, {"round": 1, "rounds": 4, "phase": "training student", "step": 5,
                                      "steps": 20, "round_started": ago(40), "phase_started": ago(20)})
    assert 355 <= eta_seconds(store.get_job(db, job_id), {0: 5.0}) <= 365
    # While the teacher still writes, there is nothing measured yet.
    store.merge_progress(db, job_id, {"phase": "teacher generating", "step": None, "steps": None})
    assert eta_seconds(store.get_job(db, job_id), {0: 5.0}) is None
    db.close()


def test_the_workers_own_cpu_is_measured_not_always_zero():
    """psutil measures a process's CPU between two calls on the same Process object: a fresh
    object per heartbeat always read 0.0."""
    import time

    from workbench.jobs.monitor import sample_load

    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        sample_load(pid=busy.pid)
        readings = []
        for _ in range(5):
            time.sleep(0.5)
            readings.append(sample_load(pid=busy.pid)["proc_cpu_percent"])
        assert max(readings) > 5.0
    finally:
        busy.kill()
        busy.wait()
