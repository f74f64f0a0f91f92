"""Queue orders: disagreements first (widest first), then needs review, then a stable random sample."""

from __future__ import annotations

from tests.review.fixtures import ICE_DISAGREE, ICE_UNDECIDED, make_ice_run, make_rse_run
from workbench.review.order import (
    DISAGREE,
    NEEDS_REVIEW,
    SAMPLE,
    next_order,
    order_items,
    sample_key,
    spread,
    triage_group,
)
from workbench.review.queue import load_review_run


def test_triage_puts_disagreements_then_needs_review_then_sample(db):
    run_id, ids = make_ice_run(db)
    rr = load_review_run(db, run_id)
    ordered = order_items(rr.items, "triage")
    groups = [triage_group(it) for it in ordered]
    assert groups == sorted(groups)
    assert {it.id for it in ordered[:5]} == {ids[i] for i in ICE_DISAGREE}
    assert {it.id for it in ordered[5:7]} == {ids[i] for i in ICE_UNDECIDED}
    assert groups.count(DISAGREE) == 5 and groups.count(NEEDS_REVIEW) == 2 and groups.count(SAMPLE) == 13


def test_rse_widest_disagreement_first(db):
    run_id, ids = make_rse_run(db, second_judge=True)
    rr = load_review_run(db, run_id)
    ordered = order_items(rr.items, "triage")
    assert ordered[0].id == ids[0] and spread(ordered[0]) == 2.0


def test_random_order_is_seeded_stable_and_independent_of_filtering(db):
    run_id, _ = make_ice_run(db)
    rr = load_review_run(db, run_id)
    a = [it.id for it in order_items(rr.items, "random", seed=7)]
    b = [it.id for it in order_items(list(reversed(rr.items)), "random", seed=7)]
    assert a == b
    assert a != [it.id for it in order_items(rr.items, "random", seed=8)]
    subset = [it for it in rr.items if it.id % 2 == 0]
    assert [it.id for it in order_items(subset, "random", seed=7)] == [i for i in a if i % 2 == 0]
    assert sample_key(7, 3) == sample_key(7, 3)


def test_run_order_and_cycle(db):
    run_id, ids = make_ice_run(db)
    rr = load_review_run(db, run_id)
    assert [it.id for it in order_items(reversed(rr.items), "run")] == ids
    assert next_order("triage") == "random" and next_order("random") == "run" and next_order("run") == "triage"


def test_single_judge_item_without_verdict_needs_review(db):
    run_id, ids = make_rse_run(db)
    rr = load_review_run(db, run_id)
    groups = {it.id: triage_group(it) for it in rr.items}
    assert groups[ids[3]] == NEEDS_REVIEW and groups[ids[0]] == SAMPLE
