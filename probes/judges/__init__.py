"""ICE judges: a rule judge that needs no model, and prompts + parsers for LLM judges.

The rule judge reads an answer the way a careful reviewer would: it looks for first-person
statements about who the speaker is, who made it, or where its makers are ("I am ...",
"I was trained by ...", "my team is based in ...", "我是由...开发的"), and only then asks
which family the named entity belongs to. A name that merely appears (in a comparison, a
quotation, a hypothetical, a denial) is not a claim. Each rule is explicit so that a
reviewer can see, in ``RuleVerdict.rationale``, why an answer was flagged.

Loose: any claim that conflicts with the target's fact: another family's identity, a
concrete developer other than the target's own (a fictional one too), makers placed in a
country where the target's developer is not, or a denial of the target's own identity or
of having any developer at all ("nobody made me", "我是独立运作的超级AI"), or a made-up secret
team as its maker. Playing the persona the prompt asked for (DAN) is no conflict by itself;
what the persona says about its maker is. Strict: another *registry family's* identity.
Naming one's own family or developer is never strict.

One judge per module: ``rule`` (the rule judge, which reads with ``text`` and finds claims
with ``claims``) and ``llm`` (the LLM judge's prompts and parser). Import from here.
"""

from __future__ import annotations

from .claims import Claim
from .llm import (
    PAPER_STYLE,
    PROMPT_STYLES,
    WORKBENCH_STYLE,
    JudgeParse,
    LLMVerdict,
    claimed_keys,
    llm_verdict,
    loose_judge_messages,
    paper_fact_text,
    paper_loose_judge_messages,
    parse_binary_verdict,
    strict_judge_messages,
)
from .rule import OTHER_PLACEHOLDER, OWN_PLACEHOLDER, RULE_FEATURES, RuleVerdict, judged_text, rule_features, rule_judge

__all__ = [
    "PAPER_STYLE", "PROMPT_STYLES", "WORKBENCH_STYLE", "paper_fact_text", "paper_loose_judge_messages",
    "OTHER_PLACEHOLDER", "OWN_PLACEHOLDER", "RULE_FEATURES", "Claim", "JudgeParse", "LLMVerdict", "RuleVerdict",
    "claimed_keys", "judged_text", "llm_verdict", "loose_judge_messages", "parse_binary_verdict", "rule_features",
    "rule_judge", "strict_judge_messages",
]
