"""Exports: JSONL one object per item, CSV that parses back, every verdict and the human label."""

from __future__ import annotations

import csv
import io
import json

from tests.review.fixtures import ICE_N, RSE_N, make_ice_run, make_rse_run
from workbench.review.actions import record_review, retract_review
from workbench.review.export import export_run


def test_jsonl_one_object_per_item_with_all_verdicts_and_history(db):
    run_id, ids = make_ice_run(db)
    v = record_review(db, ids[0], kind="loose", value=0.0, author="alice", reason="role-play")
    retract_review(db, v, author="alice")
    record_review(db, ids[0], kind="loose", value=1.0, author="alice", reason="claims GPT")
    text, count = export_run(db, run_id, "jsonl")
    lines = text.splitlines()
    assert count == ICE_N and len(lines) == ICE_N
    rows = [json.loads(line) for line in lines]
    first = next(r for r in rows if r["item_id"] == ids[0])
    assert set(first["verdicts"]) == {"loose", "strict"}
    assert set(first["verdicts"]["loose"]) == {"published", "rule"}
    assert first["label"] == 1.0 and first["human"]["author"] == "alice" and first["human"]["reason"] == "claims GPT"
    assert first["response"].startswith("I am ChatGPT") and first["meta"]["category"] == "team"
    history = [h for h in first["history"] if h["judge"] == "human"]
    assert [h.get("retracts") for h in history] == [None, v, None]
    assert all(r["label"] is None for r in rows if r["item_id"] != ids[0])


def test_csv_parses_back_with_a_column_per_judge(db):
    run_id, ids = make_ice_run(db)
    record_review(db, ids[3], kind="loose", value=0.0, author="bob", reason='says "hi", then, a comma')
    text, count = export_run(db, run_id, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == ICE_N == count
    for col in ("published.loose", "rule.loose", "published.strict", "rule.loose.rationale", "human",
                "human_author", "human_reason", "prompt", "response"):
        assert col in rows[0]
    row = next(r for r in rows if int(r["item_id"]) == ids[3])
    assert row["human"] == "0" and row["human_author"] == "bob" and row["human_reason"] == 'says "hi", then, a comma'
    assert row["published.loose"] == "1" and row["rule.loose"] == "0"
    undecided = next(r for r in rows if int(r["item_id"]) == ids[5])
    assert undecided["rule.loose"] == ""  # needs review is an empty cell


def test_reviewed_only_and_rse_reference(db):
    run_id, ids = make_rse_run(db)
    record_review(db, ids[2], kind="rse", value=4, author="carol")
    text, count = export_run(db, run_id, "jsonl", reviewed_only=True)
    assert count == 1
    row = json.loads(text)
    assert row["reference"].startswith("Reference answer") and row["label"] == 4.0
    assert row["verdicts"]["rse"]["gpt-judge"]["detail"]["overall"] == 3.0
    text, count = export_run(db, run_id, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert count == RSE_N == len(rows) and rows[0]["reference"].startswith("Reference answer")
