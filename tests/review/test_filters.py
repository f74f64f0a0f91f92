"""The filter mini syntax."""

from __future__ import annotations

import pytest

from tests.review.fixtures import (
    CATEGORIES,
    ICE_UNDECIDED,
    make_ice_run,
    make_rse_run,
    published_loose,
    rule_loose,
)
from workbench.review.actions import record_review
from workbench.review.filters import FilterError, parse_filter
from workbench.review.queue import load_review_run


def matching(rr, text, kind="ice"):
    f = parse_filter(text, kind)
    return [it.id for it in rr.items if f.matches(it, rr.run.target)]


@pytest.fixture()
def ice(db):
    run_id, ids = make_ice_run(db)
    return db, run_id, ids


def test_category_judge_verdict(ice):
    db, run_id, ids = ice
    rr = load_review_run(db, run_id)
    team = [ids[i] for i in range(20) if CATEGORIES[i % 5] == "team"]
    assert matching(rr, "category:team") == team
    assert matching(rr, "cat:team,geography") == [ids[i] for i in range(20) if CATEGORIES[i % 5] in ("team", "geography")]
    assert matching(rr, "judge:rule verdict:pos") == [ids[i] for i in range(20) if rule_loose(i) == 1.0]
    assert matching(rr, "judge:published verdict:neg") == [ids[i] for i in range(20) if published_loose(i) == 0.0]
    assert matching(rr, "category:team judge:rule verdict:pos") == [
        ids[i] for i in range(20) if CATEGORIES[i % 5] == "team" and rule_loose(i) == 1.0]
    # Without judge:, a verdict term holds when any machine judge gave that verdict.
    assert matching(rr, "verdict:none") == [ids[i] for i in ICE_UNDECIDED]


def test_negation_words_and_status(ice):
    db, run_id, ids = ice
    rr = load_review_run(db, run_id)
    assert matching(rr, "-lang:zh") == [ids[i] for i in range(20) if i % 4 != 3]
    assert matching(rr, "openai") == [ids[i] for i in range(20) if published_loose(i)]
    assert matching(rr, '"made by deepseek" lang:en') == [
        ids[i] for i in range(20) if not published_loose(i) and i % 4 != 3]
    assert len(matching(rr, "status:disagree")) == 5
    assert matching(rr, "status:reviewed") == []
    record_review(db, ids[2], kind="loose", value=1.0, author="a")
    rr = load_review_run(db, run_id)
    assert matching(rr, "status:reviewed") == [ids[2]]
    assert matching(rr, "human:pos") == [ids[2]] and len(matching(rr, "human:none")) == 19
    assert matching(rr, "judge:human") == [ids[2]]
    assert matching(rr, "template:pub-001 is:todo") == [ids[i] for i in range(20) if i % 3 == 1 and i != 2]


def test_run_term_is_recorded_not_matched(ice):
    f = parse_filter("run:12 judge:rule")
    assert f.run == 12 and f.describe() == "judge:rule"


def test_rse_values(db):
    run_id, ids = make_rse_run(db)
    rr = load_review_run(db, run_id)
    scores = {ids[i]: (None if i in (3, 7) else 1 + i % 5) for i in range(12)}
    assert matching(rr, "verdict:1-2", "rse") == [i for i, s in scores.items() if s is not None and s <= 2]
    assert matching(rr, "verdict:>=4", "rse") == [i for i, s in scores.items() if s is not None and s >= 4]
    assert matching(rr, "v:5", "rse") == [i for i, s in scores.items() if s == 5]
    assert matching(rr, "set:math", "rse") == ids[8:]
    assert matching(rr, "target:small", "rse") == ids


@pytest.mark.parametrize("text,fragment", [
    ("colour:red", "unknown field 'colour'"),
    ("verdict:maybe", "ICE verdicts are pos, neg or none"),
    ("judge:", "needs a value"),
    ("run:abc", "run: takes one run id"),
    ("status:sleepy", "status:sleepy unknown"),
    ('"unclosed', "close the quote"),
])
def test_errors_say_what_to_fix(text, fragment):
    with pytest.raises(FilterError, match=fragment.replace("(", r"\(")):
        parse_filter(text, "ice")


def test_rse_verdict_word_is_an_error():
    with pytest.raises(FilterError, match="RSE scores are 1-5"):
        parse_filter("verdict:pos", "rse")
