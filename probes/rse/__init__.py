"""RSE, Response Similarity Evaluation: how much a target model answers like a reference.

- ``sets``: the prompt sets (built-in ``arena``, ``math``, ``chat``, or any JSONL file)
- ``judge``: the granular judge prompt, its parser, order swapping, self-judge check
- ``scores``: per-set means with bootstrap intervals and the ``avg`` over sets
- ``matrix``: the homogenization matrix across N models
Judge-free measures live in ``probes.similarity``.
"""

from probes.rse.judge import (
    GranularVerdict,
    combine_swapped,
    granular_judge_messages,
    model_identity,
    parse_granular,
    self_judge_conflict,
)
from probes.rse.matrix import METRICS, homogenization_matrix
from probes.rse.scores import MEASURES, ItemScores, rse_scores
from probes.rse.sets import PromptItem, PromptSet, PromptSetError, builtin_sets, load_set

__all__ = [
    "GranularVerdict",
    "ItemScores",
    "MEASURES",
    "METRICS",
    "PromptItem",
    "PromptSet",
    "PromptSetError",
    "builtin_sets",
    "combine_swapped",
    "granular_judge_messages",
    "homogenization_matrix",
    "load_set",
    "model_identity",
    "parse_granular",
    "rse_scores",
    "self_judge_conflict",
]
