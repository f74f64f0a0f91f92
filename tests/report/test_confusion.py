"""The EvoKD confusion matrix recomputed from a job's final checkpoint (a real tiny student)."""

from __future__ import annotations

import pytest

from tests.distill.support import make_classification_dataset, make_tiny_student
from workbench.store import jobs as store

pytestmark = pytest.mark.slow  # loads torch and a (tiny) student


def test_confusion_of_the_final_checkpoint_counts_every_test_example(db, db_file, tmp_path):
    from workbench.distill.data import load_dataset
    from workbench.distill.student import Student
    from workbench.report.gather import gather, parse_ref

    data = make_classification_dataset(tmp_path / "topics")
    ds = load_dataset(str(data))
    ckpt = Student.from_base(make_tiny_student(tmp_path / "tiny"), "classification", ds.labels).save(
        tmp_path / "round-1")
    job_id = store.create_job(db, "evokd", {"options": {"dataset": str(data), "method": "evokd", "seed": 0}})
    for r in (0, 1):
        store.save_round(db, job_id, {"round": r, "train_size": 4, "generated": 0, "kept": 0, "teacher_tokens": 10,
                                      "accuracy": 0.5, "macro_f1": 0.4, "seconds": 1.0,
                                      "checkpoint": str(ckpt) if r == 1 else None})
    job = gather(db, str(db_file), [parse_ref(f"job:{job_id}")]).evokd[0]["jobs"][0]
    c = job["confusion"]
    assert c["labels"] == ds.labels and c["round"] == 1 and "round-1" in c["source"]
    assert sum(map(sum, c["matrix"])) == len(ds.test)
    # And a job whose checkpoint folder is gone says so instead of failing.
    import shutil

    shutil.rmtree(ckpt)
    job = gather(db, str(db_file), [parse_ref(f"job:{job_id}")]).evokd[0]["jobs"][0]
    assert "no checkpoint" in job["confusion"]["error"]
