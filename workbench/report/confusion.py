"""The confusion matrix of an EvoKD job's final student, recomputed from its checkpoint.

Jobs record accuracy and macro-F1 per round but not the predictions, so the report loads the
newest kept checkpoint and predicts the job's test set again (the same ``load_dataset`` call,
test limit and seed as the job). Imports torch: only ``workbench report`` and the TUI's report
worker reach this module, never start-up. Any failure is a note in the report, not an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def checkpoint_confusion(result: dict[str, Any], opts: dict[str, Any]) -> dict[str, Any] | None:
    ckpt = result.get("checkpoint")
    if not ckpt or not Path(ckpt).exists():
        return {"error": "no checkpoint of the final round is kept: the confusion matrix needs one"}
    # job_result's checkpoint is the newest round that still has one: name that round.
    final_round = next((r["round"] for r in reversed(result["rounds"]) if r.get("checkpoint") == ckpt),
                       max((r["round"] for r in result["rounds"]), default=None))
    try:
        from workbench.distill.data import load_dataset
        from workbench.distill.student import Student

        ds = load_dataset(str(opts.get("dataset")), opts.get("task") or "auto",
                          test_limit=opts.get("test_limit"), seed=int(opts.get("seed") or 0))
        if ds.task != "classification":
            return {"error": f"a {ds.task} job: the confusion matrix is drawn for classification jobs"}
        student = Student.from_checkpoint(ckpt, ds.task, device="cpu",
                                          max_length=int(opts.get("max_length") or 128))
        pred = student.predict(ds.test)
    except Exception as exc:  # noqa: BLE001 - reported beside the figure it would have drawn
        return {"error": "confusion matrix unavailable: " + (" ".join(str(exc).split())[:200] or type(exc).__name__)}
    labels = list(ds.labels)
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for ex, p in zip(ds.test, pred):
        if ex.label in index and p in index:
            matrix[index[ex.label]][index[p]] += 1
    return {"labels": labels, "matrix": matrix, "rows": "gold", "columns": "predicted",
            "source": f"recomputed from checkpoint {Path(ckpt).name} on {len(ds.test)} test examples",
            "round": final_round}
