"""The logistic head: its fit (anchored on the rule judge or not) and the choice of its L2 strength."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from probes.judges import RULE_FEATURES
from workbench.distill.student import seed_everything

from .features import DEFAULT_ANCHOR, Inputs

HEAD_FILE = "head.safetensors"
# The prior of an anchored head, in pseudo-answers: the rule judge's precision on the published
# 12-model ICE release (issue 14: 0.83) and an assumed 5% of conflicts among the answers it
# passes. ANCHOR_STRENGTH labelled answers of a verdict move its rate halfway to the data's.
ANCHOR_STRENGTH = 50.0
ANCHOR_PRIOR_POSITIVE = 0.83
ANCHOR_PRIOR_NEGATIVE = 0.05
L2_GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
# An anchored head needs room to say "no correction": the grid reaches far stronger penalties.
ANCHORED_L2_GRID = (0.1, 1.0, 10.0, 100.0, 1000.0)


@dataclass
class Head:
    weight: np.ndarray  # (d,)
    bias: float
    mean: np.ndarray  # (d,)
    scale: np.ndarray  # (d,)
    # Log-odds an answer starts from, by the rule judge's verdict (no conflict, conflict);
    # None for a head that is not anchored on the rule judge.
    anchor: np.ndarray | None = None

    def logits(self, x: np.ndarray, rule: np.ndarray | None = None) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.weight + self.bias
        if self.anchor is not None:
            if rule is None:
                raise ValueError("an anchored head needs the rule judge's verdicts")
            z = z + np.where(np.asarray(rule) >= 0.5, self.anchor[1], self.anchor[0])
        return z

    def probabilities(self, x: np.ndarray, rule: np.ndarray | None = None) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x, rule), -40, 40)))

    def tensors(self) -> dict[str, torch.Tensor]:
        t = {"weight": torch.from_numpy(self.weight.astype(np.float32)),
             "bias": torch.tensor([self.bias], dtype=torch.float32),
             "mean": torch.from_numpy(self.mean.astype(np.float32)),
             "scale": torch.from_numpy(self.scale.astype(np.float32))}
        if self.anchor is not None:
            t["anchor"] = torch.from_numpy(self.anchor.astype(np.float32))
        return t

    @classmethod
    def from_tensors(cls, t: dict[str, torch.Tensor]) -> "Head":
        anchor = t["anchor"].numpy().astype(np.float64) if "anchor" in t else None
        return cls(weight=t["weight"].numpy().astype(np.float64), bias=float(t["bias"][0]),
                   mean=t["mean"].numpy().astype(np.float64), scale=t["scale"].numpy().astype(np.float64),
                   anchor=anchor)


RULE_PENALTY = 0.01  # the rule findings' share of the L2 penalty, relative to embedding dims


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def rule_anchor(rule: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(log-odds of a conflict where the rule judge sees none, where it sees one), from the
    labels' agreement with the rule verdicts shrunk toward the prior (``ANCHOR_*``)."""
    k = ANCHOR_STRENGTH
    out = []
    for verdict, prior in ((0.0, ANCHOR_PRIOR_NEGATIVE), (1.0, ANCHOR_PRIOR_POSITIVE)):
        mask = rule == verdict
        out.append(_logit((float(y[mask].sum()) + k * prior) / (float(mask.sum()) + k)))
    return np.asarray(out, dtype=np.float64)


def _fit(x: np.ndarray, y: np.ndarray, l2: float, seed: int, n_rule: int = 0,
         anchor: np.ndarray | None = None, rule: np.ndarray | None = None) -> Head:
    """L2-regularised logistic regression on standardised features, full-batch L-BFGS.

    Unanchored, the last ``n_rule`` columns (the rule findings) carry ``RULE_PENALTY`` of the
    penalty: a few dozen general signals need far less shrinking than 384 embedding
    dimensions. Anchored, every answer's logit starts at ``anchor[rule verdict]`` and there is
    no free bias: the weights, all penalised alike, are the only way away from the rules.
    """
    mean = x.mean(0)
    scale = x.std(0)
    scale[scale < 1e-6] = 1.0  # a constant feature carries nothing; keep it harmless
    seed_everything(seed)
    xs = (x - mean) / scale
    n, d = xs.shape
    penalty = np.ones(d)
    if anchor is not None:
        assert rule is not None
        offset = np.where(rule >= 0.5, anchor[1], anchor[0])
        free_bias = False
        b0 = 0.0
    else:
        if n_rule:
            penalty[-n_rule:] = RULE_PENALTY
        offset = np.zeros(n)
        free_bias = True
        prior = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
        b0 = math.log(prior / (1 - prior))
    strength = l2 / math.sqrt(float(n))
    w = np.zeros(d)
    bias = b0
    if d:
        # Full-batch L-BFGS on the exact loss and gradient (numpy + scipy): the same objective
        # torch's LBFGS minimised before, at a fraction of the cost on a shared CPU, which
        # matters for cross-validation inside leave-one-model-out (hundreds of fits).
        from scipy.optimize import minimize

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            wt = theta[:d]
            bt = theta[d] if free_bias else b0
            z = xs @ wt + bt + offset
            # log(1 + e^z) - y z, computed stably
            nll = np.logaddexp(0.0, z) - y * z
            r = (1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))) - y) / n
            g = np.empty_like(theta)
            g[:d] = xs.T @ r + strength * penalty * wt
            if free_bias:
                g[d] = r.sum()
            return float(nll.mean() + strength * (penalty * wt * wt).sum() / 2), g

        theta0 = np.concatenate([w, [b0]]) if free_bias else w
        res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 500})
        w = res.x[:d]
        bias = float(res.x[d]) if free_bias else b0
    return Head(weight=w.astype(np.float64), bias=float(bias),
                mean=mean.astype(np.float64), scale=scale.astype(np.float64),
                anchor=None if anchor is None else anchor.copy())


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


CV_FOLDS = 5


def folds_by_group(groups: Sequence[str] | None, folds: int = CV_FOLDS) -> bool:
    """Whether cross-validation can keep whole groups (templates) in one fold."""
    return groups is not None and len(set(groups)) >= folds


def _folds(y: np.ndarray, groups: Sequence[str] | None, folds: int, seed: int) -> np.ndarray:
    """Fold of each answer: whole groups (jailbreak templates) per fold when there are enough
    of them, so a fold is scored on templates its head never saw; else stratified by label."""
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=int)
    if groups is not None and folds_by_group(groups, folds):
        names = sorted(set(groups))
        rng.shuffle(names)
        of = {g: i % folds for i, g in enumerate(names)}
        fold_of[:] = [of[g] for g in groups]
        return fold_of
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold_of[idx] = np.arange(len(idx)) % folds
    return fold_of


def choose_l2(x: np.ndarray, y: np.ndarray, seed: int, folds: int = CV_FOLDS, n_rule: int = 0,
              rule: np.ndarray | None = None, groups: Sequence[str] | None = None,
              anchored: bool = False) -> tuple[float, dict[str, float]]:
    """The L2 strength of the lowest cross-validated log loss."""
    if anchored and rule is None:
        raise ValueError("an anchored head needs the rule judge's verdicts (rule=...)")
    fold_of = _folds(y, groups, folds, seed)
    grid = ANCHORED_L2_GRID if anchored else L2_GRID
    scores: dict[str, float] = {}
    for l2 in grid:
        losses = []
        for f in range(folds):
            tr, te = fold_of != f, fold_of == f
            if te.sum() == 0 or (not anchored and len(set(y[tr].tolist())) < 2):
                continue
            anchor = rule_anchor(rule[tr], y[tr]) if anchored and rule is not None else None
            head = _fit(x[tr], y[tr], l2, seed, n_rule, anchor=anchor,
                        rule=None if rule is None else rule[tr])
            losses.append(_log_loss(head.probabilities(x[te], None if rule is None else rule[te]), y[te]))
        scores[f"{l2:g}"] = float(np.mean(losses)) if losses else float("inf")
    best = min(grid, key=lambda v: scores[f"{v:g}"])
    return best, scores


def fit_head(inputs: Inputs, y: np.ndarray, *, features: Sequence[str], anchor: str = DEFAULT_ANCHOR,
             groups: Sequence[str] | None = None, seed: int = 0) -> tuple[Head, float, dict[str, float]]:
    """The head ``train`` saves: (head, chosen L2, cross-validated log loss per L2)."""
    anchored = anchor == "rule"
    n_rule = len(RULE_FEATURES) if "rule" in features else 0
    l2, cv = choose_l2(inputs.x, y, seed, n_rule=n_rule, rule=inputs.rule, groups=groups,
                       anchored=anchored)
    head = _fit(inputs.x, y, l2, seed, n_rule,
                anchor=rule_anchor(inputs.rule, y) if anchored else None, rule=inputs.rule)
    return head, l2, cv
