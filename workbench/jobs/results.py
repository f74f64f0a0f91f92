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


def round_details(db: Database, job_id: int) -> dict[int, dict[str, Any]]:
    """Per round: the budget accounting (``acct.*``), the score on fresh samples (``fresh.*``),
    NER's entity F1 and the test confusion matrix, from the job's metrics."""
    out: dict[int, dict[str, Any]] = {}
    for m in store.metrics(db, job_id):
        if m.round is None or m.step is not None:
            continue
        d = out.setdefault(m.round, {})
        if m.name.startswith("acct."):
            d.setdefault("accounting", {})[m.name[5:]] = int(m.value)
        elif m.name in ("fresh.accuracy", "entity_f1"):
            d[m.name.replace(".", "_")] = round(m.value, 4)
        elif m.name.startswith("confusion:"):
            gold, _, pred = m.name[len("confusion:"):].partition("|")
            d.setdefault("confusion", {}).setdefault(gold, {})[pred] = int(m.value)
    return out


def job_result(db: Database, db_path: str | Path, job_id: int) -> dict[str, Any]:
    job = store.get_job(db, job_id)
    if job is None:
        raise KeyError(job_id)
    opts = (job.config or {}).get("options", {})
    rows = store.rounds(db, job_id)
    details = round_details(db, job_id)
    last_ckpt = next((r.checkpoint for r in reversed(rows) if r.checkpoint), None)
    out: dict[str, Any] = {
        "job_id": job.id,
        "status": effective_status(job, db),
        "error": job.error,
        "method": _method(opts),
        "dataset": opts.get("dataset"),
        "teacher": opts.get("teacher") if opts.get("method") != "none" else None,
        "rounds": [{**round_dict(r), **{k: v for k, v in details.get(r.round, {}).items()
                                        if k != "confusion"}} for r in rows],
        # The final round's test confusion matrix: rows gold, columns predicted.
        "confusion": dense(details.get(rows[-1].round, {}).get("confusion")) if rows else None,
        "settings": {k: opts.get(k) for k in ("shots", "rounds", "per_round", "budget", "lr", "epochs",
                                              "batch_size", "replay", "balanced", "seed", "ablate")},
        "teacher_params": teacher_params(db, job_id),
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


def dense(sparse: dict[str, dict[str, int]] | None) -> dict[str, Any] | None:
    """{gold: {predicted: n}} as {"labels": [...], "matrix": [[...]]} (labels in first-seen order)."""
    if not sparse:
        return None
    labels: list[str] = []
    for gold, row in sparse.items():
        for name in (gold, *row):
            if name not in labels:
                labels.append(name)
    return {"labels": labels, "matrix": [[int(sparse.get(g, {}).get(p, 0)) for p in labels] for g in labels]}


def teacher_params(db: Database, job_id: int) -> dict[str, Any] | None:
    """The teacher settings the worker resolved (flag > models.toml > default), as it logged them."""
    for e in store.events(db, job_id):
        if e.data and "teacher_params" in e.data:
            return e.data["teacher_params"]
    return None


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
