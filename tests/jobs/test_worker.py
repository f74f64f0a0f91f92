"""The worker's outcome handling, run in this process: bad input fails the job with one
clear reason, and nothing else in the database is lost."""

from __future__ import annotations

import json

import pytest

from workbench.devtools.openai_server import Behavior
from workbench.distill.options import EvoKDOptions
from workbench.jobs.monitor import effective_status
from workbench.jobs.worker import run_job
from workbench.store import jobs as store
from workbench.store.db import open_db


@pytest.fixture()
def make_job(tmp_path, teacher_config, tiny_student, toy_data):
    db_path = tmp_path / "wb.db"
    db = open_db(db_path)

    def make(**options) -> int:
        opts = EvoKDOptions(**{"dataset": str(toy_data), "student": str(tiny_student), "teacher": "teacher",
                               "rounds": 1, "per_round": 3, "device": "cpu", "threads": 1, **options})
        return store.create_job(db, "evokd", {"options": opts.to_dict(), "config_path": str(teacher_config)})

    make.db = db
    make.db_path = db_path
    yield make
    db.close()


def outcome(make, job_id: int) -> tuple[str, str | None]:
    status = run_job(str(make.db_path), job_id, heartbeat=False)
    job = store.get_job(make.db, job_id)
    assert job.status == status and effective_status(job) == status
    return status, job.error


def test_bad_input_fails_with_one_clear_reason(make_job, tmp_path, teacher):
    db = make_job.db
    good = make_job()
    assert outcome(make_job, good) == ("done", None)
    before = (store.rounds(db, good), len(store.samples(db, good)), len(store.metrics(db, good)))

    (tmp_path / "not-a-model").mkdir()
    (tmp_path / "not-a-model" / "notes.txt").write_text("hello")
    missing = tmp_path / "missing-labels"
    missing.mkdir()
    (missing / "train.jsonl").write_text(json.dumps({"text": "a b c d", "label": "x"}) + "\n"
                                         + json.dumps({"text": "e f g h", "label": "y"}) + "\n")
    (missing / "test.jsonl").write_text(json.dumps({"text": "i j k l", "label": "z"}) + "\n")
    cases = {
        make_job(dataset="no-such-dataset"): "unknown dataset 'no-such-dataset'",
        make_job(dataset=str(missing)): "labels z occur in",
        make_job(student=str(tmp_path / "not-a-model")): "is not a Hugging Face model folder (no config.json)",
        make_job(teacher="nobody/knows"): "unknown model 'nobody/knows'",
        make_job(ablate=["everything"]): "unknown ablation(s) everything",
    }
    for job_id, reason in cases.items():
        status, error = outcome(make_job, job_id)
        assert status == "failed"
        assert reason in error and "\n" not in error and "Traceback" not in error
        events = store.events(db, job_id)
        assert events[-1].level == "error" and "Traceback" in events[-1].data["traceback"]

    # A teacher that answers every call with a server error: round 0 is kept, the job fails.
    teacher.responder = lambda prompt, seed: Behavior(status=500)
    broken = make_job()
    status, error = outcome(make_job, broken)
    assert status == "failed" and "failed every call" in error and "500" in error
    assert [r.round for r in store.rounds(db, broken)] == [0]

    # Nothing else lost: the finished job is untouched.
    assert (store.rounds(db, good), len(store.samples(db, good)), len(store.metrics(db, good))) == before
    assert store.get_job(db, good).status == "done"


def test_a_done_job_is_not_run_again(make_job, teacher):
    job = make_job(rounds=0)
    assert outcome(make_job, job)[0] == "done"
    n = len(store.events(make_job.db, job))
    assert run_job(str(make_job.db_path), job, heartbeat=False) == "done"
    assert len(store.events(make_job.db, job)) == n
