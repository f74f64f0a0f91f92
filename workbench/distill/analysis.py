"""The round's probe and the teacher's analysis (EvoKD only).

The student predicts the round's fresh samples *before* it trains on them; the teacher reads
those mistakes (text, gold label, predicted label), a few right answers and the per-class
error rates, and writes the analysis that drives the next round. The confusions on the fresh
samples become the next round's focus.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from .context import RunContext
from .data import Dataset, Example
from .prompts import Mistake, RoundNote
from .recorder import SampleRecord
from .student import Student


def probe_and_analyse(ctx: RunContext, r: int, student: Student, history: list[SampleRecord],
                      fresh: list[tuple[SampleRecord, Example]], notes: list[RoundNote], analyse: bool) -> str:
    """Probe the student on round ``r``'s fresh samples and, when ``analyse``, ask the teacher
    for the analysis; updates the run's analysis, focus and notes and returns the analysis."""
    o, rec, ds, teacher = ctx.o, ctx.rec, ctx.ds, ctx.teacher
    assert ds is not None and teacher is not None
    new_examples = [ex for _, ex in fresh]
    analysis = ""
    # Test the student on the round's fresh samples *before* it trains on them.
    if "fresh" in o.ablate:  # old behaviour: data it already trained on
        probe_recs = [s for s in history if s.round == r - 1]
        probe = [s.example(ds.task) for s in probe_recs] or ctx.seeds
    else:
        probe = new_examples
    ctx.progress(r, "testing student on fresh samples", 0.5)
    preds = student.predict(probe, should_stop=rec.should_stop) if probe else []
    if "fresh" not in o.ablate:
        for (record, _), p in zip(fresh, preds):
            record.predicted = p if not isinstance(p, list) else json.dumps(p)
    wrong, correct = mistakes(probe, preds)
    rates = error_rates(probe, preds)
    rec.metric("fresh.accuracy", len(correct) / max(1, len(probe)), round=r)
    rec.metric("fresh.correct", len(correct), round=r)
    rec.metric("fresh.total", len(probe), round=r)
    confusions = Counter((m.gold, m.predicted) for m in wrong)
    for (g, pr), n in confusions.items():
        rec.metric(f"fresh.confusion:{g}|{pr}", n, round=r)
    rng = ctx.rng(r, "round")
    if analyse and probe:  # no fresh samples: nothing to analyse, keep the last analysis
        wrong_shown = rng.sample(wrong, min(o.show_wrong, len(wrong)))
        correct_shown = ([] if "correct" in o.ablate
                         else rng.sample(correct, min(o.show_correct, len(correct))))
        ctx.progress(r, "teacher analysis", 0.55)
        before = teacher.usage.tokens
        teacher.reserve = 0
        analysis = ctx.arun(lambda: teacher.analyse(
            wrong_shown, correct_shown, seed=ctx.call_seed(r, 0), error_rates=rates,
            history=notes, fresh=len(probe)))
        spent = teacher.usage.tokens - before
        if spent:
            ctx.reserve = spent
            rec.metric("acct.analysis_tokens", spent, round=r)
        teacher.check_alive(f"in round {r}")
    ctx.analysis = analysis or (ctx.analysis if not probe else "")
    ctx.focus = [focus_of(ds, g, p) for (g, p), _ in
                 sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    ctx.notes.append(RoundNote(r, len(correct), len(probe), analysis))
    rec.event("info", f"round {r}: the student got {len(correct)} of {len(probe)} fresh samples "
                      f"right before training; analysis: "
                      f"{analysis[:300] or ('(none: the last round)' if not analyse else '(none)')}",
              {"analysis": analysis, "wrong": len(wrong), "fresh": len(probe),
               "error_rates": {k: list(v) for k, v in rates.items()}, "focus": ctx.focus})
    return analysis


def mistakes(probe: list[Example], preds: list[Any]) -> tuple[list[Mistake], list[Mistake]]:
    wrong: list[Mistake] = []
    correct: list[Mistake] = []
    for ex, p in zip(probe, preds):
        if ex.is_ner:
            gold, pred = entity_string(ex.tokens, ex.tags), entity_string(ex.tokens, p)
            (correct if list(ex.tags) == list(p) else wrong).append(Mistake(ex.display_text(), gold, pred))
        else:
            (correct if ex.label == p else wrong).append(Mistake(ex.text, ex.label, p))
    return wrong, correct


def focus_of(ds: Dataset | None, gold: str, predicted: str) -> str:
    if ds is not None and ds.task == "ner":
        return "sentences whose entities the student gets wrong"
    return f"{gold} texts that look like {predicted}"


def error_rates(probe: list[Example], preds: list[Any]) -> dict[str, tuple[int, int]]:
    """Per gold class (per entity type for NER): (wrong, total) on the probe samples."""
    out: dict[str, list[int]] = {}
    for ex, p in zip(probe, preds):
        if ex.is_ner:
            from .metrics import bio_spans

            gold, pred = bio_spans(list(ex.tags)), bio_spans(list(p))
            for span in gold:
                c = out.setdefault(span[2], [0, 0])
                c[1] += 1
                c[0] += int(span not in pred)
        else:
            c = out.setdefault(ex.label, [0, 0])
            c[1] += 1
            c[0] += int(ex.label != p)
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def entity_string(tokens: Any, tags: Any) -> str:
    from .metrics import bio_spans

    spans = sorted(bio_spans(list(tags)))
    if not spans:
        return "no entities"
    return ", ".join(f"{' '.join(tokens[s:e])} ({t})" for s, e, t in spans)
