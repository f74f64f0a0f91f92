"""Labelling a round's generated texts, and the round's acceptance accounting.

Each text the teacher wrote is labelled again by a separate teacher call (unless the
``separation`` ablation keeps the label the generation call intended); both labels are kept,
and a text without a usable label is dropped with its reason. The accounting counts what was
asked, parsed, echoed, invalid, unlabelled and kept, and the round's teacher usage.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from . import parsers
from .context import RunContext
from .data import Example
from .prompts import TaskInfo
from .recorder import ACCOUNTING, SampleRecord
from .teacher import LabelResult, entity_tags


@dataclass
class Candidate:
    kind: str
    text: str
    label: str | None = None  # the label the generation call intended ("ner" for NER)
    entities: tuple[tuple[str, str], ...] = ()
    asked: int = 0  # texts the call that produced it asked for (counted on its first text)


def label(ctx: RunContext, r: int, candidates: list[Candidate], info: TaskInfo, calls: int
          ) -> tuple[list[SampleRecord], list[tuple[SampleRecord, Example]]]:
    teacher, ds = ctx.teacher, ctx.ds
    assert teacher is not None and ds is not None
    intended = [preset_label(c, info) for c in candidates]
    if "separation" in ctx.o.ablate:
        results = intended
    else:
        seed = ctx.call_seed(r, 500 + calls * 20)
        results = ctx.arun(lambda: teacher.label_all([c.text for c in candidates], seed))
    records: list[SampleRecord] = []
    pairs: list[tuple[SampleRecord, Example]] = []
    for cand, want, res in zip(candidates, intended, results):
        asked = cand.asked
        want_json = (json.dumps(want.tags) if want.tags is not None else None) if ds.task == "ner" \
            else want.label
        if ds.task == "ner":
            if res.tags is None:
                records.append(SampleRecord(r, cand.text, None, cand.kind, False, res.reason,
                                            intended=want_json, asked=asked))
                continue
            ex = Example(tokens=tuple(parsers.tokenize(cand.text)), tags=tuple(res.tags))
        else:
            if res.label is None:
                records.append(SampleRecord(r, cand.text, None, cand.kind, False, res.reason,
                                            intended=want_json, asked=asked))
                continue
            ex = Example(text=cand.text, label=res.label)
        record = SampleRecord(r, ex.display_text(), ex.label_json(), cand.kind, True,
                              intended=want_json, asked=asked)
        records.append(record)
        pairs.append((record, ex))
    return records, pairs


def preset_label(cand: Candidate, info: TaskInfo) -> LabelResult:
    """The label (NER: tags) the generation call meant the text to have."""
    if info.task == "ner":
        if cand.label is None:
            return LabelResult(None, reason="no entities with the text")
        tags = entity_tags(cand.text, list(cand.entities))
        if tags is None:
            return LabelResult(None, reason="an entity the teacher named is not in the text")
        return LabelResult("ner", tags=tags)
    if cand.label is None:
        return LabelResult(None, reason="no label with the text")
    return LabelResult(cand.label)


def accounting(records: list[SampleRecord]) -> dict[str, int]:
    echo = ("near-duplicate", "echoes the prompt")
    invalid = ("empty", "too short", "too long", "repetitive")
    acct = dict.fromkeys(ACCOUNTING, 0)
    for s in records:
        if s.reason and s.reason.startswith(("unparseable answer", "teacher error")):
            continue
        acct["parsed"] += 1
        if s.kept:
            acct["kept"] += 1
            acct["disagree"] += int(s.intended is not None and s.intended != s.label)
        elif s.reason in echo:
            acct["echoed"] += 1
        elif s.reason in invalid:
            acct["invalid"] += 1
        else:
            acct["unlabelled"] += 1
    acct["asked"] = sum(s.asked for s in records)
    return acct


def record_accounting(ctx: RunContext, r: int, records: list[SampleRecord], acct: dict[str, int]) -> None:
    """Complete round ``r``'s accounting with the teacher's usage (and, with a budget, what
    carries over to the next round) and store it as metrics ``acct.<name>`` and an event."""
    o, rec, teacher = ctx.o, ctx.rec, ctx.teacher
    assert teacher is not None
    acct["prompt_tokens"], acct["completion_tokens"] = (teacher.usage.prompt_tokens,
                                                        teacher.usage.completion_tokens)
    acct["calls"], acct["failed_calls"] = teacher.usage.calls, teacher.usage.failed
    acct["label_cost"] = ctx.label_cost  # carried into the next round (and a resume)
    if o.budget is not None and teacher.budget is not None:
        ctx.carry = max(0, teacher.budget - teacher.usage.tokens)
        acct["carry"] = ctx.carry
    for k, v in acct.items():
        rec.metric(f"acct.{k}", v, round=r)
    rec.event("info", f"round {r}: asked {acct['asked']}, parsed {acct['parsed']}, echoed "
                      f"{acct['echoed']}, unlabelled {acct['unlabelled']}, kept {acct['kept']} "
                      f"({acct['disagree']} relabelled); {teacher.usage.tokens} teacher tokens",
              {"accounting": acct,
               "dropped": dict(Counter(s.reason for s in records if not s.kept))})
