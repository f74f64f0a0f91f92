"""A job's summary as ``workbench evokd run`` / ``jobs show`` print it (plain data, JSON-able)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlite_utils import Database

from workbench.store import jobs as store

from .monitor import effective_status, eta_seconds
from .paths import job_dir
from .recorder import full_shot_result

ROUND_FIELDS = ("round", "train_size", "generated", "kept", "teacher_tokens", "accuracy", "macro_f1",
                "seconds")


def round_dict(r: store.RoundRow) -> dict[str, Any]:
    return {"round": r.round, "train_size": r.train_size, "generated": r.generated, "kept": r.kept,
            "teacher_tokens": r.teacher_tokens, "accuracy": round(r.accuracy, 4),
            "macro_f1": round(r.macro_f1, 4), "seconds": round(r.seconds, 2)}


def job_result(db: Database, db_path: str | Path, job_id: int) -> dict[str, Any]:
    job = store.get_job(db, job_id)
    if job is None:
        raise KeyError(job_id)
    opts = (job.config or {}).get("options", {})
    rows = store.rounds(db, job_id)
    last_ckpt = next((r.checkpoint for r in reversed(rows) if r.checkpoint), None)
    out: dict[str, Any] = {
        "job_id": job.id,
        "status": effective_status(job, db),
        "error": job.error,
        "method": _method(opts),
        "dataset": opts.get("dataset"),
        "teacher": opts.get("teacher") if opts.get("method") != "none" else None,
        "rounds": [round_dict(r) for r in rows],
        "teacher_tokens": sum(r.teacher_tokens for r in rows),
        "teacher_cost_usd": round(sum(r.teacher_cost_usd or 0.0 for r in rows), 6),
        "checkpoint": last_ckpt,
    }
    if opts.get("full_shot"):
        fs = full_shot_result(db, job_id)
        if fs is not None:
            ckpt = job_dir(db_path, job_id) / "full-shot"
            fs["checkpoint"] = str(ckpt) if ckpt.exists() else None
        out["full_shot"] = fs
    return out


def job_summary(db: Database, job: store.JobRow) -> dict[str, Any]:
    """One line of ``jobs list``."""
    opts = (job.config or {}).get("options", {})
    rows = store.rounds(db, job.id)
    status = effective_status(job, db)
    last = rows[-1] if rows else None
    return {
        "job_id": job.id, "kind": job.kind, "status": status, "method": _method(opts),
        "dataset": opts.get("dataset"), "rounds_done": max((r.round for r in rows), default=-1),
        "rounds": opts.get("rounds") if opts.get("method") != "none" else 0,
        "accuracy": round(last.accuracy, 4) if last else None,
        "macro_f1": round(last.macro_f1, 4) if last else None,
        "phase": (job.progress or {}).get("phase") if status in ("running", "queued") else None,
        # None while running: no finished round to estimate from yet ("estimating").
        "eta_s": _rounded(eta_seconds(job, {r.round: r.seconds for r in rows})) if status == "running" else None,
        "created": job.created, "error": job.error,
    }


def _rounded(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds)


def _method(opts: dict[str, Any]) -> str:
    method = opts.get("method", "evokd")
    if method != "evokd":
        return method
    return "evokd" + "".join(f"-{a}" for a in opts.get("ablate") or [])
