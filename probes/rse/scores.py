"""RSE scores: per set, the mean of every measure with a bootstrap 95% interval; ``avg`` over sets.

An item contributes to a measure only when it has a usable value: judge measures skip
items without a verdict or whose verdict needs review; similarity measures skip missing
or NaN values. Each measure reports its own ``n``. Whether judge values are the judge's
own or human-adjusted is the caller's choice: pass the verdict that should count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from probes.rse.judge import GranularVerdict
from probes.stats import bootstrap_mean

__all__ = ["MEASURES", "JUDGE_MEASURES", "SIMILARITY_MEASURES", "ItemScores", "rse_scores"]

JUDGE_MEASURES = ("judge_mean", "style", "logic", "content")
SIMILARITY_MEASURES = ("lexical", "ngram2", "embedding")
MEASURES = JUDGE_MEASURES + SIMILARITY_MEASURES

RESAMPLES = 2000
SEED = 0
LEVEL = 0.95


@dataclass(frozen=True)
class ItemScores:
    """Everything measured for one prompt of one set, for one target."""

    set_name: str
    item_id: str
    verdict: GranularVerdict | None = None
    lexical: float | None = None
    ngram2: float | None = None
    embedding: float | None = None

    def values(self) -> dict[str, float | None]:
        """Each measure's value, None where the item does not count for it."""
        v = self.verdict
        usable = v if v is not None and not v.needs_review else None
        out: dict[str, float | None] = {
            "judge_mean": usable.overall if usable is not None else None,
            "style": usable.style if usable is not None else None,
            "logic": usable.logic if usable is not None else None,
            "content": usable.content if usable is not None else None,
        }
        for name in SIMILARITY_MEASURES:
            x = getattr(self, name)
            out[name] = None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
        return out

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> "ItemScores":
        """From a flat dict such as a stored row.

        Keys: ``set``/``set_name``, ``item_id``/``id``, ``lexical``, ``ngram2``,
        ``embedding``, and either ``verdict`` (a GranularVerdict or its dict) or the
        verdict's own keys (``style``, ``logic``, ``content``, ``overall``,
        ``needs_review``); no verdict keys at all means no judge.
        """
        verdict = row.get("verdict")
        if isinstance(verdict, Mapping):
            verdict = GranularVerdict.from_dict(verdict)
        elif verdict is None and any(k in row for k in ("overall", "style", "logic", "content")):
            verdict = GranularVerdict.from_dict(row)
        return cls(
            set_name=str(row.get("set_name", row.get("set", ""))),
            item_id=str(row.get("item_id", row.get("id", ""))),
            verdict=verdict,
            lexical=row.get("lexical"),
            ngram2=row.get("ngram2"),
            embedding=row.get("embedding"),
        )


def rse_scores(
    items: Iterable[ItemScores | Mapping[str, Any]],
    *,
    sets: Sequence[str] | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict[str, Any]:
    """Scores of one target, JSON-ready.

    ``sets`` fixes the order (and lets a set with no items show as empty); by default the
    sets appear in the order first seen. Returns::

        {"measures": [...],
         "sets": {"arena": {"n_items": 34, "judge_mean": {"n", "mean", "low", "high"}, ...}},
         "avg": {"judge_mean": {"mean", "low", "high", "n_sets", "sets", "complete"}, ...}}

    ``avg`` is the unweighted mean of the per-set means (as published), over the sets
    where the measure has values; ``complete`` says whether that was every set. Its
    interval resamples each set separately and averages the resampled set means.
    """
    rows = [it if isinstance(it, ItemScores) else ItemScores.from_mapping(it) for it in items]
    order = list(sets) if sets is not None else []
    for row in rows:
        if row.set_name not in order:
            order.append(row.set_name)
    by_set: dict[str, list[ItemScores]] = {name: [] for name in order}
    for row in rows:
        by_set[row.set_name].append(row)

    per_set: dict[str, dict[str, Any]] = {}
    values: dict[str, dict[str, np.ndarray]] = {}
    for name in order:
        vals = [r.values() for r in by_set[name]]
        entry: dict[str, Any] = {"n_items": len(vals)}
        values[name] = {}
        for measure in MEASURES:
            xs = np.array([v[measure] for v in vals if v[measure] is not None], dtype=float)
            values[name][measure] = xs
            entry[measure] = bootstrap_mean(xs, resamples=resamples, seed=seed, level=LEVEL).as_dict()
        per_set[name] = entry

    avg = {m: _avg(m, order, values, resamples=resamples, seed=seed) for m in MEASURES}
    return {"measures": list(MEASURES), "sets": per_set, "avg": avg}


def _avg(measure: str, order: list[str], values: Mapping[str, Mapping[str, NDArray[np.float64]]], *,
         resamples: int, seed: int) -> dict[str, Any]:
    used = [name for name in order if values[name][measure].size]
    out: dict[str, Any] = {
        "mean": None,
        "low": None,
        "high": None,
        "n_sets": len(used),
        "sets": used,
        "complete": bool(order) and len(used) == len(order),
    }
    if not used:
        return out
    out["mean"] = float(np.mean([values[name][measure].mean() for name in used]))
    # Stratified bootstrap: each set keeps its own size, so a large set cannot crowd out
    # a small one, exactly as in the unweighted average being estimated.
    rng = np.random.default_rng(seed)
    total = np.zeros(resamples)
    for name in used:
        xs = values[name][measure]
        idx = rng.integers(0, xs.size, size=(resamples, xs.size))
        total += xs[idx].mean(axis=1)
    alpha = (1 - LEVEL) / 2
    low, high = np.quantile(total / len(used), [alpha, 1 - alpha])
    out["low"], out["high"] = float(low), float(high)
    return out
