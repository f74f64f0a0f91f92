"""Intervals and agreement statistics used by every probe.

Pure numpy / standard library. Every function accepts plain Python sequences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, asdict
from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Proportion:
    """A share ``k / n`` with its 95% Wilson interval."""

    k: int
    n: int
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes out of ``n`` (``(0, 1)`` when n is 0)."""
    if n <= 0:
        return (0.0, 1.0)
    if k < 0 or k > n:
        raise ValueError(f"k={k} must lie in [0, n={n}]")
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # Clamp rounding noise so that 0/n gives exactly 0 as its lower bound.
    return (max(0.0, centre - half), min(1.0, centre + half))


def proportion(k: int, n: int) -> Proportion:
    low, high = wilson_interval(k, n)
    return Proportion(k=k, n=n, value=(k / n if n else 0.0), low=low, high=high)


@dataclass(frozen=True)
class MeanCI:
    """A mean with a percentile-bootstrap 95% interval."""

    n: int
    mean: float | None
    low: float | None
    high: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def bootstrap_mean(
    values: Sequence[float] | NDArray[np.float64], *, resamples: int = 2000, seed: int = 0, level: float = 0.95
) -> MeanCI:
    """Mean of ``values`` with a percentile bootstrap interval (NaNs are ignored)."""
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    arr = arr[~np.isnan(arr)]
    n = int(arr.size)
    if n == 0:
        return MeanCI(n=0, mean=None, low=None, high=None)
    mean = float(arr.mean())
    if n == 1:
        return MeanCI(n=1, mean=mean, low=mean, high=mean)
    rng = np.random.default_rng(seed)
    # One (resamples, n) index draw: vectorised instead of a Python loop per resample.
    idx = rng.integers(0, n, size=(resamples, n))
    means = arr[idx].mean(axis=1)
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return MeanCI(n=n, mean=mean, low=float(low), high=float(high))


@dataclass(frozen=True)
class Confusion:
    """Binary confusion counts of a prediction against a reference."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        d = self.tp + self.fp
        return self.tp / d if d else None

    @property
    def recall(self) -> float | None:
        d = self.tp + self.fn
        return self.tp / d if d else None

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn}


def confusion(predicted: Sequence[bool], reference: Sequence[bool]) -> Confusion:
    if len(predicted) != len(reference):
        raise ValueError("predicted and reference must have the same length")
    tp = fp = fn = tn = 0
    for p, r in zip(predicted, reference):
        if p and r:
            tp += 1
        elif p and not r:
            fp += 1
        elif r:
            fn += 1
        else:
            tn += 1
    return Confusion(tp=tp, fp=fp, fn=fn, tn=tn)


def cohen_kappa(a: Sequence[Any], b: Sequence[Any], *, weights: str | None = None,
                labels: Sequence[Any] | None = None) -> float | None:
    """Cohen's kappa between two raters; ``weights`` None, "linear" or "quadratic".

    Returns None when it is undefined (no items, or both raters constant and equal).
    Weighted kappa needs ordered ``labels`` (defaults to the sorted union).
    """
    if len(a) != len(b):
        raise ValueError("raters must label the same items")
    if not a:
        return None
    cats = list(labels) if labels is not None else sorted(set(a) | set(b))
    index = {c: i for i, c in enumerate(cats)}
    k = len(cats)
    observed = np.zeros((k, k), dtype=float)
    for x, y in zip(a, b):
        observed[index[x], index[y]] += 1
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    if weights is None:
        w = 1.0 - np.eye(k)
    else:
        grid = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(float)
        span = max(k - 1, 1)
        if weights == "linear":
            w = grid / span
        elif weights == "quadratic":
            w = (grid / span) ** 2
        else:
            raise ValueError(f"unknown weights {weights!r}: use linear or quadratic")
    disagreement_expected = float((w * expected).sum())
    if disagreement_expected == 0:
        return None
    return 1.0 - float((w * observed).sum()) / disagreement_expected


def bootstrap_binary_kappa(predicted: Sequence[bool], reference: Sequence[bool], *,
                           resamples: int = 2000, seed: int = 0,
                           level: float = 0.95) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of Cohen's kappa between two yes/no raters.

    With few positives (7 in 1,000) kappa swings with each one, and the interval says so.
    Resamples where kappa is undefined (no positive drawn at all) are left out.
    """
    p = np.asarray(predicted, dtype=bool)
    r = np.asarray(reference, dtype=bool)
    if p.shape != r.shape:
        raise ValueError("predicted and reference must have the same length")
    n = int(p.size)
    if n == 0:
        return None, None
    idx = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    pp, rr = p[idx], r[idx]
    po = (pp == rr).mean(axis=1)
    a, b = pp.mean(axis=1), rr.mean(axis=1)
    pe = a * b + (1 - a) * (1 - b)
    ok = pe < 1.0
    if not ok.any():
        return None, None
    kappas = (po[ok] - pe[ok]) / (1.0 - pe[ok])
    alpha = (1 - level) / 2
    low, high = np.quantile(kappas, [alpha, 1 - alpha])
    return float(low), float(high)


@dataclass(frozen=True)
class KappaDifference:
    """kappa(first, reference) - kappa(second, reference) on the same answers, with its interval."""

    difference: float
    low: float
    high: float
    clusters: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


YesNo = Sequence[bool] | NDArray[np.bool_]


def paired_kappa_difference(first: YesNo, second: YesNo, reference: YesNo,
                            clusters: Sequence[Any] | None = None, *, resamples: int = 2000, seed: int = 0,
                            level: float = 0.95) -> KappaDifference | None:
    """Whether one yes/no judge agrees with a reference better than another on the same answers.

    Both judges are scored on each resample together (paired), so what they share cancels and
    the interval is of the difference itself; two overlapping per-judge intervals say nothing
    about it. ``clusters`` resamples whole groups (answers to one jailbreak template are alike,
    so resampling single answers would claim more certainty than there is); each answer is its
    own cluster by default. None when kappa is undefined on the data as given.
    """
    a = np.asarray(first, dtype=bool)
    b = np.asarray(second, dtype=bool)
    r = np.asarray(reference, dtype=bool)
    if not (a.shape == b.shape == r.shape):
        raise ValueError("first, second and reference must have the same length")
    if a.size == 0:
        return None
    keys = list(range(a.size)) if clusters is None else list(clusters)
    if len(keys) != a.size:
        raise ValueError("clusters must give one cluster per answer")
    index = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    cluster_of = np.asarray([index[k] for k in keys])
    # Per cluster: answers, agreements of each judge, yes-counts of each judge and of the reference.
    columns = np.stack([np.ones(a.size), a == r, b == r, a, b, r], axis=1).astype(np.float64)
    sums = np.zeros((len(index), columns.shape[1]))
    np.add.at(sums, cluster_of, columns)

    def kappas(totals: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        n = totals[..., 0]
        pr = totals[..., 5] / n
        out = []
        for agree, yes in ((1, 3), (2, 4)):
            po, pj = totals[..., agree] / n, totals[..., yes] / n
            pe = pj * pr + (1 - pj) * (1 - pr)
            with np.errstate(divide="ignore", invalid="ignore"):
                out.append(np.where(pe < 1.0, (po - pe) / (1.0 - pe), np.nan))
        return out[0], out[1]

    ka, kb = kappas(sums.sum(axis=0))
    if np.isnan(ka) or np.isnan(kb):
        return None
    c = len(index)
    weights = np.random.default_rng(seed).multinomial(c, np.full(c, 1.0 / c), size=resamples)
    ra, rb = kappas(weights.astype(np.float64) @ sums)
    diffs = (ra - rb)[~(np.isnan(ra) | np.isnan(rb))]
    alpha = (1 - level) / 2
    low, high = np.quantile(diffs, [alpha, 1 - alpha])
    return KappaDifference(float(ka - kb), float(low), float(high), c)


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Spearman rank correlation with average ranks for ties (None when undefined)."""
    if len(a) != len(b):
        raise ValueError("sequences must have the same length")
    if len(a) < 2:
        return None
    ra = _average_ranks(np.asarray(a, dtype=float))
    rb = _average_ranks(np.asarray(b, dtype=float))
    sa, sb = ra.std(), rb.std()
    if sa == 0 or sb == 0:
        return None
    return float(((ra - ra.mean()) * (rb - rb.mean())).mean() / (sa * sb))


def _average_ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=float)
    ranks[order] = np.arange(1, len(x) + 1, dtype=float)
    # Give tied values the mean of the ranks they span.
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]
