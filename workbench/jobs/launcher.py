"""Start, cancel and resume job processes.

A job runs in its own OS process and session (``start_new_session=True``), so closing the
terminal or the TUI that started it does not stop it. Cancel is SIGTERM: the worker stops
at its next check and marks the job cancelled. Resume starts a new worker for the same
job; the worker continues from the last finished round.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from workbench.store import jobs as store
from workbench.store.db import now

from .monitor import effective_status, is_active, pid_is_worker
from .paths import worker_log

# Workers this process started: polled so that finished ones do not linger as zombies.
_children: list[subprocess.Popen] = []


class JobError(Exception):
    """A job action that cannot be done (unknown job, already finished, still running)."""


def reap() -> None:
    for p in list(_children):
        if p.poll() is not None:
            _children.remove(p)


def create(db: Database, kind: str, config: dict[str, Any]) -> int:
    return store.create_job(db, kind, config)


def start_worker(db: Database, db_path: str | Path, job_id: int) -> subprocess.Popen:
    """Spawn ``python -m workbench.jobs.worker`` for ``job_id``; its output goes to worker.log."""
    reap()
    log_path = worker_log(db_path, job_id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # Jobs never download: weights and data come from installed packages and local folders.
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.setdefault("TQDM_DISABLE", "1")
    env["PYTHONUNBUFFERED"] = "1"
    cmd = [sys.executable, "-m", "workbench.jobs.worker", "--db", str(Path(db_path).resolve()),
           "--job", str(job_id)]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, env=env, close_fds=True)
    _children.append(proc)
    store.update_job(db, job_id, pid=proc.pid)
    return proc


def submit(db: Database, db_path: str | Path, kind: str, config: dict[str, Any]) -> tuple[int, subprocess.Popen]:
    job_id = create(db, kind, config)
    store.add_event(db, job_id, "info", f"job created; worker log {worker_log(db_path, job_id)}")
    return job_id, start_worker(db, db_path, job_id)


def require_job(db: Database, job_id: int) -> store.JobRow:
    job = store.get_job(db, job_id)
    if job is None:
        raise JobError(f"no job {job_id}: run `workbench jobs list` to see the jobs")
    return job


def cancel(db: Database, job_id: int, wait_s: float = 15.0) -> str:
    """Ask a job to stop; returns its status afterwards."""
    job = require_job(db, job_id)
    status = effective_status(job, db)
    if status in store.TERMINAL:
        raise JobError(f"job {job_id} is already {status}")
    if status == "interrupted" or not pid_is_worker(job.pid, job_id):
        # No process to signal: record the decision so resume/list agree.
        store.update_job(db, job_id, status="cancelled", finished=now())
        store.add_event(db, job_id, "info", "cancelled (no worker was running)")
        return "cancelled"
    store.add_event(db, job_id, "info", f"cancel requested: SIGTERM to pid {job.pid}")
    try:
        os.kill(job.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        reap()
        job = require_job(db, job_id)
        if job.status in store.TERMINAL:
            return job.status
        if not pid_is_worker(job.pid, job_id):
            break
        time.sleep(0.2)
    job = require_job(db, job_id)
    return effective_status(job, db)


def resume(db: Database, db_path: str | Path, job_id: int) -> subprocess.Popen:
    """Start a new worker that continues ``job_id`` from its last finished round."""
    job = require_job(db, job_id)
    status = effective_status(job, db)
    if is_active(status) and pid_is_worker(job.pid, job_id):
        raise JobError(f"job {job_id} is still {status} (pid {job.pid}): cancel it first or follow it")
    if status == "done":
        raise JobError(f"job {job_id} is already done: nothing to resume")
    store.update_job(db, job_id, status="queued", pid=None, error=None, finished=None, heartbeat=now())
    store.add_event(db, job_id, "info", f"resume requested (was {status})")
    return start_worker(db, db_path, job_id)

