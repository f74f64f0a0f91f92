"""A round's teacher generation: ask for *hard* texts near the student's weaknesses and *easy*
ones near them (``static``: varied texts), drop echoes and near-duplicates, and label what is
left right after each call, so that no text is written that the budget cannot label.

With a per-round teacher-token budget, batches continue until the budget is spent; without
one, a round asks for one batch and tries again only when no usable text came back.
"""

from __future__ import annotations

from . import labelling
from .context import RunContext
from .data import Example
from .dedupe import NearDuplicateFilter
from .labelling import Candidate
from .prompts import RoundNote, TaskInfo
from .recorder import SampleRecord

# Without a budget a round asks for one batch, and tries again (up to this many batches)
# only when the teacher's answers gave no usable text at all.
UNBUDGETED_BATCHES = 3
# Prompt tokens of a generation call (a 0.5B teacher's prompts measured 100-330 with history).
GENERATION_OVERHEAD = 250


def generate_and_label(ctx: RunContext, r: int, analysis: str, focus_hard: list[str], notes: list[RoundNote],
                       history: list[SampleRecord], info: TaskInfo
                       ) -> tuple[list[SampleRecord], list[tuple[SampleRecord, Example]]]:
    o, teacher, ds = ctx.o, ctx.teacher, ctx.ds
    assert teacher is not None and ds is not None
    if o.method == "static":
        plan = [("static", o.per_round)]
    else:
        n_easy = 0 if "easy" in o.ablate else int(round(o.per_round * o.easy_ratio))
        plan = [(k, n) for k, n in (("hard", o.per_round - n_easy), ("easy", n_easy)) if n > 0]
    # Duplicates are judged against the seeds, every kept sample, and this round's texts.
    dedupe = NearDuplicateFilter([e.display_text() for e in ctx.seeds] + [s.text for s in history])
    records: list[SampleRecord] = []
    kept: list[tuple[SampleRecord, Example]] = []
    calls = 0
    batch = 0
    while True:
        if teacher.exhausted() or calls >= o.max_generation_calls:
            break
        if o.budget is None and batch >= UNBUDGETED_BATCHES:
            break
        ctx.progress(r, "teacher generating", 0.1 + min(0.25, 0.05 * batch),
                     teacher_tokens=teacher.usage.tokens)
        calls_before = calls
        for kind, n in plan:
            if teacher.exhausted() or calls >= o.max_generation_calls:
                break
            n = affordable(ctx, n)
            if n < 1:
                break  # what is left could not pay for a text and its label
            candidates: list[Candidate] = []
            if kind == "hard":
                # Near the weaknesses: the latest confusions, or every label in round 1.
                focus = focus_hard
            elif kind == "easy":
                focus = ([f.split(" texts that look like ")[0] for f in focus_hard][:n]
                         if focus_hard and info.task != "ner" else easy_focus(info, n, r + batch))
            else:
                focus = easy_focus(info, len(info.labels), r + batch)
            seed = ctx.call_seed(r, 1 + calls)
            gen = ctx.arun(lambda: teacher.generate(kind, n, analysis=analysis, focus=focus,
                                                    history=notes, seed=seed))
            calls += 1
            if gen is None:
                break
            teacher.check_alive(f"in round {r}")
            if not gen.ok:
                records.append(SampleRecord(r, gen.raw[:2000], None, kind, False,
                                            f"teacher error: {gen.error}", asked=n))
                continue
            items = gen.labelled
            if not items:
                records.append(SampleRecord(r, gen.raw[:2000], None, kind, False,
                                            "unparseable answer", asked=n))
                continue
            first = True
            for it in items:
                verdict = dedupe.check(it.text, prompt=gen.prompt)
                asked = n if first else 0
                first = False
                if verdict.reason:
                    records.append(SampleRecord(r, verdict.text, None, kind, False, verdict.reason,
                                                intended=it.label, asked=asked))
                else:
                    candidates.append(Candidate(kind, verdict.text, it.label, it.entities, asked))
            if candidates:
                # Labelled right after its call: no text is written that the budget cannot label.
                ctx.progress(r, "teacher labelling", 0.3, teacher_tokens=teacher.usage.tokens)
                before = teacher.usage.tokens
                recs, pairs = labelling.label(ctx, r, candidates, info, calls)
                records += recs
                kept += pairs
                labelled = sum(1 for x in recs if x.reason != "teacher budget spent")
                if labelled and "separation" not in o.ablate:
                    ctx.label_cost = max(1, (teacher.usage.tokens - before) // labelled)
        batch += 1
        if calls == calls_before:
            break  # the budget left could not pay for another call: the round's generation is over
        if o.budget is None and (kept or any(s.reason in ("near-duplicate", "too short")
                                              for s in records)):
            break  # one answered batch is a round's worth without a budget
        ctx.check_stop()
    return records, kept


def affordable(ctx: RunContext, n: int) -> int:
    """How many of ``n`` texts the round's budget can still pay for: each costs about 60
    completion tokens to write and one labelling call (its measured mean cost), and the
    call itself about GENERATION_OVERHEAD tokens of prompt. No budget: all of them."""
    teacher = ctx.teacher
    assert teacher is not None
    left = teacher.remaining()
    if left is None:
        return n
    left -= teacher.reserve
    per_text = 60 + (0 if "separation" in ctx.o.ablate else ctx.label_cost)
    return max(0, min(n, (left - GENERATION_OVERHEAD) // per_text))


def easy_focus(info: TaskInfo, n: int, offset: int) -> list[str]:
    labels = info.labels
    if not labels or n <= 0:
        return []
    return [labels[(offset + i) % len(labels)] for i in range(min(n, len(labels)))]
