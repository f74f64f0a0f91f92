"""RSE runs: reference and targets answer every prompt, similarity is measured, a judge rates.

One run = one reference, one or more targets, one or more prompt sets, an optional judge.
Each (target, set, prompt) is one item, keyed ``"{target}|{set}|{prompt_id}"``. An item:

1. gets the reference's and the target's answers (stored ones reused unless ``fresh``;
   the reference's answer to a prompt is asked once and shared by every target);
2. measures lexical, 2-gram and embedding similarity (always, no judge needed);
3. asks the judge, if any, for the granular verdict (both orders with ``swap``);
4. writes verdict, metrics and answer in one transaction, so a killed run never leaves a
   verdict without its item marked answered (which would duplicate it on resume).

The run's config holds everything needed to resume it; ``summarize`` turns stored items
and verdicts into the per-target, per-set scores (judge-only or human-adjusted).

One module per job: ``options`` (what a run needs, checked by ``prepare``), ``runner``
(``RSERunner``: answers, similarity, judge, each item stored as it finishes), ``summary``
(the scores and their intervals) and ``persistence`` (storing, loading and reading runs).
Import from here.
"""

from __future__ import annotations

from .options import (DEFAULT_JUDGE_MAX_TOKENS, DEFAULT_MAX_TOKENS, KIND, NO_JUDGE, Prepared, RSEError, RSEOptions,
                      load_sets, prepare, prepare_models_only, set_source)
from .persistence import item_detail, item_rows, list_rse_runs, load_run, run_report, start_run
from .runner import SIMILARITY, RSERunner, item_key, labelled, similarity_metrics, work_items
from .summary import format_interval, item_verdict, set_order, summarize, targets_of

__all__ = [
    "DEFAULT_JUDGE_MAX_TOKENS", "DEFAULT_MAX_TOKENS", "KIND", "NO_JUDGE", "SIMILARITY", "Prepared", "RSEError",
    "RSEOptions", "RSERunner", "format_interval", "item_detail", "item_key", "item_rows", "item_verdict", "labelled",
    "list_rse_runs", "load_run", "load_sets", "prepare", "prepare_models_only", "run_report", "set_order",
    "set_source", "similarity_metrics", "start_run", "summarize", "targets_of", "work_items",
]
