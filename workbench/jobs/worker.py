"""A job's own process: ``python -m workbench.jobs.worker --db PATH --job ID``.

It marks the job running, beats a heartbeat (with the device load) from a side thread,
runs the job from its stored state (a fresh job starts at round 0, an interrupted one
continues after its last finished round), and ends with the job done, failed (with a
one-line reason) or cancelled. SIGTERM asks for a clean stop; a second SIGTERM stops at
once. Output (warnings, tracebacks) goes to the job's worker.log.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

from workbench.store import jobs as store  # noqa: E402
from workbench.store.db import now, open_db  # noqa: E402

from .monitor import HEARTBEAT_S, pid_is_worker, sample_load  # noqa: E402
from .recorder import SQLiteRecorder  # noqa: E402

log = logging.getLogger("workbench.jobs.worker")


class Heartbeat(threading.Thread):
    """Writes heartbeat + device load every HEARTBEAT_S on its own connection."""

    def __init__(self, db_path: str, job_id: int):
        super().__init__(name=f"heartbeat:{job_id}", daemon=True)
        self.db_path = db_path
        self.job_id = job_id
        self.device: str | None = None
        self.halt = threading.Event()

    def run(self) -> None:
        db = open_db(self.db_path, migrate=False)
        sample_load(self.device)  # the first cpu_percent call only primes the counters
        while not self.halt.wait(HEARTBEAT_S):
            try:
                store.beat(db, self.job_id, sample_load(self.device))
            except Exception:  # a locked or busy database must not kill the job
                log.exception("heartbeat failed")
        db.close()


def known_failures() -> tuple[type[BaseException], ...]:
    """Exceptions whose message is the whole story: the job fails with that one line."""
    from workbench.config import ConfigError
    from workbench.distill.data import DatasetError
    from workbench.distill.loop import ResumeError
    from workbench.distill.options import OptionsError
    from workbench.distill.student import StudentError
    from workbench.distill.teacher import TeacherFailed
    from workbench.models.local import LocalModelError

    return (ConfigError, DatasetError, OptionsError, StudentError, TeacherFailed, ResumeError,
            LocalModelError)


def run_job(db_path: str, job_id: int, stop: threading.Event | None = None,
            heartbeat: bool = True) -> str:
    """Run ``job_id`` in this process until it ends; returns the final status."""
    db = open_db(db_path)
    job = store.get_job(db, job_id)
    if job is None:
        print(f"no job {job_id} in {db_path}", file=sys.stderr)
        return "failed"
    if job.status == "done":
        return "done"
    if job.pid and job.pid != os.getpid() and pid_is_worker(job.pid, job_id):
        print(f"job {job_id} already has a live worker (pid {job.pid})", file=sys.stderr)
        return job.status
    stop = stop or threading.Event()
    store.update_job(db, job_id, status="running", pid=os.getpid(), error=None, finished=None,
                     heartbeat=now(), **({} if job.started else {"started": now()}))
    store.add_event(db, job_id, "info", f"worker started (pid {os.getpid()})")
    beat = Heartbeat(db_path, job_id) if heartbeat else None
    recorder = SQLiteRecorder(db, db_path, job_id, stop)
    status, error = "failed", None
    try:
        if beat is not None:
            beat.device = _device_hint(job.config)
            beat.start()
        if job.kind != "evokd":
            raise ValueError(f"unknown job kind {job.kind!r}")
        _run_evokd(job.config, recorder, beat)
        status = "done"
    except BaseException as exc:  # every way out is recorded; nothing is left "running"
        status, error = _classify(exc, stop)
        if status == "failed":
            detail = "".join(traceback.format_exception(exc))
            recorder.event("error", error or "failed", {"traceback": detail[-6000:]})
            print(detail, file=sys.stderr)
        elif status == "cancelled":
            recorder.event("info", "cancelled: stopped cleanly")
        if isinstance(exc, (KeyboardInterrupt, SystemExit)) and status != "cancelled":
            raise
    finally:
        if beat is not None:
            beat.halt.set()
        store.update_job(db, job_id, status=status, error=error, finished=now(), heartbeat=now())
        if status == "done":
            recorder.event("info", "job done")
        db.close()
    return status


def _classify(exc: BaseException, stop: threading.Event) -> tuple[str, str | None]:
    from workbench.distill.student import Cancelled

    if isinstance(exc, Cancelled) or (stop.is_set() and isinstance(exc, (KeyboardInterrupt, SystemExit))):
        return "cancelled", None
    if isinstance(exc, known_failures()):
        return "failed", " ".join(str(exc).split())
    return "failed", f"{type(exc).__name__}: {' '.join(str(exc).split())[:400]}"


def _device_hint(config: dict[str, Any]) -> str | None:
    device = config.get("device", "auto")
    if device == "cuda":
        return "cuda"
    if device == "auto":
        try:
            import torch

            return "cuda" if torch.cuda.is_available() else "cpu"
        except ImportError:
            return "cpu"
    return "cpu"


def _run_evokd(config: dict[str, Any], recorder: SQLiteRecorder, beat: Heartbeat | None) -> None:
    from workbench.distill.loop import EvoKDRun
    from workbench.distill.options import EvoKDOptions

    opts = EvoKDOptions.from_dict(config.get("options", config))
    config_path = config.get("config_path")

    def gateway_factory() -> Any:
        from workbench.config import load_config
        from workbench.models.gateway import Gateway

        return Gateway(load_config(config_path))

    run = EvoKDRun(opts, recorder, gateway_factory)
    try:
        run.run()
    finally:
        run.close()


def install_signal_handlers(stop: threading.Event) -> None:
    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            # Second request: stop now; run_job's finally still records the status.
            raise SystemExit(128 + signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.jobs.worker",
                                     description="Run one workbench job (started by `workbench`).")
    parser.add_argument("--db", required=True, help="the workbench SQLite file")
    parser.add_argument("--job", required=True, type=int, help="job id")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    install_signal_handlers(stop)
    print(f"worker pid {os.getpid()} job {args.job} db {Path(args.db)}", flush=True)
    status = run_job(args.db, args.job, stop)
    print(f"job {args.job}: {status}", flush=True)
    _shutdown_local_models()
    return {"done": 0, "cancelled": 3}.get(status, 1)


def _shutdown_local_models() -> None:
    """Let local generation threads leave torch before the interpreter tears down."""
    local = sys.modules.get("workbench.models.local")
    host = getattr(local, "LocalModelHost", None) if local else None
    for model in list(getattr(host, "_models", {}).values()):
        stop = getattr(model, "shutdown", None)
        if stop is not None:
            try:
                stop(5.0)
            except Exception:
                pass


if __name__ == "__main__":
    sys.exit(main())
