"""Everything a job screen shows, read in one go (from a worker thread's own connection).

Metrics arrive incrementally: the caller passes the last metric id it has, so following a
long job costs a few new rows per poll, not the whole loss curve every second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from workbench.store import jobs as store

from .launcher import reap
from .monitor import effective_status, eta_seconds

PLOTTED = ("loss", "accuracy", "macro_f1")


@dataclass
class JobSnapshot:
    job: store.JobRow
    status: str  # effective status (interrupted / stalled when the worker is gone / silent)
    rounds: list[store.RoundRow]
    new_metrics: list[store.MetricRow]
    last_metric_id: int
    samples: list[store.SampleRow]
    events: list[store.EventRow]
    eta_s: float | None
    analysis: str | None
    full_shot: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    # Per teacher round: the budget accounting (asked, parsed, echoed, ...) and fresh_accuracy.
    accounting: dict[int, dict[str, float]] = field(default_factory=dict)


def read_snapshot(db: Database, job_id: int, after_metric_id: int = 0, samples: int = 40,
                  events: int = 30) -> JobSnapshot | None:
    reap()
    job = store.get_job(db, job_id)
    if job is None:
        return None
    from .recorder import full_shot_result

    rounds = store.rounds(db, job_id)
    metrics = store.metrics(db, job_id, PLOTTED, after_id=after_metric_id)
    last_id = metrics[-1].id if metrics else after_metric_id
    # The newest analysis is logged as an event as soon as the teacher writes it, before its
    # round finishes; finished rounds keep theirs in evokd_rounds.
    analysis = None
    for ev in reversed(store.last_events(db, job_id, 40)):
        if ev.data and ev.data.get("analysis"):
            analysis = ev.data["analysis"]
            break
    if analysis is None:
        analysis = next((r.analysis for r in reversed(rounds) if r.analysis), None)
    return JobSnapshot(
        job=job, status=effective_status(job, db), rounds=rounds, new_metrics=metrics, last_metric_id=last_id,
        samples=store.samples(db, job_id, limit=samples, newest_first=True),
        events=store.last_events(db, job_id, events),
        eta_s=eta_seconds(job, {r.round: r.seconds for r in rounds}) if job.status == "running" else None,
        analysis=analysis, full_shot=full_shot_result(db, job_id),
        options=(job.config or {}).get("options", {}),
        accounting=read_accounting(db, job_id),
    )


def read_accounting(db: Database, job_id: int) -> dict[int, dict[str, float]]:
    from workbench.distill.recorder import ACCOUNTING  # light: no torch

    names = [f"acct.{k}" for k in ACCOUNTING] + ["fresh.accuracy"]
    out: dict[int, dict[str, float]] = {}
    for m in store.metrics(db, job_id, names):
        if m.round is not None:
            out.setdefault(m.round, {})[m.name.split(".", 1)[1] if m.name.startswith("acct.") else m.name] = m.value
    return out
