"""What a review works on: one run's items with their texts and every verdict row.

Everything is read up front (a few queries per run) so that moving from one item to the
next never touches the disk; after a review only the reviewed item is read again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from workbench.store.runs import (
    HUMAN,
    ItemRow,
    RunRow,
    StandingVerdicts,
    VerdictKind,
    VerdictRow,
    get_run,
    item_verdicts,
    run_items,
    run_verdicts,
    standing_from_rows,
)

# Run kind -> the verdict kind a human reviews (conventions shared with the ICE and RSE code).
REVIEW_KINDS: dict[str, VerdictKind] = {"ice": "loose", "rse": "rse"}
# The values a human may give, per run kind.
ALLOWED_VALUES: dict[str, tuple[float, ...]] = {"ice": (0.0, 1.0), "rse": (1.0, 2.0, 3.0, 4.0, 5.0)}

# SQLite's bound-variable limit is large in modern builds; stay well below the old 999.
_CHUNK = 500


class ReviewError(Exception):
    """A run that cannot be reviewed (missing, or of a kind without reviewable verdicts)."""


@dataclass
class ReviewItem:
    """One item as the reviewer sees it."""

    id: int
    run_id: int
    key: str
    prompt: str
    response: str
    reference: str | None
    meta: dict[str, Any]
    verdict_kind: VerdictKind
    rows: list[VerdictRow] = field(default_factory=list)  # every verdict row, all kinds, oldest first
    standing_by_kind: dict[str, StandingVerdicts] = field(default_factory=dict)
    # Values derived from the machine judges' rows (queue group, judge values): computed once
    # per set_rows, because the screen recomputes stats over every item after each key press.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def standing(self) -> StandingVerdicts:
        """What stands for the reviewed kind (loose for ICE, rse for RSE)."""
        return self.standing_by_kind.get(self.verdict_kind) or StandingVerdicts()

    @property
    def human(self) -> VerdictRow | None:
        return self.standing.human

    @property
    def reviewed(self) -> bool:
        return self.standing.human is not None

    def judge_values(self) -> dict[str, float | None]:
        """Machine judge -> its latest value for the reviewed kind (None = needs review).

        Shared and cached: copy before changing it."""
        values = self.cache.get("judged")
        if values is None:
            values = self.cache["judged"] = {judge: row.value for judge, row in self.standing.by_judge.items()}
        return values

    def set_rows(self, rows: list[VerdictRow]) -> None:
        self.rows = sorted(rows, key=lambda v: v.id)
        self.cache.clear()
        by_kind: dict[str, list[VerdictRow]] = {}
        for v in self.rows:
            by_kind.setdefault(v.kind, []).append(v)
        self.standing_by_kind = {kind: standing_from_rows(vs).get(self.id, StandingVerdicts())
                                 for kind, vs in by_kind.items()}

    @property
    def category(self) -> str:
        # ICE items carry a category, RSE items a set: one filter field serves both.
        return str(self.meta.get("category") or self.meta.get("set") or "unknown")


@dataclass
class ReviewRun:
    run: RunRow
    items: list[ReviewItem]
    judges: list[str]  # machine judges with verdicts of the reviewed kind, first seen first
    primary_judge: str | None
    by_id: dict[int, ReviewItem] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {it.id: it for it in self.items}

    @property
    def id(self) -> int:
        return self.run.id

    @property
    def kind(self) -> str:
        return self.run.kind

    @property
    def verdict_kind(self) -> VerdictKind:
        return REVIEW_KINDS[self.run.kind]

    @property
    def allowed_values(self) -> tuple[float, ...]:
        return ALLOWED_VALUES[self.run.kind]

    def title(self) -> str:
        who = self.run.target or "?"
        if self.run.kind == "rse" and self.run.reference:
            who = f"{who} vs {self.run.reference}"
        return f"run {self.run.id} · {self.run.kind.upper()} · {who}"


def check_run(db: Database, run_id: int) -> RunRow:
    run = get_run(db, run_id)
    if run is None:
        raise ReviewError(f"no run {run_id} in this database (list runs with `workbench review`)")
    if run.kind not in REVIEW_KINDS:
        raise ReviewError(f"run {run_id} is a {run.kind} run; only ICE and RSE runs have verdicts to review")
    return run


def load_review_run(db: Database, run_id: int, *, texts: bool = True) -> ReviewRun:
    """Read a run for review. ``texts=False`` skips the response texts (run lists, stats)."""
    run = check_run(db, run_id)
    kind = REVIEW_KINDS[run.kind]
    verdicts: dict[int, list[VerdictRow]] = {}
    judges: list[str] = []
    for v in run_verdicts(db, run_id):
        verdicts.setdefault(v.item_id, []).append(v)
        if v.kind == kind and v.judge != HUMAN and v.judge not in judges:
            judges.append(v.judge)
    # Scores count answered items only (as the ICE and RSE summaries do): an item still
    # pending, or whose request failed, has no answer to review.
    rows = [r for r in run_items(db, run_id) if r.status == "answered" or r.id in verdicts]
    response_text: dict[int, str] = {}
    if texts:
        ids = {r.response_id for r in rows if r.response_id} | {
            r.reference_response_id for r in rows if r.reference_response_id}
        response_text = _response_texts(db, sorted(ids))
    items = [_review_item(r, kind, verdicts.get(r.id, []), response_text, texts) for r in rows]
    primary = run.judge if run.judge in judges else (judges[0] if judges else None)
    return ReviewRun(run=run, items=items, judges=judges, primary_judge=primary)


def reload_item(db: Database, review_run: ReviewRun, item_id: int) -> ReviewItem:
    """Re-read one item's verdict rows after a review (one indexed query)."""
    item = review_run.by_id[item_id]
    item.set_rows(item_verdicts(db, item_id))
    return item


def _response_texts(db: Database, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for r in db.query(f"select id, text from responses where id in ({marks})", chunk):
            out[r["id"]] = r["text"] or ""
    return out


def _review_item(row: ItemRow, kind: VerdictKind, verdicts: list[VerdictRow], texts: dict[int, str],
                 with_texts: bool) -> ReviewItem:
    response = ""
    reference: str | None = None
    if with_texts:
        if row.response_id is not None:
            response = texts.get(row.response_id, "")
        else:
            # An item stored without a responses row keeps its answer in meta, if anywhere.
            response = str(row.meta.get("response") or "")
        if row.reference_response_id is not None:
            reference = texts.get(row.reference_response_id, "")
    item = ReviewItem(id=row.id, run_id=row.run_id, key=row.key, prompt=row.prompt, response=response,
                      reference=reference, meta=row.meta, verdict_kind=kind)
    item.set_rows(verdicts)
    return item
