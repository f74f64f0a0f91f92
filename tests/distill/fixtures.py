"""Fixtures shared by the EvoKD, jobs and Jobs-screen tests (imported by their conftests)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.distill.support import (
    ScriptedTeacher,
    good_answer,
    make_classification_dataset,
    make_ner_dataset,
    make_tiny_student,
    write_teacher_config,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_student(tmp_path_factory) -> Path:
    return make_tiny_student(tmp_path_factory.mktemp("tiny-student") / "bert-tiny")


@pytest.fixture(scope="session")
def toy_data(tmp_path_factory) -> Path:
    return make_classification_dataset(tmp_path_factory.mktemp("toy") / "topics")


@pytest.fixture(scope="session")
def toy_ner(tmp_path_factory) -> Path:
    return make_ner_dataset(tmp_path_factory.mktemp("toy") / "people-places")


@pytest.fixture(scope="session")
def teacher_server():
    srv = ScriptedTeacher().start_in_thread()
    yield srv
    srv.stop_thread()


@pytest.fixture()
def teacher(teacher_server):
    """The scripted teacher, reset for this test (well-behaved, no delay)."""
    teacher_server.responder = good_answer
    teacher_server.chunk_delay_s = 0.0
    teacher_server.plan.clear()
    teacher_server.requests.clear()
    yield teacher_server
    teacher_server.responder = good_answer
    teacher_server.chunk_delay_s = 0.0


@pytest.fixture()
def teacher_config(tmp_path, teacher) -> Path:
    return write_teacher_config(tmp_path / "models.toml", teacher.url)


@pytest.fixture()
def run_loop(tmp_path, teacher_config):
    """Run an EvoKD job in this process (no worker): returns (db, job_id, recorder)."""
    from workbench.config import load_config
    from workbench.distill.loop import EvoKDRun
    from workbench.distill.options import EvoKDOptions
    from workbench.jobs.recorder import SQLiteRecorder
    from workbench.models.gateway import Gateway
    from workbench.store import jobs as store
    from workbench.store.db import open_db

    db_path = tmp_path / "wb.db"
    db = open_db(db_path)
    config = load_config(teacher_config)

    def run(stop: threading.Event | None = None, job_id: int | None = None, **options):
        opts = EvoKDOptions(**{"teacher": "teacher", "device": "cpu", "lr": 3e-3, "threads": 1,
                               **options})
        if job_id is None:
            job_id = store.create_job(db, "evokd", {"options": opts.to_dict()})
        rec = SQLiteRecorder(db, db_path, job_id, stop)
        loop = EvoKDRun(opts, rec, lambda: Gateway(config))
        try:
            loop.run()
        finally:
            loop.close()
        return job_id

    run.db = db
    run.db_path = db_path
    yield run
    db.close()
