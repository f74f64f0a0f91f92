"""Scores of a student's predictions: accuracy, macro-F1 and BIO entity F1. numpy only."""

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


def ner_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float]:
    """Token accuracy and entity-level F1, macro over entity types and micro over all."""
    tok_total = tok_right = 0
    counts: dict[str, Counter] = {}
    for g_tags, p_tags in zip(gold, pred):
        for g, p in zip(g_tags, p_tags):
            tok_total += 1
            tok_right += int(g == p)
        g_spans, p_spans = bio_spans(g_tags), bio_spans(p_tags)
        for span in g_spans | p_spans:
            c = counts.setdefault(span[2], Counter())
            if span in g_spans and span in p_spans:
                c["tp"] += 1
            elif span in p_spans:
                c["fp"] += 1
            else:
                c["fn"] += 1
    gold_types = {s[2] for tags in gold for s in bio_spans(tags)}
    per_type = {t: _f1(c["tp"], c["fp"], c["fn"]) for t, c in counts.items() if t in gold_types}
    total = Counter()
    for c in counts.values():
        total.update(c)
    return {
        "accuracy": tok_right / tok_total if tok_total else 0.0,
        "macro_f1": float(np.mean(list(per_type.values()))) if per_type else 0.0,
        "micro_f1": _f1(total["tp"], total["fp"], total["fn"]),
    }
