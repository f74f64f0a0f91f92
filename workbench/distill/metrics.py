"""Scores of a student's predictions: accuracy, macro-F1, confusion counts, and NER entity F1
(seqeval, the reference implementation of CoNLL entity-level scoring)."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    if not gold:
        return 0.0
    return float(np.mean([g == p for g, p in zip(gold, pred)]))


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> float:
    """Unweighted mean of per-class F1 over ``labels`` (default: the gold classes)."""
    classes = list(labels) if labels is not None else sorted(set(gold))
    if not classes:
        return 0.0
    g = np.asarray(gold, dtype=object)
    p = np.asarray(pred, dtype=object)
    scores = []
    for c in classes:
        tp = float(np.sum((g == c) & (p == c)))
        fp = float(np.sum((g != c) & (p == c)))
        fn = float(np.sum((g == c) & (p != c)))
        scores.append(_f1(tp, fp, fn))
    return float(np.mean(scores))


def _f1(tp: float, fp: float, fn: float) -> float:
    denom = 2 * tp + fp + fn
    return 0.0 if denom == 0 else 2 * tp / denom


def bio_spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """(start, end exclusive, type) of each entity; a stray I- opens a new entity."""
    spans: set[tuple[int, int, str]] = set()
    start, kind = None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, typ = tag.partition("-")
        continues = prefix == "I" and kind == typ and start is not None
        if continues:
            continue
        if start is not None:
            spans.add((start, i, kind or ""))
            start, kind = None, None
        if prefix in ("B", "I"):
            start, kind = i, typ
    return spans


def confusion(gold: Sequence[str], pred: Sequence[str]) -> dict[tuple[str, str], int]:
    """Counts of (gold, predicted) pairs: the confusion matrix, sparse."""
    return dict(Counter(zip(gold, pred)))


def ner_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """Entity-level F1 by seqeval (the headline, as the paper reports), token accuracy beside it.

    ``entity_f1``: micro F1 over all entities (seqeval's default, CoNLL's figure);
    ``macro_f1``: the mean of the per-type F1s; ``accuracy``: word-level tag accuracy.
    Entity matching is strict BIO (an entity counts only with its exact span and type).
    """
    from seqeval.metrics import classification_report, f1_score

    gold_l = [list(g) for g in gold]
    pred_l = [list(p) for p in pred]
    tok_total = sum(len(g) for g in gold_l)
    tok_right = sum(int(a == b) for g, p in zip(gold_l, pred_l) for a, b in zip(g, p))
    has_entities = any(t != "O" for g in gold_l for t in g)
    micro = float(f1_score(gold_l, pred_l, zero_division=0)) if has_entities else 0.0
    report = classification_report(gold_l, pred_l, output_dict=True, zero_division=0) if has_entities else {}
    types = [k for k in report if not k.endswith(" avg")]
    per_type = {t: float(report[t]["f1-score"]) for t in types if report[t]["support"] > 0}
    # Entity-level confusion: a gold entity matched by exact span -> (type, predicted type),
    # a missed one -> (type, "O"), a predicted one that matches no gold span -> ("O", type).
    conf: Counter = Counter()
    for g, p in zip(gold_l, pred_l):
        gs = {(s, e): t for s, e, t in bio_spans(g)}
        ps = {(s, e): t for s, e, t in bio_spans(p)}
        for span, t in gs.items():
            conf[(t, ps.get(span, "O"))] += 1
        for span, t in ps.items():
            if span not in gs:
                conf[("O", t)] += 1
    return {
        "accuracy": tok_right / tok_total if tok_total else 0.0,
        "entity_f1": micro,
        "macro_f1": float(np.mean(list(per_type.values()))) if per_type else 0.0,
        "micro_f1": micro,
        "per_type_f1": per_type,
        "confusion": dict(conf),
    }
