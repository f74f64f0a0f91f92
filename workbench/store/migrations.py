"""Schema of the workbench database, created and upgraded by sqlite-utils migrations.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("distill-workbench")


@migrations()
def m001_core(db: Database) -> None:
    db.table("sessions").create(
        {"id": int, "kind": str, "title": str, "created": str},
        pk="id",
    )
    db.table("exchanges").create(
        {
            "id": int,
            "session_id": int,
            "prompt": str,
            "system": str,
            "messages": str,  # JSON list of chat messages actually sent
            "created": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("responses").create(
        {
            "id": int,
            "exchange_id": int,
            "model": str,
            "params": str,  # JSON
            "request_hash": str,  # model + messages + params: lets probes reuse answers
            "text": str,
            "status": str,  # ok | error | cancelled
            "error": str,
            "finish_reason": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "ttft_s": float,
            "total_s": float,
            "tokens_per_s": float,
            "cost_usd": float,
            "attempts": int,
            "created": str,
        },
        pk="id",
        foreign_keys=[("exchange_id", "exchanges", "id")],
    )
    db.table("attempts").create(
        {
            "id": int,
            "response_id": int,
            "attempt": int,
            "started": str,
            "seconds": float,
            "status": str,  # ok | error
            "error_kind": str,  # rate_limit | server | timeout | connection | client | other
            "error": str,
        },
        pk="id",
        foreign_keys=[("response_id", "responses", "id")],
    )
    db.table("exchanges").create_index(["session_id"])
    db.table("responses").create_index(["exchange_id"])
    db.table("responses").create_index(["request_hash"])
    db.table("attempts").create_index(["response_id"])
    db.table("responses").enable_fts(["text"], create_triggers=True, tokenize="unicode61")


@migrations()
def m002_probe_runs(db: Database) -> None:
    db.table("runs").create(
        {
            "id": int,
            "session_id": int,
            "kind": str,  # ice | rse
            "target": str,
            "reference": str,
            "judge": str,
            "config": str,  # JSON: everything needed to resume
            "state": str,  # JSON: resumable search state (e.g. the fuzzing tree)
            "status": str,  # running | done | failed | interrupted | imported
            "error": str,
            "created": str,
            "updated": str,
            "finished": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("run_items").create(
        {
            "id": int,
            "run_id": int,
            "key": str,  # stable per run: resume skips keys already answered
            "prompt": str,
            "meta": str,  # JSON: category, lang, template, set, prompt id, ...
            "response_id": int,
            "reference_response_id": int,
            "metrics": str,  # JSON: judge-free measures
            "status": str,  # pending | answered | error
            "created": str,
        },
        pk="id",
        foreign_keys=[
            ("run_id", "runs", "id"),
            ("response_id", "responses", "id"),
            ("reference_response_id", "responses", "id"),
        ],
    )
    db.table("run_items").create_index(["run_id", "key"], unique=True)
    # Verdict rows are append-only: a human review or an undo is a new row.
    db.table("verdicts").create(
        {
            "id": int,
            "item_id": int,
            "judge": str,  # rule | <model> | published-loose | human
            "kind": str,  # loose | strict | rse
            "value": float,  # 1/0 for ICE, 1-5 for RSE; NULL = needs review
            "detail": str,  # JSON: claimed identities, sub-scores, ...
            "raw": str,
            "rationale": str,
            "author": str,
            "reason": str,
            "retracts": int,
            "created": str,
        },
        pk="id",
        foreign_keys=[("item_id", "run_items", "id"), ("retracts", "verdicts", "id")],
    )
    db.table("verdicts").create_index(["item_id", "kind"])


@migrations()
def m003_jobs(db: Database) -> None:
    db.table("jobs").create(
        {
            "id": int,
            "kind": str,  # evokd
            "config": str,  # JSON
            "status": str,  # queued | running | done | failed | cancelled
            "pid": int,
            "error": str,
            "progress": str,  # JSON: round, step, total, eta ...
            "created": str,
            "started": str,
            "finished": str,
            "heartbeat": str,
        },
        pk="id",
    )
    db.table("job_events").create(
        {"id": int, "job_id": int, "ts": str, "level": str, "message": str, "data": str},
        pk="id",
        foreign_keys=[("job_id", "jobs", "id")],
    )
    db.table("job_metrics").create(
        {"id": int, "job_id": int, "round": int, "step": int, "name": str, "value": float, "ts": str},
        pk="id",
        foreign_keys=[("job_id", "jobs", "id")],
    )
    db.table("evokd_rounds").create(
        {
            "id": int,
            "job_id": int,
            "round": int,
            "train_size": int,
            "generated": int,
            "kept": int,
            "teacher_tokens": int,
            "teacher_cost_usd": float,
            "accuracy": float,
            "macro_f1": float,
            "loss": float,
            "seconds": float,
            "analysis": str,
            "checkpoint": str,
            "created": str,
        },
        pk="id",
        foreign_keys=[("job_id", "jobs", "id")],
    )
    db.table("evokd_samples").create(
        {
            "id": int,
            "job_id": int,
            "round": int,
            "text": str,
            "label": str,  # JSON for NER tag lists
            "kind": str,  # seed | hard | easy | static
            "kept": int,
            "reason": str,  # why a sample was dropped
        },
        pk="id",
        foreign_keys=[("job_id", "jobs", "id")],
    )
    db.table("job_events").create_index(["job_id"])
    db.table("job_metrics").create_index(["job_id", "name"])
    db.table("evokd_rounds").create_index(["job_id", "round"], unique=True)
    db.table("evokd_samples").create_index(["job_id", "round"])


@migrations()
def m004_response_client_and_param_sources(db: Database) -> None:
    # client_s: the client's own start-up (importing litellm, once per process), kept out of
    # ttft_s; param_sources: where each sent param came from (flag, models.toml, default).
    db.table("responses").add_column("client_s", float)
    db.table("responses").add_column("param_sources", str)


@migrations()
def m005_evokd_sample_labels(db: Database) -> None:
    # Issue 23: each generated sample keeps the label the teacher intended when writing it
    # (beside the separate label it is trained on) and the student's prediction before training.
    db.table("evokd_samples").add_column("intended", str)
    db.table("evokd_samples").add_column("predicted", str)
