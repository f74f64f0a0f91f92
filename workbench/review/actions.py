"""Review actions: a human verdict, and undo as a retraction. Both only ever insert a row."""

from __future__ import annotations

from sqlite_utils import Database

from workbench.review.queue import ALLOWED_VALUES, REVIEW_KINDS
from workbench.store.runs import HUMAN, VerdictKind, VerdictRow, human_reviews, item_verdicts

UNDO_REASON = "undo"


class ReviewActionError(ValueError):
    """A review that cannot be recorded or undone, said plainly."""


def _kind_of(verdict_kind: str) -> str:
    for run_kind, vkind in REVIEW_KINDS.items():
        if vkind == verdict_kind:
            return run_kind
    raise ReviewActionError(f"verdicts of kind {verdict_kind!r} are not reviewed by hand")


def record_review(db: Database, item_id: int, *, kind: VerdictKind, value: float, author: str,
                  reason: str | None = None) -> int:
    """Add a human verdict (``kind`` = "loose" for ICE, "rse" for RSE); returns its row id."""
    allowed = ALLOWED_VALUES[_kind_of(kind)]
    if float(value) not in allowed:
        raise ReviewActionError(f"a human {kind} verdict is one of {', '.join(f'{v:g}' for v in allowed)}, "
                                f"not {value!r}")
    from workbench.store.runs import add_verdict

    reason = (reason or "").strip() or None
    return add_verdict(db, item_id, judge=HUMAN, kind=kind, value=float(value), author=author, reason=reason)


def retract_review(db: Database, verdict_id: int, *, author: str, reason: str = UNDO_REASON) -> int:
    """Retract a human verdict by adding a row that names it; the retracted row stays."""
    rows = list(db.query("select item_id from verdicts where id = ?", [verdict_id]))
    if not rows:
        raise ReviewActionError(f"no verdict {verdict_id}")
    history = item_verdicts(db, rows[0]["item_id"])
    target = next(v for v in history if v.id == verdict_id)
    if target.judge != HUMAN:
        raise ReviewActionError(f"verdict {verdict_id} is the {target.judge} judge's; only human reviews are undone")
    if target.retracts is not None:
        raise ReviewActionError(f"verdict {verdict_id} is itself a retraction")
    if any(v.retracts == verdict_id for v in history):
        raise ReviewActionError(f"verdict {verdict_id} is already retracted")
    from workbench.store.runs import add_verdict

    return add_verdict(db, target.item_id, judge=HUMAN, kind=target.kind, value=None, author=author,
                       reason=reason, retracts=verdict_id)


def last_review(db: Database, run_id: int, *, author: str | None = None,
                kind: VerdictKind | None = None) -> VerdictRow | None:
    """The newest human verdict in the run that still stands (optionally by ``author``)."""
    rows = human_reviews(db, run_id)
    retracted = {v.retracts for v in rows if v.retracts is not None}
    for v in reversed(rows):
        if v.retracts is not None or v.id in retracted:
            continue
        if author is not None and v.author != author:
            continue
        if kind is not None and v.kind != kind:
            continue
        return v
    return None
