"""Jobs as real OS processes, driven through the `workbench` command: cancel with SIGTERM,
and kill -9 in the middle of a round followed by `jobs resume`."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from workbench.cli import main
from workbench.jobs.monitor import effective_status, pid_is_worker
from workbench.store import jobs as store
from workbench.store.db import open_db

pytestmark = pytest.mark.slow  # each test starts worker processes that import torch


def wait_for(predicate, timeout: float = 90.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")


def slow_analysis(seconds: float):
    """The scripted teacher, but each weakness analysis takes ``seconds`` to start."""
    from tests.distill.support import good_answer
    from workbench.devtools.openai_server import Behavior

    def respond(prompt: str, seed: int):
        text = good_answer(prompt, seed)
        return Behavior(text=text, latency_s=seconds) if "two or three sentences" in prompt else text
    return respond


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def start(tmp_path, teacher_config, tiny_student, toy_data, capsys):
    db_path = tmp_path / "wb.db"

    def start_job(*extra: str) -> int:
        code, out, err = cli(capsys, "evokd", "run", "--db", str(db_path), "--config", str(teacher_config),
                             "--dataset", str(toy_data), "--student", str(tiny_student), "--teacher", "teacher",
                             "--per-round", "3", "--device", "cpu", "--threads", "1", "--detach", "--json",
                             *extra)
        assert code == 0, err
        return json.loads(out)["job_id"]

    start_job.db_path = db_path
    return start_job


def test_cancel_stops_the_worker_cleanly(start, teacher, capsys):
    teacher.responder = slow_analysis(5.0)  # the job is surely mid-round when cancelled
    job_id = start("--rounds", "2")
    db = open_db(start.db_path)
    wait_for(lambda: (store.get_job(db, job_id).progress or {}).get("phase") == "teacher analysis")
    pid = store.get_job(db, job_id).pid
    assert pid_is_worker(pid, job_id)

    code, out, err = cli(capsys, "jobs", "cancel", str(job_id), "--db", str(start.db_path), "--json")
    assert code == 0, err
    assert json.loads(out) == {"job_id": job_id, "status": "cancelled"}
    job = store.get_job(db, job_id)
    assert job.status == "cancelled" and job.error is None and job.finished
    wait_for(lambda: not pid_is_worker(pid, job_id), timeout=20)
    assert [r.round for r in store.rounds(db, job_id)] == [0]  # round 0 kept, nothing half-written
    assert any("cancelled: stopped cleanly" in e.message for e in store.events(db, job_id))

    code, _, err = cli(capsys, "jobs", "cancel", str(job_id), "--db", str(start.db_path))
    assert code == 2 and "already cancelled" in err
    db.close()


def test_kill_9_mid_round_then_resume_finishes(start, teacher, capsys):
    from transformers import AutoModelForSequenceClassification

    teacher.responder = slow_analysis(3.0)
    job_id = start("--rounds", "2")
    db = open_db(start.db_path)

    def in_round_two() -> bool:
        job = store.get_job(db, job_id)
        if job.status in ("done", "failed", "cancelled"):
            # Say what happened instead of waiting out the timeout.
            events = [e.message for e in store.events(db, job_id)][-5:]
            raise AssertionError(f"job ended ({job.status}, error={job.error!r}) before round two "
                                 f"was seen; rounds={[r.round for r in store.rounds(db, job_id)]} "
                                 f"last events={events}")
        return (job.progress or {}).get("round") == 2 and len(store.rounds(db, job_id)) == 2
    wait_for(in_round_two, timeout=120, every=0.1)
    pid = store.get_job(db, job_id).pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: effective_status(store.get_job(db, job_id)) == "interrupted", timeout=20)
    assert store.get_job(db, job_id).status == "running"  # the worker never got to say otherwise

    code, out, _ = cli(capsys, "jobs", "list", "--db", str(start.db_path), "--json")
    listed = {j["job_id"]: j for j in json.loads(out)}
    assert listed[job_id]["status"] == "interrupted" and listed[job_id]["rounds_done"] == 1

    teacher.responder = slow_analysis(0.0)
    code, out, err = cli(capsys, "jobs", "resume", str(job_id), "--db", str(start.db_path), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "done" and result["job_id"] == job_id
    assert [r["round"] for r in result["rounds"]] == [0, 1, 2]
    assert set(result["rounds"][0]) == {"round", "train_size", "generated", "kept", "teacher_tokens",
                                        "accuracy", "macro_f1", "seconds"}
    assert result["rounds"][2]["kept"] > 0
    # Round 2 was redone from round 1's checkpoint, not appended to the killed attempt.
    assert len(store.samples(db, job_id, round=2)) == result["rounds"][2]["generated"]
    assert any("resumed after round 1" in e.message for e in store.events(db, job_id))
    AutoModelForSequenceClassification.from_pretrained(result["checkpoint"])

    code, out, _ = cli(capsys, "jobs", "show", str(job_id), "--db", str(start.db_path), "--json")
    assert json.loads(out) == result
    code, _, err = cli(capsys, "jobs", "resume", str(job_id), "--db", str(start.db_path))
    assert code == 2 and "already done" in err
    db.close()


def test_option_mistakes_are_one_line_errors(capsys, tmp_path):
    code, _, err = cli(capsys, "evokd", "run", "--db", str(tmp_path / "wb.db"), "--dataset", "bbc-news",
                       "--ablate", "easy,nonsense")
    assert code == 2 and err.strip().count("\n") == 0 and "unknown ablation(s) nonsense" in err
    code, _, err = cli(capsys, "evokd", "run", "--db", str(tmp_path / "wb.db"), "--dataset", "bbc-nwes")
    assert code == 2 and err.strip().count("\n") == 0 and "unknown dataset 'bbc-nwes'" in err
    code, out, _ = cli(capsys, "jobs", "list", "--db", str(tmp_path / "wb.db"), "--json")
    assert json.loads(out) == []  # refused before any job or worker was made
    code, _, err = cli(capsys, "jobs", "show", "42", "--db", str(tmp_path / "wb.db"))
    assert code == 2 and "no job 42" in err


def test_training_options_reach_the_job_and_mistakes_are_one_line(capsys, tmp_path, toy_data, tiny_student):
    db = str(tmp_path / "wb.db")
    for flag, value, message in (("--lr", "-1", "--lr must be a positive learning rate"),
                                 ("--epochs", "0", "--epochs must be at least 1"),
                                 ("--batch-size", "0", "--batch-size must be at least 1"),
                                 ("--replay", "-3", "--replay must be 0 or more"),
                                 ("--temperature", "7", "--temperature must be between 0 and 2")):
        code, _, err = cli(capsys, "evokd", "run", "--db", db, "--dataset", "bbc-news", flag, value)
        assert code == 2 and err.strip().count("\n") == 0 and message in err, (flag, err)
    from workbench.commands.evokd import build_options
    from workbench.cli import build_parser

    args = build_parser().parse_args(["evokd", "run", "--dataset", str(toy_data), "--student", str(tiny_student),
                                      "--teacher", "t", "--lr", "3e-5", "--epochs", "7", "--batch-size", "4",
                                      "--replay", "12", "--temperature", "0.4", "--no-schema"])
    opts = build_options(args)
    assert (opts.lr, opts.epochs, opts.batch_size, opts.replay, opts.temperature, opts.schema) == \
        (3e-5, 7, 4, 12, 0.4, False)
