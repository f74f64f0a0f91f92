"""Typed reads and writes for background jobs: jobs, events, metrics, EvoKD rounds and samples.

Each process and thread passes its own connection (``open_db``). Progress and device load
are merged into ``jobs.progress`` with SQLite's JSON functions, so the worker's main thread
and its heartbeat thread never overwrite each other's keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal

from sqlite_utils import Database

from .db import dumps, inserted_id, loads, now

# A job's stored life: "queued" until its worker starts, "running", then one of TERMINAL.
# (monitor.effective_status adds what the process table says: "interrupted", "stalled".)
JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
TERMINAL: tuple[JobStatus, ...] = ("done", "failed", "cancelled")


@dataclass
class JobRow:
    id: int
    kind: str
    config: dict[str, Any]
    status: JobStatus
    pid: int | None
    error: str | None
    progress: dict[str, Any]
    created: str
    started: str | None
    finished: str | None
    heartbeat: str | None


@dataclass
class EventRow:
    id: int
    job_id: int
    ts: str
    level: str
    message: str
    data: dict[str, Any] | None


@dataclass
class MetricRow:
    id: int
    round: int | None
    step: int | None
    name: str
    value: float
    ts: str


@dataclass
class RoundRow:
    round: int
    train_size: int
    generated: int
    kept: int
    teacher_tokens: int
    teacher_cost_usd: float | None
    accuracy: float
    macro_f1: float
    loss: float | None
    seconds: float
    analysis: str | None
    checkpoint: str | None
    created: str = ""


@dataclass
class SampleRow:
    id: int
    round: int
    text: str
    label: str | None
    kind: str
    kept: bool
    reason: str | None = None
    intended: str | None = None
    predicted: str | None = None


# -- jobs -----------------------------------------------------------------------------------
def create_job(db: Database, kind: str, config: dict[str, Any]) -> int:
    return inserted_id(db.table("jobs").insert({"kind": kind, "config": dumps(config), "status": "queued",
                                                "progress": dumps({}), "created": now()}))


def _job(r: dict) -> JobRow:
    return JobRow(id=r["id"], kind=r["kind"], config=loads(r["config"], {}), status=r["status"],
                  pid=r["pid"], error=r["error"], progress=loads(r["progress"], {}) or {},
                  created=r["created"], started=r["started"], finished=r["finished"],
                  heartbeat=r["heartbeat"])


def get_job(db: Database, job_id: int) -> JobRow | None:
    rows = list(db.query("select * from jobs where id = ?", [job_id]))
    return _job(rows[0]) if rows else None


def list_jobs(db: Database, limit: int = 200, kind: str | None = None) -> list[JobRow]:
    if kind:
        rows = db.query("select * from jobs where kind = ? order by id desc limit ?", [kind, limit])
    else:
        rows = db.query("select * from jobs order by id desc limit ?", [limit])
    return [_job(r) for r in rows]


def update_job(db: Database, job_id: int, **fields: Any) -> None:
    allowed = {"status", "pid", "error", "started", "finished", "heartbeat", "config"}
    bad = set(fields) - allowed
    if bad:
        raise TypeError(f"unknown job fields {sorted(bad)}")
    if "config" in fields:
        fields["config"] = dumps(fields["config"])
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"update jobs set {sets} where id = ?", [*fields.values(), job_id])


def merge_progress(db: Database, job_id: int, fields: dict[str, Any]) -> None:
    """Merge ``fields`` into jobs.progress (a None value removes that key)."""
    db.execute("update jobs set progress = json_patch(coalesce(progress, '{}'), ?) where id = ?",
               [dumps(fields), job_id])


def beat(db: Database, job_id: int, load: dict[str, Any] | None = None) -> None:
    """Heartbeat, with the device load the worker just sampled."""
    if load is None:
        db.execute("update jobs set heartbeat = ? where id = ?", [now(), job_id])
    else:
        db.execute("update jobs set heartbeat = ?, progress = json_set(coalesce(progress, '{}'), "
                   "'$.load', json(?)) where id = ?", [now(), dumps(load), job_id])


# -- events and metrics ---------------------------------------------------------------------
def add_event(db: Database, job_id: int, level: str, message: str,
              data: dict[str, Any] | None = None) -> int:
    return inserted_id(db.table("job_events").insert({"job_id": job_id, "ts": now(), "level": level,
                                                      "message": message, "data": dumps(data)}))


def events(db: Database, job_id: int, after_id: int = 0, limit: int = 1000) -> list[EventRow]:
    return [EventRow(id=r["id"], job_id=r["job_id"], ts=r["ts"], level=r["level"], message=r["message"],
                     data=loads(r["data"]))
            for r in db.query("select * from job_events where job_id = ? and id > ? order by id limit ?",
                              [job_id, after_id, limit])]


def last_events(db: Database, job_id: int, limit: int = 50) -> list[EventRow]:
    rows = list(db.query("select * from job_events where job_id = ? order by id desc limit ?",
                         [job_id, limit]))
    return [EventRow(id=r["id"], job_id=r["job_id"], ts=r["ts"], level=r["level"], message=r["message"],
                     data=loads(r["data"])) for r in reversed(rows)]


def add_metric(db: Database, job_id: int, name: str, value: float, round: int | None = None,
               step: int | None = None) -> int:
    return inserted_id(db.table("job_metrics").insert({"job_id": job_id, "round": round, "step": step,
                                                       "name": name, "value": float(value), "ts": now()}))


def metrics(db: Database, job_id: int, names: Iterable[str] | None = None,
            after_id: int = 0) -> list[MetricRow]:
    args: list[Any] = [job_id, after_id]
    where = ""
    if names is not None:
        names = list(names)
        where = f" and name in ({','.join('?' * len(names))})"
        args += names
    return [MetricRow(id=r["id"], round=r["round"], step=r["step"], name=r["name"], value=r["value"],
                      ts=r["ts"])
            for r in db.query(f"select * from job_metrics where job_id = ? and id > ?{where} order by id",
                              args)]


def metric_values(db: Database, job_id: int, prefix: str) -> dict[str, float]:
    """Latest value of each metric whose name starts with ``prefix`` (prefix removed)."""
    out: dict[str, float] = {}
    for r in db.query("select name, value from job_metrics where job_id = ? and name like ? order by id",
                      [job_id, prefix + "%"]):
        out[r["name"][len(prefix):]] = r["value"]
    return out


# -- EvoKD rounds and samples ---------------------------------------------------------------
def save_round(db: Database, job_id: int, row: dict[str, Any]) -> None:
    record = {k: row.get(k) for k in ("round", "train_size", "generated", "kept", "teacher_tokens",
                                      "teacher_cost_usd", "accuracy", "macro_f1", "loss", "seconds",
                                      "analysis", "checkpoint")}
    record.update(job_id=job_id, created=now())
    db.execute("delete from evokd_rounds where job_id = ? and round = ?", [job_id, record["round"]])
    db.table("evokd_rounds").insert(record)


def rounds(db: Database, job_id: int) -> list[RoundRow]:
    return [RoundRow(round=r["round"], train_size=r["train_size"], generated=r["generated"], kept=r["kept"],
                     teacher_tokens=r["teacher_tokens"] or 0, teacher_cost_usd=r["teacher_cost_usd"],
                     accuracy=r["accuracy"], macro_f1=r["macro_f1"], loss=r["loss"], seconds=r["seconds"],
                     analysis=r["analysis"], checkpoint=r["checkpoint"], created=r["created"] or "")
            for r in db.query("select * from evokd_rounds where job_id = ? order by round", [job_id])]


def set_round_checkpoint(db: Database, job_id: int, round: int, checkpoint: str | None) -> None:
    db.execute("update evokd_rounds set checkpoint = ? where job_id = ? and round = ?",
               [checkpoint, job_id, round])


def add_samples(db: Database, job_id: int, records: Iterable[dict[str, Any]]) -> None:
    rows = [{"job_id": job_id, "round": r["round"], "text": r["text"], "label": r.get("label"),
             "kind": r["kind"], "kept": 1 if r["kept"] else 0, "reason": r.get("reason"),
             "intended": r.get("intended"), "predicted": r.get("predicted")}
            for r in records]
    if rows:
        db.table("evokd_samples").insert_all(rows)


def samples(db: Database, job_id: int, *, round: int | None = None, kept: bool | None = None,
            up_to_round: int | None = None, limit: int | None = None, newest_first: bool = False
            ) -> list[SampleRow]:
    where = ["job_id = ?"]
    args: list[Any] = [job_id]
    if round is not None:
        where.append("round = ?")
        args.append(round)
    if up_to_round is not None:
        where.append("round <= ?")
        args.append(up_to_round)
    if kept is not None:
        where.append("kept = ?")
        args.append(1 if kept else 0)
    sql = f"select * from evokd_samples where {' and '.join(where)} order by id {'desc' if newest_first else 'asc'}"
    if limit is not None:
        sql += " limit ?"
        args.append(limit)
    return [SampleRow(id=r["id"], round=r["round"], text=r["text"] or "", label=r["label"], kind=r["kind"],
                      kept=bool(r["kept"]), reason=r["reason"], intended=r.get("intended"),
                      predicted=r.get("predicted")) for r in db.query(sql, args)]


def delete_after_round(db: Database, job_id: int, round: int) -> None:
    """Forget what an unfinished round wrote (its samples, metrics and any partial row)."""
    db.execute("delete from evokd_samples where job_id = ? and round > ?", [job_id, round])
    db.execute("delete from job_metrics where job_id = ? and round > ?", [job_id, round])
    db.execute("delete from evokd_rounds where job_id = ? and round > ?", [job_id, round])


def delete_metrics_named(db: Database, job_id: int, pattern: str) -> None:
    db.execute("delete from job_metrics where job_id = ? and name like ?", [job_id, pattern])
