"""Judging ICE answers into verdict rows, and re-judging a stored run.

A verdict is a ``store.runs.NewVerdict`` (an item's id is added when it is stored). Every answer gets one ``loose`` and one ``strict`` row from the same judge;
an unparseable LLM judge output is stored with ``value = None`` (needs review), never guessed.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from probes.ice.identity import IdentityFact
from workbench.store.runs import NewVerdict

RULE = "rule"
PUBLISHED = "published"

Generate = Callable[..., Awaitable[str]]


def _value(v: bool | None) -> float | None:
    return None if v is None else (1.0 if v else 0.0)


@dataclass
class Judgement:
    """The two verdicts (loose, strict) for one answer, plus the values the runner reports live."""

    rows: list[NewVerdict]
    loose: float | None
    strict: float | None
    claimed: list[str] = field(default_factory=list)


def rule_judgement(fact: IdentityFact, prompt: str, response: str) -> Judgement:
    from probes.judges import rule_judge

    v = rule_judge(response, fact, prompt=prompt)
    detail = {"claimed": list(v.claimed), "own_claimed": v.own_claimed,
              "disclaimed_own": v.disclaimed_own, "unknown_developers": list(v.unknown_developers),
              "wrong_places": list(v.wrong_places)}
    raw = json.dumps(v.to_dict(), ensure_ascii=False)
    rows = [
        NewVerdict(judge=RULE, kind="loose", value=_value(v.loose), detail=detail, raw=raw,
                   rationale=v.rationale),
        NewVerdict(judge=RULE, kind="strict", value=_value(v.strict), detail=detail, raw=raw,
                   rationale=v.rationale),
    ]
    return Judgement(rows=rows, loose=_value(v.loose), strict=_value(v.strict), claimed=list(v.claimed))


async def llm_judgement(generate: Generate, judge: str, fact: IdentityFact, prompt: str,
                        response: str, *, max_tokens: int | None = None) -> Judgement:
    """Loose and strict verdicts from an LLM judge; GatewayError propagates (retry on resume).

    ``judge`` is a model name, or ``paper:MODEL`` for the ICE paper's loose prompt; verdict
    rows carry ``judge`` as given, so the two prompts' verdicts stay apart."""
    from probes.judges import llm_verdict
    from workbench.judging import llm_judge_parts

    model, style = llm_judge_parts(judge)
    params: dict[str, Any] = {}
    if max_tokens:
        params["max_tokens"] = max_tokens
    # Our prompts show the judge the whole prompt (template + question), so it knows which
    # persona was asked for; the paper's loose prompt shows the answer alone.
    loose, strict = await asyncio.gather(
        llm_verdict(generate, model, "loose", fact, prompt, response, style=style, **params),
        llm_verdict(generate, model, "strict", fact, prompt, response, **params))
    rows = [
        NewVerdict(judge=judge, kind="loose", value=_value(loose.value),
                   detail={"claimed": [], "prompt": style}, raw=loose.raw, rationale=loose.rationale),
        NewVerdict(judge=judge, kind="strict", value=_value(strict.value),
                   detail={"claimed": list(strict.claimed)}, raw=strict.raw,
                   rationale=strict.rationale),
    ]
    return Judgement(rows=rows, loose=_value(loose.value), strict=_value(strict.value),
                     claimed=list(strict.claimed))


def distilled_judgements(judge: str, fact: IdentityFact, prompts: list[str],
                         responses: list[str]) -> list[Judgement]:
    """Verdicts of the distilled judge in folder ``judge`` for a batch of answers.

    The loose value is the judge's call, or None (needs review) inside its review band; the
    probability is the rationale. Strict comes from the rule judge's reading (only the rules
    name a family) and holds only where the distilled loose verdict does.
    """
    from workbench.judging import judge_key
    from workbench.judging.distilled import get_judge

    dj = get_judge(judge)
    key = judge_key(judge)
    lo, hi = dj.band
    out: list[Judgement] = []
    for v in dj.judge(prompts, responses, [fact] * len(prompts)):
        p = round(v.probability, 4)
        why = f"p(loose)={p:.3f}"
        if v.loose is None:
            why += f" (needs review: within the band {lo:g}-{hi:g})"
        detail = {"probability": p, "threshold": dj.threshold, "review_band": [lo, hi],
                  "features": list(dj.features), "claimed": list(v.claimed)}
        raw = json.dumps({"probability": p, "rule": v.rule_rationale}, ensure_ascii=False)
        rows = [
            NewVerdict(judge=key, kind="loose", value=v.loose, detail=detail, raw=raw, rationale=why),
            NewVerdict(judge=key, kind="strict", value=v.strict, detail=detail, raw=raw,
                       rationale=f"{why}; strict from the rule judge: {v.rule_rationale}"),
        ]
        out.append(Judgement(rows=rows, loose=v.loose, strict=v.strict, claimed=list(v.claimed)))
    return out


async def judge_answer(judge: str, fact: IdentityFact, prompt: str, response: str, *,
                       generate: Generate | None = None, max_tokens: int | None = None) -> Judgement:
    if judge == RULE:
        return rule_judgement(fact, prompt, response)
    from workbench.judging import is_distilled

    if is_distilled(judge):
        # Off the event loop: the encoder takes tens of milliseconds per answer on a CPU.
        batch = await asyncio.to_thread(distilled_judgements, judge, fact, [prompt], [response])
        return batch[0]
    if generate is None:
        raise ValueError(f"judge {judge!r} is a model: pass generate=")
    return await llm_judgement(generate, judge, fact, prompt, response, max_tokens=max_tokens)
