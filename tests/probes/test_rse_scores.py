import json
import math

import numpy as np
import pytest

from probes.rse.judge import GranularVerdict
from probes.rse.scores import MEASURES, ItemScores, rse_scores
from probes.stats import bootstrap_mean


def verdict(overall, style=1, logic=1, content=1, review=False):
    return GranularVerdict(style, logic, content, overall, "r", needs_review=review, error="x" if review else None)


def items_for(set_name, overalls, lexical):
    return [
        ItemScores(set_name, f"{set_name}-{k}", verdict(o), lexical=x, ngram2=x / 2, embedding=min(1.0, x + 0.1))
        for k, (o, x) in enumerate(zip(overalls, lexical))
    ]


def test_per_set_means_intervals_and_counts():
    items = items_for("arena", [4, 5, 3, 4], [0.5, 0.7, 0.2, 0.6])
    out = rse_scores(items)
    assert out["measures"] == list(MEASURES)
    arena = out["sets"]["arena"]
    assert arena["n_items"] == 4
    j = arena["judge_mean"]
    assert j["n"] == 4 and j["mean"] == pytest.approx(4.0)
    assert j["low"] <= j["mean"] <= j["high"]
    assert arena["lexical"]["mean"] == pytest.approx(0.5)
    # Exactly probes.stats.bootstrap_mean with the fixed seed.
    assert arena["lexical"] == bootstrap_mean([0.5, 0.7, 0.2, 0.6], seed=0).as_dict()
    assert rse_scores(items) == out  # deterministic
    json.dumps(out)  # JSON-ready


def test_items_needing_review_or_missing_values_are_skipped():
    items = [
        ItemScores("math", "1", verdict(5), lexical=0.9, ngram2=0.8, embedding=0.95),
        ItemScores("math", "2", verdict(None, review=True), lexical=0.1, ngram2=float("nan"), embedding=None),
        ItemScores("math", "3", verdict(4, style=2), lexical=None, ngram2=0.4, embedding=0.5),
        ItemScores("math", "4", None, lexical=0.3, ngram2=0.2, embedding=0.1),
        ItemScores("math", "5", verdict(1, style=0, review=True)),  # scores present but flagged
    ]
    s = rse_scores(items)["sets"]["math"]
    assert s["n_items"] == 5
    assert s["judge_mean"]["n"] == 2 and s["judge_mean"]["mean"] == pytest.approx(4.5)
    assert s["style"]["n"] == 2 and s["style"]["mean"] == pytest.approx(1.5)
    assert s["lexical"]["n"] == 3 and s["lexical"]["mean"] == pytest.approx((0.9 + 0.1 + 0.3) / 3)
    assert s["ngram2"]["n"] == 3
    assert s["embedding"]["n"] == 3


def test_no_judge_gives_empty_judge_measures():
    items = [ItemScores("chat", str(k), None, lexical=0.5, ngram2=0.5, embedding=0.5) for k in range(3)]
    out = rse_scores(items)
    assert out["sets"]["chat"]["judge_mean"] == {"n": 0, "mean": None, "low": None, "high": None}
    assert out["avg"]["judge_mean"]["mean"] is None and out["avg"]["judge_mean"]["n_sets"] == 0
    assert out["avg"]["lexical"]["mean"] == pytest.approx(0.5)


def test_avg_is_the_unweighted_mean_of_set_means():
    arena = items_for("arena", [5] * 10, [0.9] * 10)
    math_ = items_for("math", [1, 2], [0.1, 0.3])
    out = rse_scores(arena + math_)
    avg = out["avg"]["judge_mean"]
    assert avg["mean"] == pytest.approx((5 + 1.5) / 2)  # not the item-weighted 4.42
    assert avg["n_sets"] == 2 and avg["sets"] == ["arena", "math"] and avg["complete"]
    assert avg["low"] <= avg["mean"] <= avg["high"]
    assert out["avg"]["lexical"]["mean"] == pytest.approx((0.9 + 0.2) / 2)


def test_avg_marks_sets_without_values():
    arena = items_for("arena", [4, 4], [0.5, 0.5])
    chat = [ItemScores("chat", "c1", verdict(None, review=True), lexical=0.2)]
    out = rse_scores(arena + chat, sets=["arena", "chat", "math"])
    assert list(out["sets"]) == ["arena", "chat", "math"]
    assert out["sets"]["math"]["n_items"] == 0
    j = out["avg"]["judge_mean"]
    assert j["sets"] == ["arena"] and not j["complete"]
    assert out["avg"]["lexical"]["sets"] == ["arena", "chat"]


def test_interval_narrows_with_more_items():
    rng = np.random.default_rng(1)
    small = [ItemScores("s", str(k), lexical=float(x)) for k, x in enumerate(rng.uniform(0, 1, 10))]
    big = [ItemScores("s", str(k), lexical=float(x)) for k, x in enumerate(rng.uniform(0, 1, 400))]
    w_small = rse_scores(small)["sets"]["s"]["lexical"]
    w_big = rse_scores(big)["sets"]["s"]["lexical"]
    assert (w_big["high"] - w_big["low"]) < (w_small["high"] - w_small["low"])
    assert 0.45 < w_big["mean"] < 0.55


def test_constant_values_give_a_point_interval():
    items = [ItemScores("s", str(k), verdict(3), lexical=1.0) for k in range(5)]
    s = rse_scores(items)["sets"]["s"]
    assert s["judge_mean"] == {"n": 5, "mean": 3.0, "low": 3.0, "high": 3.0}
    assert rse_scores(items)["avg"]["judge_mean"]["low"] == 3.0


def test_swapped_half_points_count():
    items = [ItemScores("s", "1", verdict(3.5, style=1.5)), ItemScores("s", "2", verdict(4))]
    s = rse_scores(items)["sets"]["s"]
    assert s["judge_mean"]["mean"] == pytest.approx(3.75)
    assert s["style"]["mean"] == pytest.approx(1.25)


def test_rows_as_plain_dicts():
    rows = [
        {"set": "arena", "item_id": "a1", "overall": 4, "style": 2, "logic": 1, "content": 1, "rationale": "r",
         "needs_review": False, "lexical": 0.5, "ngram2": 0.25, "embedding": 0.75},
        {"set": "arena", "id": "a2", "verdict": {"style": 0, "logic": 0, "content": 0, "overall": 2, "rationale": "r",
         "needs_review": False, "error": None}, "lexical": 0.3},
        {"set": "arena", "id": "a3", "overall": 5, "needs_review": True, "lexical": 0.1},
        {"set": "arena", "id": "a4", "lexical": 0.2},  # no judge
    ]
    s = rse_scores(rows)["sets"]["arena"]
    assert s["judge_mean"]["n"] == 2 and s["judge_mean"]["mean"] == pytest.approx(3.0)
    assert s["lexical"]["n"] == 4
    assert ItemScores.from_mapping(rows[3]).verdict is None


def test_empty_input():
    out = rse_scores([])
    assert out["sets"] == {}
    assert all(v["mean"] is None and not v["complete"] for v in out["avg"].values())
    assert not any(isinstance(v, float) and math.isnan(v) for v in out["avg"]["lexical"].values())
