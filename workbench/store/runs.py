"""Probe runs, their items and their verdicts (append-only).

A verdict row is never updated. A human review adds a row with ``judge = 'human'``; an
undo adds a row that ``retracts`` an earlier one. ``current_verdicts`` derives what stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

from sqlite_utils import Database

from .db import dumps, inserted_id, loads, now

HUMAN = "human"

# A run's life: "importing" then "imported" (ice import); otherwise "running" until it ends
# "done", "failed", "interrupted" or "cancelled" (a stopped run is resumable).
RunStatus = Literal["importing", "imported", "running", "done", "failed", "interrupted", "cancelled"]
# An item: "pending" (answers kept, judge step to come), "asked" (answered, not judged yet),
# "answered" (all done) or "error".
ItemStatus = Literal["pending", "asked", "answered", "error"]
# What a verdict judges: ICE's loose and strict conflicts, RSE's granular similarity.
VerdictKind = Literal["loose", "strict", "rse"]


@dataclass
class RunRow:
    id: int
    session_id: int | None
    kind: str
    target: str | None
    reference: str | None
    judge: str | None
    config: dict[str, Any]
    state: dict[str, Any]
    status: RunStatus
    error: str | None
    created: str
    updated: str | None
    finished: str | None


@dataclass
class ItemRow:
    id: int
    run_id: int
    key: str
    prompt: str
    meta: dict[str, Any]
    response_id: int | None
    reference_response_id: int | None
    metrics: dict[str, Any]
    status: ItemStatus
    created: str


@dataclass(frozen=True)
class NewVerdict:
    """A judge's verdict on one answer before it is stored (no item, no id yet)."""

    judge: str
    kind: VerdictKind
    value: float | None
    detail: dict[str, Any] = field(default_factory=dict)
    raw: str | None = None
    rationale: str | None = None


@dataclass
class VerdictRow:
    id: int
    item_id: int
    judge: str
    kind: VerdictKind
    value: float | None
    detail: dict[str, Any]
    raw: str | None
    rationale: str | None
    author: str | None
    reason: str | None
    retracts: int | None
    created: str

    @property
    def needs_review(self) -> bool:
        return self.value is None and self.retracts is None


@dataclass
class StandingVerdicts:
    """For one item: the latest verdict of each judge, and the human one if it stands."""

    by_judge: dict[str, VerdictRow] = field(default_factory=dict)
    human: VerdictRow | None = None


# -- runs -------------------------------------------------------------------------------------
def create_run(db: Database, kind: str, *, target: str | None = None, reference: str | None = None,
               judge: str | None = None, config: dict[str, Any] | None = None,
               session_id: int | None = None, status: RunStatus = "running") -> int:
    stamp = now()
    return inserted_id(db.table("runs").insert({
        "session_id": session_id, "kind": kind, "target": target, "reference": reference,
        "judge": judge, "config": dumps(config or {}), "state": dumps({}), "status": status,
        "error": None, "created": stamp, "updated": stamp, "finished": None,
    }))


def update_run(db: Database, run_id: int, **fields: Any) -> None:
    allowed = {"status", "state", "error", "judge", "finished", "config", "target", "reference"}
    bad = set(fields) - allowed
    if bad:
        raise ValueError(f"cannot update run fields {sorted(bad)}")
    row = {k: (dumps(v) if k in ("state", "config") else v) for k, v in fields.items()}
    row["updated"] = now()
    if fields.get("status") in ("done", "failed", "imported", "interrupted", "cancelled") and "finished" not in fields:
        row["finished"] = row["updated"]
    db.table("runs").update(run_id, row)


def get_run(db: Database, run_id: int) -> RunRow | None:
    rows = list(db.query("select * from runs where id = ?", [run_id]))
    return _run_row(rows[0]) if rows else None


def list_runs(db: Database, kind: str | None = None, limit: int = 200) -> list[RunRow]:
    if kind:
        rows = db.query("select * from runs where kind = ? order by id desc limit ?", [kind, limit])
    else:
        rows = db.query("select * from runs order by id desc limit ?", [limit])
    return [_run_row(r) for r in rows]


# -- items ------------------------------------------------------------------------------------
def ensure_item(db: Database, run_id: int, key: str, prompt: str, meta: dict[str, Any]) -> int:
    """The item for ``key`` in this run, created if new (resume finds the old one)."""
    rows = list(db.query("select id from run_items where run_id = ? and key = ?", [run_id, key]))
    if rows:
        return rows[0]["id"]
    return inserted_id(db.table("run_items").insert({
        "run_id": run_id, "key": key, "prompt": prompt, "meta": dumps(meta), "response_id": None,
        "reference_response_id": None, "metrics": dumps({}), "status": "pending", "created": now(),
    }))


def set_item_answer(db: Database, item_id: int, *, response_id: int | None,
                    reference_response_id: int | None = None, status: ItemStatus = "answered") -> None:
    row: dict[str, Any] = {"response_id": response_id, "status": status}
    if reference_response_id is not None:
        row["reference_response_id"] = reference_response_id
    db.table("run_items").update(item_id, row)


def set_item_metrics(db: Database, item_id: int, metrics: dict[str, Any]) -> None:
    db.table("run_items").update(item_id, {"metrics": dumps(metrics)})


def answered_keys(db: Database, run_id: int) -> set[str]:
    return {r["key"] for r in db.query(
        "select key from run_items where run_id = ? and status = 'answered'", [run_id])}


def run_items(db: Database, run_id: int) -> list[ItemRow]:
    return [_item_row(r) for r in db.query("select * from run_items where run_id = ? order by id", [run_id])]


def get_item(db: Database, item_id: int) -> ItemRow | None:
    rows = list(db.query("select * from run_items where id = ?", [item_id]))
    return _item_row(rows[0]) if rows else None


# -- verdicts ---------------------------------------------------------------------------------
def add_verdict(db: Database, item_id: int, *, judge: str, kind: VerdictKind, value: float | None,
                detail: dict[str, Any] | None = None, raw: str | None = None,
                rationale: str | None = None, author: str | None = None, reason: str | None = None,
                retracts: int | None = None) -> int:
    return inserted_id(db.table("verdicts").insert({
        "item_id": item_id, "judge": judge, "kind": kind, "value": value, "detail": dumps(detail or {}),
        "raw": raw, "rationale": rationale, "author": author, "reason": reason, "retracts": retracts,
        "created": now(),
    }))


def add_new_verdict(db: Database, item_id: int, verdict: NewVerdict) -> int:
    return add_verdict(db, item_id, judge=verdict.judge, kind=verdict.kind, value=verdict.value,
                       detail=verdict.detail, raw=verdict.raw, rationale=verdict.rationale)


def add_new_verdicts(db: Database, verdicts: Iterable[tuple[int, NewVerdict]]) -> None:
    """Bulk insert of judges' verdicts: ``(item_id, verdict)`` pairs."""
    add_verdicts(db, ({"item_id": item_id, "judge": v.judge, "kind": v.kind, "value": v.value,
                       "detail": v.detail, "raw": v.raw, "rationale": v.rationale}
                      for item_id, v in verdicts))


def add_verdicts(db: Database, rows: Iterable[dict[str, Any]]) -> None:
    """Bulk insert (imports): each row has the keyword arguments of add_verdict."""
    stamp = now()
    db.table("verdicts").insert_all(
        {"item_id": r["item_id"], "judge": r["judge"], "kind": r["kind"], "value": r.get("value"),
         "detail": dumps(r.get("detail") or {}), "raw": r.get("raw"), "rationale": r.get("rationale"),
         "author": r.get("author"), "reason": r.get("reason"), "retracts": r.get("retracts"),
         "created": stamp}
        for r in rows)


def item_verdicts(db: Database, item_id: int) -> list[VerdictRow]:
    return [_verdict_row(r) for r in db.query("select * from verdicts where item_id = ? order by id", [item_id])]


def run_verdicts(db: Database, run_id: int, kind: VerdictKind | None = None) -> list[VerdictRow]:
    sql = """select v.* from verdicts v join run_items i on i.id = v.item_id
             where i.run_id = ?""" + (" and v.kind = ?" if kind else "") + " order by v.id"
    return [_verdict_row(r) for r in db.query(sql, [run_id, kind] if kind else [run_id])]


def current_verdicts(db: Database, run_id: int, kind: VerdictKind) -> dict[int, StandingVerdicts]:
    """item_id -> what stands now for ``kind``: latest per machine judge, plus the human verdict."""
    return standing_from_rows(run_verdicts(db, run_id, kind))


def standing_from_rows(rows: list[VerdictRow]) -> dict[int, StandingVerdicts]:
    out: dict[int, StandingVerdicts] = {}
    retracted = {v.retracts for v in rows if v.retracts is not None}
    for v in rows:  # ordered by id: later rows win
        slot = out.setdefault(v.item_id, StandingVerdicts())
        if v.judge != HUMAN:
            slot.by_judge[v.judge] = v
        elif v.retracts is None and v.id not in retracted:
            # Skipping retracted rows lets an older human verdict stand again after an undo.
            slot.human = v
    return out


def human_reviews(db: Database, run_id: int) -> list[VerdictRow]:
    return [v for v in run_verdicts(db, run_id) if v.judge == HUMAN]


# -- rows -------------------------------------------------------------------------------------
def _run_row(r: dict) -> RunRow:
    return RunRow(id=r["id"], session_id=r["session_id"], kind=r["kind"], target=r["target"],
                  reference=r["reference"], judge=r["judge"], config=loads(r["config"], {}),
                  state=loads(r["state"], {}), status=r["status"], error=r["error"],
                  created=r["created"], updated=r["updated"], finished=r["finished"])


def _item_row(r: dict) -> ItemRow:
    return ItemRow(id=r["id"], run_id=r["run_id"], key=r["key"], prompt=r["prompt"] or "",
                   meta=loads(r["meta"], {}), response_id=r["response_id"],
                   reference_response_id=r["reference_response_id"], metrics=loads(r["metrics"], {}),
                   status=r["status"], created=r["created"])


def _verdict_row(r: dict) -> VerdictRow:
    return VerdictRow(id=r["id"], item_id=r["item_id"], judge=r["judge"], kind=r["kind"], value=r["value"],
                      detail=loads(r["detail"], {}), raw=r["raw"], rationale=r["rationale"],
                      author=r["author"], reason=r["reason"], retracts=r["retracts"], created=r["created"])
