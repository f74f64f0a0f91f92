"""Judge-only vs human-adjusted scores, and each judge's agreement with the human labels.

Headline scores, computed here from the verdict rows so they never depend on another module:

* ICE: the share of loose positives over all N items of the run. An undecided verdict
  (None, "needs review") counts as not positive, as in ``probes.ice.scores``.
* RSE: the mean overall score (1-5) over items with a decided verdict.

"Adjusted" takes, item by item, the standing human verdict where there is one and the
judge's otherwise. Agreement compares each machine judge with the human labels on the items
both decided: ICE Cohen's kappa + confusion matrix (human = reference); RSE quadratic-weighted
kappa on scores rounded to 1-5, Spearman on the raw scores, and the 5x5 matrix.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from sqlite_utils import Database

from probes.stats import bootstrap_mean, cohen_kappa, confusion, proportion, spearman
from workbench.review.queue import ReviewItem, ReviewRun, load_review_run

RSE_LABELS: tuple[int, ...] = (1, 2, 3, 4, 5)


def _positive(value: float | None) -> bool:
    return value is not None and value >= 0.5


def _judge_value(item: ReviewItem, judge: str | None) -> float | None:
    if judge is None:
        return None
    row = item.standing.by_judge.get(judge)
    return row.value if row else None


def _adjusted_value(item: ReviewItem, judge: str | None) -> float | None:
    human = item.human
    return human.value if human is not None else _judge_value(item, judge)


def score(kind: str, values: Sequence[float | None], *, interval: bool = False) -> dict[str, Any]:
    """The headline score of a list of per-item values (None = undecided)."""
    undecided = sum(1 for v in values if v is None)
    if kind == "ice":
        k = sum(1 for v in values if _positive(v))
        out: dict[str, Any] = {"value": (k / len(values)) if values else None, "count": k,
                               "n": len(values), "undecided": undecided}
        if interval:
            p = proportion(k, len(values))
            out["ci"] = [p.low, p.high] if values else None
        return out
    decided = [float(v) for v in values if v is not None]
    out = {"value": (sum(decided) / len(decided)) if decided else None, "n": len(decided),
           "undecided": undecided}
    if interval:
        ci = bootstrap_mean(decided)
        out["ci"] = [ci.low, ci.high] if ci.n else None
    return out


def rse_label(value: float) -> int:
    """Round a 1-5 score half up (swap-averaged judges give 3.5) and keep it in range."""
    return min(5, max(1, int(math.floor(value + 0.5))))


def ice_agreement(pairs: Iterable[tuple[float, float]]) -> dict[str, Any]:
    """``pairs`` = (judge value, human value) for items both decided."""
    pairs = list(pairs)
    judge = [1 if _positive(j) else 0 for j, _ in pairs]
    human = [1 if _positive(h) else 0 for _, h in pairs]
    c = confusion([bool(x) for x in judge], [bool(x) for x in human])
    return {
        "n": len(pairs),
        "kappa": cohen_kappa(judge, human, labels=[0, 1]) if pairs else None,
        "confusion": c.as_dict(),
        "precision": c.precision,
        "recall": c.recall,
        "accuracy": ((c.tp + c.tn) / c.n) if c.n else None,
    }


def rse_agreement(pairs: Iterable[tuple[float, float]]) -> dict[str, Any]:
    pairs = list(pairs)
    judge = [rse_label(j) for j, _ in pairs]
    human = [rse_label(h) for _, h in pairs]
    index = {label: i for i, label in enumerate(RSE_LABELS)}
    matrix = [[0] * len(RSE_LABELS) for _ in RSE_LABELS]
    for j, h in zip(judge, human):
        matrix[index[j]][index[h]] += 1
    return {
        "n": len(pairs),
        "kappa": cohen_kappa(judge, human, weights="quadratic", labels=RSE_LABELS) if pairs else None,
        "weights": "quadratic",
        "spearman": spearman([j for j, _ in pairs], [h for _, h in pairs]),
        "mae": (sum(abs(j - h) for j, h in pairs) / len(pairs)) if pairs else None,
        "exact": (sum(1 for j, h in zip(judge, human) if j == h) / len(pairs)) if pairs else None,
        # Rows: the judge's score, columns: the human's, both 1..5.
        "confusion": {"labels": list(RSE_LABELS), "rows": "judge", "columns": "human", "matrix": matrix},
    }


def agreement(review_run: ReviewRun, judge: str) -> dict[str, Any]:
    pairs: list[tuple[float, float]] = []
    undecided = 0
    for it in review_run.items:
        if it.human is None or it.human.value is None:
            continue
        j = _judge_value(it, judge)
        if j is None:
            undecided += 1  # the human decided what the judge could not: no pair, but counted
            continue
        pairs.append((j, it.human.value))
    out = ice_agreement(pairs) if review_run.kind == "ice" else rse_agreement(pairs)
    out["judge_undecided"] = undecided
    return out


def compute_stats(review_run: ReviewRun, *, judge: str | None = None, intervals: bool = False) -> dict[str, Any]:
    """Everything ``review stats`` prints and the review screen shows, from memory."""
    kind = review_run.kind
    items = review_run.items
    primary = judge or review_run.primary_judge
    reviewed = sum(1 for it in items if it.reviewed)
    judges = list(review_run.judges)
    per_judge: dict[str, Any] = {}
    for j in judges:
        js = score(kind, [_judge_value(it, j) for it in items], interval=intervals)
        adj = score(kind, [_adjusted_value(it, j) for it in items], interval=intervals)
        per_judge[j] = {"judge_score": js["value"], "adjusted_score": adj["value"], "judge": js, "adjusted": adj}
    if primary is not None and primary not in per_judge:
        # A judge named on the command line that has no verdicts here: say so, score nothing.
        per_judge[primary] = {"judge_score": None, "adjusted_score": None}
    head = per_judge.get(primary, {}) if primary else {}
    by_category: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[ReviewItem]] = {}
    for it in items:
        groups.setdefault(it.category, []).append(it)
    for name, group in sorted(groups.items()):
        by_category[name] = {
            "n": len(group), "reviewed": sum(1 for it in group if it.reviewed),
            "judge_score": score(kind, [_judge_value(it, primary) for it in group])["value"],
            "adjusted_score": score(kind, [_adjusted_value(it, primary) for it in group])["value"],
        }
    human_rows = [v for it in items for v in it.rows if v.judge == "human"]
    reviewers: dict[str, int] = {}
    for it in items:
        if it.human is not None:
            name = it.human.author or "unknown"
            reviewers[name] = reviewers.get(name, 0) + 1
    return {
        "run_id": review_run.id,
        "kind": kind,
        "target": review_run.run.target,
        "reference": review_run.run.reference,
        "verdict_kind": review_run.verdict_kind,
        "n": len(items),
        "reviewed": reviewed,
        "remaining": len(items) - reviewed,
        "reviews": sum(1 for v in human_rows if v.retracts is None),
        "retractions": sum(1 for v in human_rows if v.retracts is not None),
        "reviewers": reviewers,
        "judge": primary,
        "judges": judges,
        "judge_score": head.get("judge_score"),
        "adjusted_score": head.get("adjusted_score"),
        "scores": per_judge,
        "agreement": {j: agreement(review_run, j) for j in judges},
        "by_category": by_category,
    }


def review_stats(db: Database, run_id: int, *, judge: str | None = None, summary: bool = True) -> dict[str, Any]:
    """Stats for one run read from the database (``workbench review stats``)."""
    review_run = load_review_run(db, run_id, texts=False)
    out = compute_stats(review_run, judge=judge, intervals=True)
    if summary:
        full = probe_summary(db, run_id, review_run.kind)
        if full is not None:
            out["summary"] = full
    return out


def probe_summary(db: Database, run_id: int, kind: str) -> dict[str, Any] | None:
    """The probe's own full breakdown, judge-only and adjusted, when its module provides it.

    ``workbench.runs.ice`` / ``workbench.runs.rse`` are written by the probe engineers; the
    headline numbers above never depend on them.
    """
    import importlib

    try:
        module = importlib.import_module(f"workbench.runs.{kind}")
        summarize = getattr(module, "summarize")
    except (ImportError, AttributeError):
        return None
    try:
        return {"judge": summarize(db, run_id, human=False), "adjusted": summarize(db, run_id, human=True)}
    except Exception as exc:  # their breakdown failing must not hide the review's own numbers
        return {"error": f"{type(exc).__name__}: {exc}"}
