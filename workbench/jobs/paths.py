"""Where a job keeps its files: ``<db dir>/jobs/<id>/`` (checkpoints, worker log)."""

from __future__ import annotations

from pathlib import Path


def jobs_root(db_path: str | Path) -> Path:
    return Path(db_path).expanduser().resolve().parent / "jobs"


def job_dir(db_path: str | Path, job_id: int) -> Path:
    return jobs_root(db_path) / str(job_id)


def worker_log(db_path: str | Path, job_id: int) -> Path:
    return job_dir(db_path, job_id) / "worker.log"
