"""Judge-only vs human-adjusted scores, and each judge's agreement with the human labels.

Headline scores, computed here from the verdict rows so they never depend on another module:

* ICE: the share of loose positives over all N items of the run. An undecided verdict
  (None, "needs review") counts as not positive, as in ``probes.ice.scores``.
* RSE: the mean overall score (1-5) over items with a decided verdict.

"Adjusted" takes, item by item, the standing human verdict where there is one and the
judge's otherwise. Agreement compares each machine judge with the human labels on the items
both decided: ICE Cohen's kappa + confusion matrix (human = reference); RSE quadratic-weighted
kappa on scores rounded to 1-5, Spearman on the raw scores, and the 5x5 matrix.

The triage queue shows disagreements first, so the reviewed items over-represent the cases
where some judge is wrong, and plain agreement on them understates a judge's agreement over
the whole run. ``population`` corrects for that: the queue's groups (judges disagree, needs
review, the rest) are strata reviewed in seeded random order, so weighting each group's
reviewed pairs by the group's size estimates the run-wide confusion matrix and kappa. It is
given only once every group the judge decided has at least one review.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sqlite_utils import Database

import numpy as np

from probes.stats import bootstrap_mean, cohen_kappa, confusion, proportion, spearman
from workbench.review.order import GROUP_NAMES, triage_group
from workbench.review.queue import ReviewRun, load_review_run
from workbench.store.runs import HUMAN

RSE_LABELS: tuple[int, ...] = (1, 2, 3, 4, 5)


def _positive(value: float | None) -> bool:
    return value is not None and value >= 0.5


@dataclass(frozen=True)
class _Row:
    """One item reduced to what the numbers need (built once per computation: the screen
    recomputes after every key press, so this path stays a few plain loops)."""

    category: str
    human: float | None  # the standing human value; None = not reviewed
    author: str | None
    judged: dict[str, float | None]
    group: int  # triage group (order.DISAGREE / NEEDS_REVIEW / SAMPLE): the strata

    def judge(self, judge: str | None) -> float | None:
        return self.judged.get(judge) if judge is not None else None

    def adjusted(self, judge: str | None) -> float | None:
        return self.human if self.human is not None else self.judge(judge)


def _snapshot(review_run: ReviewRun) -> list[_Row]:
    rows = []
    for it in review_run.items:
        human = it.human
        rows.append(_Row(it.category, human.value if human is not None else None,
                         human.author if human is not None else None, it.judge_values(), triage_group(it)))
    return rows


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
    return _agreement(review_run.kind, _snapshot(review_run), judge)


def _agreement(kind: str, rows: list[_Row], judge: str) -> dict[str, Any]:
    pairs: list[tuple[float, float]] = []
    undecided = 0
    for r in rows:
        if r.human is None:
            continue
        j = r.judge(judge)
        if j is None:
            undecided += 1  # the human decided what the judge could not: no pair, but counted
            continue
        pairs.append((j, r.human))
    out = ice_agreement(pairs) if kind == "ice" else rse_agreement(pairs)
    out["judge_undecided"] = undecided
    out["population"] = _population(kind, rows, judge)
    return out


def _label_index(kind: str, value: float) -> int:
    return (1 if _positive(value) else 0) if kind == "ice" else RSE_LABELS.index(rse_label(value))


def kappa_from_matrix(matrix: np.ndarray, weights: str | None = None) -> float | None:
    """Cohen's kappa of a (possibly fractional) rater-by-rater count matrix."""
    total = float(matrix.sum())
    if total <= 0:
        return None
    p = matrix / total
    expected = np.outer(p.sum(axis=1), p.sum(axis=0))
    k = matrix.shape[0]
    if weights is None:
        w = 1.0 - np.eye(k)
    else:
        grid = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(float) / max(k - 1, 1)
        w = grid if weights == "linear" else grid ** 2
    de = float((w * expected).sum())
    if de == 0:
        return None
    return 1.0 - float((w * p).sum()) / de


def _population(kind: str, rows: list[_Row], judge: str) -> dict[str, Any]:
    """Run-wide agreement estimated from the reviewed items of each triage group (see module doc)."""
    strata: dict[int, tuple[list[int], list[tuple[float, float]]]] = {}
    for r in rows:
        j = r.judge(judge)
        if j is None:
            continue  # the population is the items this judge decided
        size, pairs = strata.setdefault(r.group, ([0], []))
        size[0] += 1
        if r.human is not None:
            pairs.append((j, r.human))
    info = {GROUP_NAMES[g]: {"items": size[0], "reviewed": len(pairs)} for g, (size, pairs) in sorted(strata.items())}
    missing = [GROUP_NAMES[g] for g, (_, pairs) in sorted(strata.items()) if not pairs]
    out: dict[str, Any] = {"kappa": None, "strata": info, "missing": missing}
    if not strata or missing:
        return out
    k = 2 if kind == "ice" else len(RSE_LABELS)
    m = np.zeros((k, k))
    for size, pairs in strata.values():
        weight = size[0] / len(pairs)
        for j, h in pairs:
            m[_label_index(kind, j), _label_index(kind, h)] += weight
    out["kappa"] = kappa_from_matrix(m, None if kind == "ice" else "quadratic")
    if kind == "ice":
        tp, fp, fn = float(m[1, 1]), float(m[1, 0]), float(m[0, 1])
        out["confusion"] = {"tp": round(tp, 1), "fp": round(fp, 1), "fn": round(fn, 1), "tn": round(float(m[0, 0]), 1)}
        out["precision"] = tp / (tp + fp) if tp + fp else None
        out["recall"] = tp / (tp + fn) if tp + fn else None
    else:
        out["confusion"] = {"labels": list(RSE_LABELS), "rows": "judge", "columns": "human",
                            "matrix": [[round(float(x), 1) for x in row] for row in m]}
    return out


def compute_stats(review_run: ReviewRun, *, judge: str | None = None, intervals: bool = False) -> dict[str, Any]:
    """Everything ``review stats`` prints and the review screen shows, from memory."""
    kind = review_run.kind
    rows = _snapshot(review_run)
    primary = judge or review_run.primary_judge
    reviewed = sum(1 for r in rows if r.human is not None)
    judges = list(review_run.judges)
    per_judge: dict[str, Any] = {}
    for j in judges:
        js = score(kind, [r.judge(j) for r in rows], interval=intervals)
        adj = score(kind, [r.adjusted(j) for r in rows], interval=intervals)
        per_judge[j] = {"judge_score": js["value"], "adjusted_score": adj["value"], "judge": js, "adjusted": adj}
    if primary is not None and primary not in per_judge:
        # A judge named on the command line that has no verdicts here: say so, score nothing.
        per_judge[primary] = {"judge_score": None, "adjusted_score": None}
    head = per_judge.get(primary, {}) if primary else {}
    groups: dict[str, list[_Row]] = {}
    for r in rows:
        groups.setdefault(r.category, []).append(r)
    by_category = {
        name: {"n": len(group), "reviewed": sum(1 for r in group if r.human is not None),
               "judge_score": score(kind, [r.judge(primary) for r in group])["value"],
               "adjusted_score": score(kind, [r.adjusted(primary) for r in group])["value"]}
        for name, group in sorted(groups.items())}
    reviewers: dict[str, int] = {}
    for r in rows:
        if r.human is not None:
            reviewers[r.author or "unknown"] = reviewers.get(r.author or "unknown", 0) + 1
    human_rows = [v for it in review_run.items for v in it.rows if v.judge == HUMAN]
    return {
        "run_id": review_run.id,
        "kind": kind,
        "target": review_run.run.target,
        "reference": review_run.run.reference,
        "verdict_kind": review_run.verdict_kind,
        "n": len(rows),
        "reviewed": reviewed,
        "remaining": len(rows) - reviewed,
        "reviews": sum(1 for v in human_rows if v.retracts is None),
        "retractions": sum(1 for v in human_rows if v.retracts is not None),
        "reviewers": reviewers,
        "judge": primary,
        "judges": judges,
        "judge_score": head.get("judge_score"),
        "adjusted_score": head.get("adjusted_score"),
        "scores": per_judge,
        "agreement": {j: _agreement(kind, rows, j) for j in judges},
        "by_category": by_category,
    }


def review_stats(db: Database, run_id: int, *, judge: str | None = None, summary: bool = True) -> dict[str, Any]:
    """Stats for one run read from the database (``workbench review stats``)."""
    review_run = load_review_run(db, run_id, texts=False)
    out = compute_stats(review_run, judge=judge, intervals=True)
    if summary:
        full = probe_summary(db, run_id, review_run.kind, judge)
        if full is not None:
            out["summary"] = full
    return out


def probe_summary(db: Database, run_id: int, kind: str, judge: str | None = None) -> dict[str, Any] | None:
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
    # Only the ICE summary takes a judge; the RSE one scores the run's own judge.
    extra = {"judge": judge} if kind == "ice" and judge else {}
    try:
        return {"judge": summarize(db, run_id, human=False, **extra),
                "adjusted": summarize(db, run_id, human=True, **extra)}
    except Exception as exc:  # their breakdown failing must not hide the review's own numbers
        return {"error": f"{type(exc).__name__}: {exc}"}
