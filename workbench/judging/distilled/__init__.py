"""The distilled ICE judge: the built-in MiniLM encoder, frozen, plus a logistic head.

An answer becomes its mean-pooled, unit-length MiniLM embedding (first ``max_length``
tokens of ``probes.judges.judged_text``: quotes and drafts blanked, every model or company
name replaced by "Ownmaker" or "Othermaker" relative to the target, so that what is learnt
on one target carries to others), optionally joined by the rule judge's findings
(``probes.judges.RULE_FEATURES``); a logistic head over the standardised features gives
p(loose conflict).

The head is anchored on the rule judge by default: each answer starts from the rule
verdict's calibrated log-odds (how often the labels agree with the rule's "conflict" and
"no conflict" on the training runs, shrunk toward a prior by pseudo-counts), and the
features only learn a penalised correction to it. Trained on few labels (a run with seven
positives) the judge therefore stays the rule judge instead of collapsing to "never a
conflict"; trained on many it moves where the labels consistently disagree with the rules.
The L2 strength of the correction is chosen by cross-validation with folds grouped by
jailbreak template, so it is judged on templates it did not see. The encoder stays
frozen because on 2 CPU cores one pass over 1,000 answers takes ~30 s while fine-tuning
takes several minutes per epoch, and each answer is embedded once per process (cached),
in memory and on disk (``embed_cache``), so training the head, choosing its L2 strength by
5-fold cross-validation and scoring the same answers again cost seconds.

A trained judge is a folder: the encoder in Hugging Face format (``config.json``,
``model.safetensors``, tokenizer files), ``head.safetensors`` (weights, bias, feature
mean and scale) and ``judge.json`` (format, label source, training runs, features,
threshold, review band, training figures). Answers whose probability falls inside the
review band are stored undecided (needs review) with the probability as the rationale.

Imports torch and transformers at the top: only ``workbench judge``, a distilled
``--judge`` and tests/benchmarks import it.

The code lives by job: ``encoder`` (the frozen encoder), ``features`` (what the head reads),
``head`` (the logistic head, its fit and L2 choice), ``judge`` (a trained judge scoring answers),
``training`` (``train`` and the leave-one-model-out figures) and ``folder`` (saving a judge).
"""

from __future__ import annotations

import os

# Before transformers is imported (by .encoder): no downloads, no tokenizer thread pools.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from .encoder import (  # noqa: E402
    ENCODER_TITLES,
    ENCODERS,
    Encoder,
    base_encoder,
    default_encoder_name,
    make_encoder,
    parse_encoder,
)
from .features import (  # noqa: E402
    ANCHORS,
    DEFAULT_ANCHOR,
    DEFAULT_FEATURES,
    FEATURE_SETS,
    Inputs,
    judge_inputs,
    parse_anchor,
    parse_features,
)
from .folder import check_out, save  # noqa: E402
from .head import (  # noqa: E402
    ANCHOR_PRIOR_NEGATIVE,
    ANCHOR_PRIOR_POSITIVE,
    ANCHOR_STRENGTH,
    ANCHORED_L2_GRID,
    CV_FOLDS,
    HEAD_FILE,
    L2_GRID,
    RULE_PENALTY,
    Head,
    choose_l2,
    fit_head,
    folds_by_group,
    rule_anchor,
)
from .judge import DEFAULT_BAND, DEFAULT_THRESHOLD, DistilledJudge, Verdict, get_judge  # noqa: E402
from .training import cv_groups, leave_one_model_out, train  # noqa: E402

__all__ = [
    "ANCHORED_L2_GRID", "ANCHORS", "ANCHOR_PRIOR_NEGATIVE", "ANCHOR_PRIOR_POSITIVE", "ANCHOR_STRENGTH",
    "CV_FOLDS", "DEFAULT_ANCHOR", "DEFAULT_BAND", "DEFAULT_FEATURES", "DEFAULT_THRESHOLD", "ENCODERS",
    "ENCODER_TITLES", "FEATURE_SETS", "HEAD_FILE", "L2_GRID", "RULE_PENALTY", "DistilledJudge", "Encoder",
    "Head", "Inputs", "Verdict", "base_encoder", "check_out", "choose_l2", "cv_groups", "default_encoder_name",
    "fit_head", "folds_by_group", "get_judge", "judge_inputs", "leave_one_model_out", "make_encoder",
    "parse_anchor", "parse_encoder", "parse_features", "rule_anchor", "save", "train",
]
