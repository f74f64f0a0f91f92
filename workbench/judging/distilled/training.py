"""Training a judge on labelled answers, measured leave-one-model-out, and the figures it stores."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from probes.judges import RULE_FEATURES
from probes.stats import paired_kappa_difference
from workbench.distill.student import configure_threads

from .. import FORMAT, JudgeError
from .encoder import ENCODER_TITLES, Encoder, default_encoder_name, make_encoder
from .features import DEFAULT_ANCHOR, DEFAULT_FEATURES, Inputs, judge_inputs, parse_anchor, parse_features
from .folder import check_out, save
from .head import (
    ANCHOR_PRIOR_NEGATIVE,
    ANCHOR_PRIOR_POSITIVE,
    ANCHOR_STRENGTH,
    CV_FOLDS,
    RULE_PENALTY,
    fit_head,
    folds_by_group,
)
from .judge import DEFAULT_BAND, DEFAULT_THRESHOLD


def _scores(pred: np.ndarray, ref: np.ndarray) -> dict[str, Any]:
    from probes.stats import cohen_kappa, confusion

    p = [bool(v) for v in pred]
    r = [bool(v) for v in ref]
    c = confusion(p, r)
    return {"n": len(r), "positives": int(sum(r)), "kappa": cohen_kappa(p, r) if r else None,
            "precision": c.precision, "recall": c.recall, "confusion": c.as_dict()}


def cv_groups(examples: Sequence[Any]) -> list[str] | None:
    """The groups cross-validation keeps whole: target models when there are enough of them
    for every fold (so L2 is chosen on models the head did not see), else jailbreak templates."""
    models = [getattr(e, "model", "") or str(e.run_id) for e in examples]
    if folds_by_group(models):
        return models
    return [f"{e.run_id}:{e.group}" for e in examples] if all(e.group for e in examples) else None


def leave_one_model_out(inputs: Inputs, y: np.ndarray, models: Sequence[str], *,
                        features: Sequence[str], anchor: str, threshold: float = DEFAULT_THRESHOLD,
                        groups: Sequence[str] | None = None, seed: int = 0) -> dict[str, Any] | None:
    """Train on every target model but one, score that one, for each model in turn.

    The held-out model's answers take no part in anything the head is fitted or tuned on
    (its L2 strength is chosen by cross-validation among the other models). Returns the
    per-model and pooled figures of the held-out predictions, with the rule judge's beside
    them; None when the examples come from one model only.
    """
    names = list(dict.fromkeys(models))
    if len(names) < 2:
        return None
    m = np.asarray(models)
    g = np.asarray(groups) if groups is not None else None
    pred = np.zeros(len(y), dtype=bool)
    per: dict[str, Any] = {}
    for name in names:
        te, tr = m == name, m != name
        sub = Inputs(x=inputs.x[tr], rule=inputs.rule[tr], verdicts=[])
        tr_groups = list(g[tr]) if g is not None else None
        if tr_groups is not None and len(set(tr_groups)) < CV_FOLDS:
            tr_groups = None
        head, l2, _ = fit_head(sub, y[tr], features=features, anchor=anchor, groups=tr_groups, seed=seed)
        pred[te] = head.probabilities(inputs.x[te], inputs.rule[te]) >= threshold
        per[name] = {"judge": _scores(pred[te], y[te]), "rule": _scores(inputs.rule[te] >= 0.5, y[te]),
                     "l2": l2}
    return {"models": per, "pooled": {"judge": _scores(pred, y), "rule": _scores(inputs.rule >= 0.5, y)},
            "predictions": pred}


def train(examples: Sequence[Any], out: str | Path, *, labels: str, runs: list[int],
          features: Sequence[str] = DEFAULT_FEATURES, anchor: str = DEFAULT_ANCHOR,
          threshold: float = DEFAULT_THRESHOLD,
          review_band: tuple[float, float] = DEFAULT_BAND, seed: int = 0, max_length: int | None = None,
          encoder: Any = None, encoder_name: str | None = None,
          holdout: bool = True) -> dict[str, Any]:
    """Train a judge on ``examples`` (``labels.Example``) and save it to ``out``; returns judge.json.

    With examples of two or more target models, ``holdout`` first measures the judge
    leave-one-model-out (``leave_one_model_out``): the headline figure, stored in judge.json.
    """
    lo, hi = review_band
    if not (0.0 <= lo <= threshold <= hi <= 1.0):
        raise JudgeError(f"the review band {lo}-{hi} must hold the threshold {threshold} within 0..1")
    ys = np.asarray([bool(e.label) for e in examples], dtype=np.float64)
    pos = int(ys.sum())
    anchor = parse_anchor(anchor)
    # An anchored head starts from the rules, so one verdict may be missing from the labels
    # (a well-behaved model with no conflict at all); an unanchored one needs both.
    least = 0 if anchor == "rule" else 2
    if len(ys) < 20 or pos < least or pos > len(ys) - least:
        raise JudgeError(f"too few examples to learn from: {len(ys)} labelled answers, {pos} loose "
                         f"positives (need 20+ answers{' and 2+ of each verdict' if least else ''}; "
                         "add --from RUN)")
    features = parse_features(features)
    check_out(out)
    configure_threads()
    t0 = time.perf_counter()
    if "embedding" in features and encoder is None:
        encoder_name = encoder_name or default_encoder_name()
        encoder = make_encoder(encoder_name, max_length)
    if encoder is not None and encoder_name is None:
        encoder_name = "minilm" if isinstance(encoder, Encoder) else "multilingual"
    enc = encoder if "embedding" in features else None
    inputs = judge_inputs(enc, features, [e.prompt for e in examples], [e.response for e in examples],
                          [e.fact for e in examples])
    embed_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    groups = cv_groups(examples)
    models = [getattr(e, "model", "") or str(e.run_id) for e in examples]
    lomo = leave_one_model_out(inputs, ys, models, features=features, anchor=anchor,
                               threshold=threshold, groups=groups, seed=seed) if holdout else None
    if lomo is not None:
        held_out = lomo.pop("predictions")
        # Does it beat the rule judge on unseen models? Paired, resampling whole (model, template)
        # clusters: two overlapping per-judge intervals cannot say.
        clusters = [f"{m}:{getattr(e, 'group', '')}" for m, e in zip(models, examples)]
        diff = paired_kappa_difference(held_out, inputs.rule >= 0.5, ys >= 0.5, clusters, seed=seed)
        lomo["pooled_minus_rule"] = diff.as_dict() if diff else None
    head, l2, cv = fit_head(inputs, ys, features=features, anchor=anchor, groups=groups, seed=seed)
    fit_s = time.perf_counter() - t1
    p = head.probabilities(inputs.x, inputs.rule)
    rule_agree = {"rule_positive": int((inputs.rule == 1).sum()),
                  "rule_positive_labelled_positive": int(ys[inputs.rule == 1].sum()),
                  "rule_negative": int((inputs.rule == 0).sum()),
                  "rule_negative_labelled_positive": int(ys[inputs.rule == 0].sum())}
    cv_by = ("by target model" if groups is not None and groups == models
             else "by template" if folds_by_group(groups) else "stratified")
    meta = {
        "format": FORMAT, "version": 3, "kind": "ice-loose",
        "encoder": ENCODER_TITLES[encoder_name] if enc is not None and encoder_name else None,
        "encoder_name": encoder_name if enc is not None else None,
        "max_length": enc.max_length if enc is not None else max_length,
        "features": list(features), "rule_features": list(RULE_FEATURES) if "rule" in features else [],
        "anchor": anchor,
        **({"anchor_logits": [round(float(v), 4) for v in head.anchor],
            "anchor_prior": {"strength": ANCHOR_STRENGTH, "rule_positive": ANCHOR_PRIOR_POSITIVE,
                             "rule_negative": ANCHOR_PRIOR_NEGATIVE},
            "rule_agreement": rule_agree} if head.anchor is not None else {}),
        "labels": labels, "runs": list(runs), "models": list(dict.fromkeys(models)),
        "n_train": len(ys), "positives": pos,
        "text": "probes.judges.judged_text (names relative to the target)",
        "threshold": threshold, "review_band": [lo, hi], "l2": l2,
        "rule_penalty": RULE_PENALTY if head.anchor is None else 1.0,
        "cv_folds": cv_by, "cv_log_loss": cv,
        "train_accuracy": float(((p >= threshold) == (ys == 1)).mean()),
        **({"leave_one_model_out": lomo} if lomo is not None else {}),
        "seed": seed, "embed_seconds": round(embed_s, 2), "fit_seconds": round(fit_s, 2),
        "trained": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    save(out, enc, head, meta)
    return meta
