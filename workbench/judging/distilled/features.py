"""What the head reads for an answer: its embedding and/or the rule judge's findings, and the rule verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from probes.ice.identity import IdentityFact
from probes.judges import RULE_FEATURES, judged_text, rule_features, rule_judge

from .. import JudgeError
from .encoder import Encoder

FEATURE_SETS = ("embedding", "rule")
DEFAULT_FEATURES = ("embedding",)
ANCHORS = ("rule", "none")
DEFAULT_ANCHOR = "rule"


@dataclass
class Inputs:
    """What the head reads for a batch of answers."""

    x: np.ndarray  # (n, d) features, float64
    rule: np.ndarray  # (n,) the rule judge's loose verdict, 0/1
    verdicts: list[Any]  # probes.judges.RuleVerdict per answer


def judge_inputs(encoder: Encoder | None, features: Sequence[str], prompts: Sequence[str],
                 responses: Sequence[str], facts: Sequence[IdentityFact]) -> Inputs:
    """The rule judge reads every answer once; its findings and verdict serve features and anchor."""
    verdicts = [rule_judge(r, f, prompt=p) for p, r, f in zip(prompts, responses, facts)]
    parts = []
    if "embedding" in features:
        if encoder is None:
            raise JudgeError("this judge reads answer embeddings but has no encoder: train it again")
        parts.append(encoder.encode([judged_text(r, f, p) for p, r, f in zip(prompts, responses, facts)]))
    if "rule" in features:
        rows = [rule_features(v, r, f, p) for v, p, r, f in zip(verdicts, prompts, responses, facts)]
        parts.append(np.asarray(rows, dtype=np.float32).reshape(len(rows), len(RULE_FEATURES)))
    x = np.concatenate(parts, axis=1) if parts else np.zeros((len(responses), 0), np.float32)
    rule = np.asarray([float(v.loose) for v in verdicts], dtype=np.float64)
    return Inputs(x=x.astype(np.float64), rule=rule, verdicts=verdicts)


def parse_anchor(text: str) -> str:
    if text not in ANCHORS:
        raise JudgeError(f"--anchor takes rule or none (got {text!r})")
    return text


def parse_features(text: str | Sequence[str]) -> tuple[str, ...]:
    names = [x.strip() for x in (text.split(",") if isinstance(text, str) else text) if x.strip()]
    bad = [x for x in names if x not in FEATURE_SETS]
    if not names or bad:
        raise JudgeError(f"--features takes embedding, rule or embedding,rule (got {text!r})")
    return tuple(n for n in FEATURE_SETS if n in names)

