"""How the review screen saves: store-writer jobs, provisional rows, and the message back.

A key press must not wait for SQLite (another process may hold the write lock for seconds).
So the screen shows the verdict at once as a *provisional* row (an id no stored row can have)
and hands the insert to the app's store writer (``workbench.ui.store_writer``). The writer
runs the jobs in order and posts ``ReviewSaved`` with the item's verdict rows as stored; the
screen then swaps its provisional rows for those. An undo is a job like any other, queued
behind the verdict it undoes, so the two land in the order they were pressed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from workbench.clock import now
from workbench.review.actions import ReviewActionError, last_review, record_review, retract_review
from workbench.store.runs import HUMAN, VerdictKind, VerdictRow, item_verdicts

# Provisional rows sort after every stored row (ids are SQLite rowids, far below this).
PROVISIONAL_BASE = 1 << 60
_provisional_ids = itertools.count(PROVISIONAL_BASE)


def is_provisional(row: VerdictRow) -> bool:
    return row.id >= PROVISIONAL_BASE


@dataclass(eq=False)
class PendingReview:
    """One review written in this session: what the undo key takes back.

    ``row_id`` is the id the screen knows it by (provisional until the write lands);
    ``verdict_id`` is the stored row's id, set by the writer thread when the insert is done.
    """

    item_id: int
    row_id: int
    verdict_id: int | None = None


@dataclass
class ReviewSaved(Message):
    """A review job finished in the store writer (``error`` set if it wrote nothing)."""

    op: str  # "verdict" or "undo"
    run_id: int
    item_id: int | None  # for an undo that had to look up the latest review: the item it undid
    rows: list[VerdictRow] | None  # that item's verdict rows as stored now
    entry: PendingReview | None = None
    consumed: list[PendingReview] = field(default_factory=list)  # undo: session entries it used up
    error: str | None = None


def provisional_verdict(item_id: int, *, kind: VerdictKind, value: float | None, author: str,
                        reason: str | None = None, retracts: int | None = None) -> VerdictRow:
    return VerdictRow(id=next(_provisional_ids), item_id=item_id, judge=HUMAN, kind=kind, value=value,
                      detail={}, raw=None, rationale=None, author=author, reason=reason,
                      retracts=retracts, created=now())


def verdict_job(entry: PendingReview, *, kind: VerdictKind, value: float, author: str,
                reason: str | None) -> Any:
    """The writer job for a verdict: insert it, then read the item's rows back."""

    def job(db: Any) -> list[VerdictRow]:
        entry.verdict_id = record_review(db, entry.item_id, kind=kind, value=value, author=author,
                                         reason=reason)
        return item_verdicts(db, entry.item_id)

    return job


def undo_job(candidates: list[PendingReview], *, run_id: int, author: str, kind: VerdictKind) -> Any:
    """The writer job for an undo: retract the newest of ``candidates`` that still stands.

    ``candidates`` are this session's reviews, newest first; their ``verdict_id`` is set by
    the time this runs (their jobs were queued before it). A review already retracted (from
    another window, say) is passed over for the one before. With none left, this author's
    latest standing review in the run is undone. Returns (item id, its rows, entries used).
    """

    def job(db: Any) -> tuple[int | None, list[VerdictRow] | None, list[PendingReview]]:
        used: list[PendingReview] = []
        for entry in candidates:
            used.append(entry)
            if entry.verdict_id is None:
                continue  # its own write failed: nothing stored to take back
            try:
                retract_review(db, entry.verdict_id, author=author)
            except ReviewActionError:
                continue
            return entry.item_id, item_verdicts(db, entry.item_id), used
        row = last_review(db, run_id, author=author, kind=kind)
        if row is None:
            return None, None, used
        retract_review(db, row.id, author=author)
        return row.item_id, item_verdicts(db, row.item_id), used

    return job
