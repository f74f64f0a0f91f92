"""Reviews and undo only ever add rows; what stands is derived."""

from __future__ import annotations

import pytest

from tests.review.fixtures import make_ice_run, make_rse_run
from workbench.review.actions import ReviewActionError, last_review, record_review, retract_review
from workbench.store.runs import current_verdicts, item_verdicts


def test_review_adds_a_row_with_author_time_reason(db):
    run_id, ids = make_ice_run(db)
    before = len(item_verdicts(db, ids[0]))
    vid = record_review(db, ids[0], kind="loose", value=1.0, author="alice", reason="  claims GPT  ")
    rows = item_verdicts(db, ids[0])
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.id, row.judge, row.kind, row.value, row.author, row.reason) == (vid, "human", "loose", 1.0, "alice", "claims GPT")
    assert row.created and row.retracts is None
    # The judges' rows are untouched.
    assert [r.value for r in rows[:-1]] == [r.value for r in item_verdicts(db, ids[0])[:-1]]


def test_undo_restores_the_earlier_human_verdict_and_keeps_history(db):
    run_id, ids = make_ice_run(db)
    first = record_review(db, ids[1], kind="loose", value=1.0, author="alice")
    second = record_review(db, ids[1], kind="loose", value=0.0, author="alice")
    assert current_verdicts(db, run_id, "loose")[ids[1]].human.id == second
    undo = retract_review(db, second, author="alice")
    standing = current_verdicts(db, run_id, "loose")[ids[1]]
    assert standing.human.id == first
    rows = item_verdicts(db, ids[1])
    assert any(r.id == second for r in rows)  # retracted, not deleted
    retraction = next(r for r in rows if r.id == undo)
    assert (retraction.judge, retraction.value, retraction.retracts, retraction.reason, retraction.author) == (
        "human", None, second, "undo", "alice")
    retract_review(db, first, author="alice")
    assert current_verdicts(db, run_id, "loose")[ids[1]].human is None


def test_undo_refuses_judges_retractions_and_double_undo(db):
    run_id, ids = make_ice_run(db)
    judge_row = item_verdicts(db, ids[0])[0]
    with pytest.raises(ReviewActionError, match="only human reviews"):
        retract_review(db, judge_row.id, author="a")
    vid = record_review(db, ids[0], kind="loose", value=1.0, author="a")
    rid = retract_review(db, vid, author="a")
    with pytest.raises(ReviewActionError, match="already retracted"):
        retract_review(db, vid, author="a")
    with pytest.raises(ReviewActionError, match="itself a retraction"):
        retract_review(db, rid, author="a")
    with pytest.raises(ReviewActionError, match="no verdict"):
        retract_review(db, 10**6, author="a")


def test_values_are_checked_per_kind(db):
    _, ice_ids = make_ice_run(db)
    _, rse_ids = make_rse_run(db)
    with pytest.raises(ReviewActionError, match="0, 1"):
        record_review(db, ice_ids[0], kind="loose", value=3, author="a")
    with pytest.raises(ReviewActionError, match="1, 2, 3, 4, 5"):
        record_review(db, rse_ids[0], kind="rse", value=0, author="a")
    with pytest.raises(ReviewActionError, match="not reviewed by hand"):
        record_review(db, ice_ids[0], kind="strict", value=1, author="a")
    assert record_review(db, rse_ids[0], kind="rse", value=4, author="a")


def test_last_review_skips_retracted_and_other_authors(db):
    run_id, ids = make_ice_run(db)
    a1 = record_review(db, ids[0], kind="loose", value=1.0, author="alice")
    b1 = record_review(db, ids[1], kind="loose", value=1.0, author="bob")
    a2 = record_review(db, ids[2], kind="loose", value=0.0, author="alice")
    assert last_review(db, run_id).id == a2
    assert last_review(db, run_id, author="bob").id == b1
    retract_review(db, a2, author="alice")
    assert last_review(db, run_id, author="alice").id == a1
    retract_review(db, a1, author="alice")
    assert last_review(db, run_id, author="alice") is None
