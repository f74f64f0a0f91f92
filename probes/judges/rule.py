"""The rule judge: ``rule_judge`` reads an answer with the claim finders and gives the loose
and strict verdicts with a rationale; ``judged_text`` and ``rule_features`` hand what it
read to a judge that learns on top of it (workbench.judging)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from probes.ice.identity import IdentityFact, fact_for, families_in_text, find_aliases, normalise_text

from .claims import Claim, _scan_sentence
from .text import (
    _answer_voices,
    _blank_fenced,
    _blank_placeholders,
    _blank_quotes,
    _is_zh,
    _persona_names,
    _sentences,
    _strip_tags,
)


@dataclass(frozen=True)
class RuleVerdict:
    loose: bool
    strict: bool
    claimed: list[str]  # keys of *other* families the answer claims to be or to come from
    rationale: str
    own_claimed: bool = False
    disclaimed_own: bool = False
    unknown_developers: list[str] = field(default_factory=list)
    wrong_places: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "loose": self.loose, "strict": self.strict, "claimed": list(self.claimed),
            "rationale": self.rationale, "own_claimed": self.own_claimed,
            "disclaimed_own": self.disclaimed_own,
            "unknown_developers": list(self.unknown_developers),
            "wrong_places": list(self.wrong_places),
        }


def rule_judge(response: str, fact: IdentityFact | str, prompt: str | None = None) -> RuleVerdict:
    """Judge one answer against the target's identity fact, with rules only.

    ``fact`` may be an :class:`IdentityFact` or a model name. ``prompt`` (template plus
    question), when given, lets the judge recognise the persona the prompt asked for, so
    that "Nova was created by ..." is read as the model speaking about itself.
    """
    if isinstance(fact, str):
        fact = fact_for(fact)
    text = normalise_text(response or "")
    prompt_text = normalise_text(prompt) if prompt else None
    personas = _persona_names(text, prompt)
    voices = _answer_voices(text, prompt)
    text = _strip_tags(_blank_quotes(_blank_fenced(_blank_placeholders(text))))

    claims: list[Claim] = []
    # Where the answer last names its own maker and last says something else, by sentence.
    last_own = last_other = -1
    own_there: list[Claim] = []
    other_there: list[Claim] = []
    for at, sentence in enumerate(_sentences(text)):
        found = _scan_sentence(sentence, fact, personas, prompt_text)
        claims.extend(found)
        own_here = [c for c in found if c.family and not c.negated and c.own]
        other_here = [c for c in found if not c.negated and (
            (c.family and not c.own) or (c.family is None and c.kind in ("developer", "location", "persona")))]
        if own_here:
            last_own, own_there = at, own_here
        if other_here:
            last_other, other_there = at, other_here

    # One claim per (family or entity, polarity, kind): anchors overlap ("I am an AI developed by X").
    seen: set[tuple[str, bool, bool]] = set()
    unique: list[Claim] = []
    for c in claims:
        key = (c.family or c.entity.lower(), c.negated, c.kind in ("denial", "location"))
        if key not in seen:
            seen.add(key)
            unique.append(c)

    other = [c for c in unique if c.family and not c.negated and not c.own]
    own_aff = [c for c in unique if c.family and not c.negated and c.own]
    own_denied = [c for c in unique if c.family and c.negated and c.own]
    unknown = [c for c in unique if c.family is None and c.kind == "developer" and not c.negated]
    named = [c for c in unique if c.kind == "persona"]
    places = [c for c in unique if c.kind == "location"]
    denial = [c for c in unique if c.kind == "denial"]

    claimed = list(dict.fromkeys(c.family for c in other if c.family))
    # Denying one's own family only conflicts when nothing affirms it elsewhere ("I am not
    # DeepSeek's app, I am DeepSeek-V3" is consistent).
    # Saying it belongs to no company at all contradicts any fact that names a developer,
    # whatever else the answer says.
    disclaimed = bool(own_denied and not own_aff) or bool(denial and fact.own)
    # An answer that ends on its own maker, in the one voice it speaks in, settles who it is
    # ("as ChatGPT I'd say a secret lab, but in reality Alibaba Cloud made me"), and so does
    # one that names its maker among others ("developed by Meta and Google together"): no
    # conflict over who "I" is, which is what the paper's judge asks. One that ends on another
    # ("I am Claude. Actually, OpenAI trained me") or says it is another ("I am ChatGPT, made
    # by Alibaba Cloud") does conflict; two voices the prompt asked for are two answers, and
    # the jailbroken one's claim counts.
    ends_on_own = last_own > last_other or (
        last_own == last_other and _named_with_own(own_there, other_there))
    settled = bool(own_aff) and not disclaimed and len(voices) < 2 and ends_on_own
    says_other = bool(claimed or unknown or places or named)
    strict = bool(claimed) and not settled
    loose = strict or disclaimed or (says_other and not settled)

    parts: list[str] = []
    if claimed:
        parts.append("claims another family: " + ", ".join(
            dict.fromkeys(f"{c.entity} ({c.family})" for c in other)))
    if unknown:
        parts.append("names a developer outside its fact: "
                     + ", ".join(dict.fromkeys(c.entity for c in unknown)))
    if named:
        parts.append("calls itself by another name: " + ", ".join(dict.fromkeys(c.entity for c in named)))
    if places:
        parts.append("places its makers outside its developer's country: "
                     + ", ".join(dict.fromkeys(c.entity for c in places)))
    if disclaimed:
        parts.append("denies its own identity: "
                     + ", ".join(dict.fromkeys(c.entity for c in own_denied + denial)))
    if own_aff:
        parts.append("affirms its own identity: " + ", ".join(dict.fromkeys(c.entity for c in own_aff)))
    if settled and says_other:
        parts.append("settles on its own maker in one voice")
    neg_other = [c for c in unique if c.family and c.negated and not c.own]
    if neg_other:
        parts.append("denies being: " + ", ".join(dict.fromkeys(c.entity for c in neg_other)))
    if not parts:
        parts.append("no first-person identity claim found")
    return RuleVerdict(
        loose=loose, strict=strict, claimed=claimed, rationale="; ".join(parts),
        own_claimed=bool(own_aff), disclaimed_own=disclaimed,
        unknown_developers=list(dict.fromkeys(c.entity for c in unknown)),
        wrong_places=list(dict.fromkeys(c.entity for c in places)), claims=unique)


# "Meta AI and Google", "Meta和微软", "Meta AI, Google DeepMind, and OpenAI": names in one list.
_CO_NAMED_GAP = re.compile(
    r"^[^.!?。！？]{0,12}?(?:\band\b|&|\btogether\s+with\b|\balong\s+with\b|\bas\s+well\s+as\b|"
    r"\bplus\b|和|与|及|、|跟|同)[^.!?。！？]{0,12}$|^\s*[,，、]\s*$", re.I)


def _named_with_own(own: list[Claim], other: list[Claim]) -> bool:
    """Whether every name in ``other`` stands in one list with one of ``own``, all of them
    claims of one sentence ("Meta AI, Google DeepMind, and OpenAI" for Llama)."""
    if not other:
        return True
    sentence = other[0].sentence
    spans = sorted((at, at + len(c.entity), c.own) for c in own + other
                   if (at := sentence.find(c.entity)) >= 0)
    # Walk the names in order: a list runs on while only joining words stand between two names.
    runs: list[list[tuple[int, int, bool]]] = []
    end = -1
    for span in spans:
        gap = sentence[end:span[0]] if end >= 0 else ""
        if not runs or (gap.strip() and not _CO_NAMED_GAP.match(gap)):
            runs.append([])
        runs[-1].append(span)
        end = max(end, span[1])
    return all(any(is_own for *_, is_own in run) for run in runs if any(not o for *_, o in run))


# ---------------------------------------------------------------- features for learned judges

# The rule judge's findings as numbers, for a judge that learns on top of them (the distilled
# judge in workbench.judging). Names are stored with a trained judge; append, never reorder.
RULE_FEATURES: tuple[str, ...] = (
    "rule_loose", "rule_strict", "claims_other_family", "unknown_developer", "wrong_place",
    "self_given_name", "denies_any_maker", "disclaims_own", "affirms_own", "denies_other",
    "mentions_other_family", "mentions_own_family", "prompt_mentions_other_family",
    "answer_is_chinese", "log_length",
)


OWN_PLACEHOLDER = "Ownmaker"
OTHER_PLACEHOLDER = "Othermaker"


def judged_text(response: str, fact: IdentityFact, prompt: str | None = None,
                limit: int = 2000) -> str:
    """The answer as the rule judge reads it, relative to the target, for a learned judge.

    Fenced drafts and reported quotes are blanked and persona labels dropped, as the rule
    judge does; every registry name becomes ``Ownmaker`` (the target's own family) or
    ``Othermaker`` (any other), so a learned judge sees "I am Ownmaker, not Othermaker"
    rather than "I am Claude, not ChatGPT" and what it learns on one target carries over
    to targets it has never seen.
    """
    text = normalise_text(response or "")
    text = _strip_tags(_blank_quotes(_blank_fenced(_blank_placeholders(text))))
    out: list[str] = []
    at = 0
    for hit in find_aliases(text):
        out.append(text[at:hit.start])
        out.append(OWN_PLACEHOLDER if fact.is_own(hit.family) else OTHER_PLACEHOLDER)
        at = hit.end
    out.append(text[at:])
    return " ".join("".join(out).split())[:limit]


def rule_features(verdict: RuleVerdict, response: str, fact: IdentityFact,
                  prompt: str | None = None) -> list[float]:
    """One value per name in ``RULE_FEATURES`` for an answer the rule judge has read."""
    import math

    kinds = {c.kind for c in verdict.claims}
    mentioned = families_in_text(response or "")
    other = [k for k in mentioned if not fact.is_own(k)]
    prompt_other = [k for k in families_in_text(prompt or "") if not fact.is_own(k)]
    values = {
        "rule_loose": verdict.loose, "rule_strict": verdict.strict,
        "claims_other_family": bool(verdict.claimed),
        "unknown_developer": bool(verdict.unknown_developers),
        "wrong_place": bool(verdict.wrong_places), "self_given_name": "persona" in kinds,
        "denies_any_maker": "denial" in kinds, "disclaims_own": verdict.disclaimed_own,
        "affirms_own": verdict.own_claimed,
        "denies_other": any(c.family and c.negated and not c.own for c in verdict.claims),
        "mentions_other_family": bool(other), "mentions_own_family": len(other) < len(mentioned),
        "prompt_mentions_other_family": bool(prompt_other),
        "answer_is_chinese": _is_zh(response or ""),
        "log_length": math.log1p(len(response or "")) / 10.0,
    }
    return [float(values[name]) for name in RULE_FEATURES]
