"""Stored runs and jobs for report tests, written with the store's own functions.

ICE and RSE runs come from tests/review/fixtures.py; RSE items get judge-free measures here;
EvoKD jobs get rounds as the worker's recorder saves them (``store.save_round``).
"""

from __future__ import annotations

from typing import Any

from workbench.store import jobs as store
from workbench.store.runs import run_items, set_item_metrics

from tests.review.fixtures import make_ice_run, make_rse_run

# EvoKD seeds of method evokd: accuracy per round for seeds 0, 1, 2.
EVOKD_ACC = {0: (0.50, 0.60, 0.70), 1: (0.52, 0.64, 0.76), 2: (0.48, 0.56, 0.64)}
STATIC_ACC = (0.50, 0.55, 0.58)
LABELS = ["business", "sport", "tech"]


def add_rse_measures(db: Any, run_id: int) -> None:
    for i, item in enumerate(run_items(db, run_id)):
        set_item_metrics(db, item.id, {"lexical": 0.2 + 0.05 * (i % 4), "ngram2": 0.1 + 0.02 * i,
                                       "embedding": 0.6 + 0.02 * (i % 5)})


def make_job(db: Any, method: str, seed: int, accs: tuple[float, ...], *, full_shot: bool = False,
             confusion: list[list[int]] | None = None) -> int:
    opts = {"dataset": "bbc-news", "method": method, "seed": seed, "shots": 1, "rounds": len(accs) - 1,
            "teacher": "local/smollm2-135m-instruct", "full_shot": full_shot}
    job_id = store.create_job(db, "evokd", {"options": opts})
    for r, acc in enumerate(accs):
        store.save_round(db, job_id, {"round": r, "train_size": 5 + 10 * r, "generated": 10 * r, "kept": 8 * r,
                                      "teacher_tokens": 0 if r == 0 else 1000 + 100 * seed, "teacher_cost_usd": 0.0,
                                      "accuracy": acc, "macro_f1": acc - 0.05, "loss": 0.5, "seconds": 3.0,
                                      "analysis": None, "checkpoint": None})
    if confusion is not None:
        store.add_event(db, job_id, "info", "final evaluation",
                        {"round": len(accs) - 1, "confusion": {"labels": LABELS, "matrix": confusion}})
    store.update_job(db, job_id, status="done")
    return job_id


__all__ = ["make_ice_run", "make_rse_run", "add_rse_measures", "make_job", "EVOKD_ACC", "STATIC_ACC", "LABELS"]
