"""Judge-only vs adjusted scores and agreement: kappa, confusion, weighted kappa, Spearman."""

from __future__ import annotations

import pytest

from tests.review.fixtures import ICE_N, make_ice_run, make_rse_run
from workbench.review.actions import record_review, retract_review
from workbench.review.queue import load_review_run
from workbench.review.stats import compute_stats, ice_agreement, review_stats, rse_agreement, rse_label


def test_ice_kappa_and_confusion_by_hand():
    # judge 1,1,0,0 vs human 1,0,0,0: po = .75, pe = .5*.25 + .5*.75 = .5, kappa = .5
    a = ice_agreement([(1.0, 1.0), (1.0, 0.0), (0.0, 0.0), (0.0, 0.0)])
    assert a["kappa"] == pytest.approx(0.5)
    assert a["confusion"] == {"tp": 1, "fp": 1, "fn": 0, "tn": 2}
    assert a["precision"] == 0.5 and a["recall"] == 1.0 and a["accuracy"] == 0.75 and a["n"] == 4
    empty = ice_agreement([])
    assert empty["kappa"] is None and empty["n"] == 0


def test_rse_weighted_kappa_spearman_matrix_by_hand():
    perfect = rse_agreement([(1, 1), (3, 3), (5, 5)])
    assert perfect["kappa"] == pytest.approx(1.0) and perfect["spearman"] == pytest.approx(1.0)
    # Opposite ends: observed disagreement 1 (weight (4/4)^2), expected 0.5 -> kappa = 1 - 1/.5 = -1.
    flipped = rse_agreement([(1, 5), (5, 1)])
    assert flipped["kappa"] == pytest.approx(-1.0) and flipped["spearman"] == pytest.approx(-1.0)
    # Quadratic weights punish a 1-step miss far less than a 4-step one.
    near = rse_agreement([(1, 2), (2, 1), (4, 5), (5, 4)])
    assert near["kappa"] > 0.7
    m = rse_agreement([(3.5, 4), (2, 2)])
    assert m["confusion"]["matrix"][3][3] == 1 and m["confusion"]["matrix"][1][1] == 1  # 3.5 rounds to 4
    assert m["exact"] == 1.0 and m["mae"] == pytest.approx(0.25)


def test_rse_label_rounds_half_up_and_clamps():
    assert [rse_label(x) for x in (1, 1.49, 1.5, 2.5, 4.6, 5.2, 0.2)] == [1, 1, 2, 3, 5, 5, 1]


def test_ice_adjusted_score_moves_with_reviews_and_undo(db):
    run_id, ids = make_ice_run(db)
    s = compute_stats(load_review_run(db, run_id, texts=False))
    assert s["judge"] == "published" and s["judge_score"] == pytest.approx(7 / ICE_N)
    assert s["adjusted_score"] == s["judge_score"] and s["reviewed"] == 0 and s["remaining"] == ICE_N
    # Item 1: published says negative; the human says positive.
    v = record_review(db, ids[1], kind="loose", value=1.0, author="a")
    record_review(db, ids[0], kind="loose", value=1.0, author="a")  # agrees with published
    s = compute_stats(load_review_run(db, run_id, texts=False))
    assert s["adjusted_score"] == pytest.approx(8 / ICE_N) and s["judge_score"] == pytest.approx(7 / ICE_N)
    assert s["reviewed"] == 2 and s["remaining"] == ICE_N - 2
    pub = s["agreement"]["published"]
    assert pub["confusion"] == {"tp": 1, "fp": 0, "fn": 1, "tn": 0}
    rule = s["agreement"]["rule"]  # rule flips items 0-4: item 0 -> neg (fn), item 1 -> pos (tp)
    assert rule["confusion"] == {"tp": 1, "fp": 0, "fn": 1, "tn": 0}
    assert pub["kappa"] == pytest.approx(0.0)  # the human said positive twice: chance-level agreement
    retract_review(db, v, author="a")
    s = compute_stats(load_review_run(db, run_id, texts=False))
    assert s["adjusted_score"] == pytest.approx(7 / ICE_N) and s["reviewed"] == 1 and s["retractions"] == 1


def test_human_decides_what_the_judge_left_open(db):
    run_id, ids = make_ice_run(db)
    record_review(db, ids[5], kind="loose", value=1.0, author="a")  # rule left item 5 undecided
    s = compute_stats(load_review_run(db, run_id, texts=False), judge="rule")
    assert s["judge"] == "rule"
    assert s["agreement"]["rule"]["n"] == 0 and s["agreement"]["rule"]["judge_undecided"] == 1
    assert s["scores"]["rule"]["adjusted"]["undecided"] == 1 and s["scores"]["rule"]["judge"]["undecided"] == 2


def test_rse_scores_and_agreement(db):
    run_id, ids = make_rse_run(db)
    s = review_stats(db, run_id)
    judged = [1 + i % 5 for i in range(12) if i not in (3, 7)]
    assert s["judge_score"] == pytest.approx(sum(judged) / len(judged))
    assert s["scores"]["gpt-judge"]["judge"]["ci"] is not None
    record_review(db, ids[0], kind="rse", value=5, author="a")  # judge said 1
    record_review(db, ids[3], kind="rse", value=3, author="a")  # judge undecided
    record_review(db, ids[4], kind="rse", value=5, author="a")  # judge said 5
    record_review(db, ids[1], kind="rse", value=2, author="a")  # judge said 2
    s = review_stats(db, run_id)
    adjusted = [5, 2, 3, 3, 5] + [1 + i % 5 for i in range(5, 12) if i != 7]
    assert s["adjusted_score"] == pytest.approx(sum(adjusted) / len(adjusted))
    a = s["agreement"]["gpt-judge"]
    assert a["n"] == 3 and a["judge_undecided"] == 1 and a["weights"] == "quadratic"
    assert a["kappa"] is not None and a["spearman"] is not None
    assert a["confusion"]["matrix"][0][4] == 1  # judge 1, human 5


def test_unknown_judge_scores_nothing(db):
    run_id, _ = make_ice_run(db)
    s = review_stats(db, run_id, judge="nobody")
    assert s["judge"] == "nobody" and s["judge_score"] is None and s["adjusted_score"] is None


def test_only_answered_items_count(db):
    from workbench.store.runs import ensure_item

    run_id, _ = make_ice_run(db)
    ensure_item(db, run_id, "pending", "not answered yet", {"category": "team"})
    s = compute_stats(load_review_run(db, run_id, texts=False))
    assert s["n"] == ICE_N


def test_probe_summary_included_when_the_probe_module_has_one(db):
    run_id, _ = make_ice_run(db)
    s = review_stats(db, run_id)
    summary = s.get("summary")
    if summary is None:
        pytest.skip("workbench.runs.ice.summarize not available")
    assert "error" not in summary, summary
    assert summary["judge"]["loose"] == pytest.approx(s["judge_score"])


def test_kappa_from_matrix_matches_kappa_from_labels():
    import numpy as np

    from probes.stats import cohen_kappa
    from workbench.review.stats import kappa_from_matrix

    a = [1, 1, 0, 0, 1, 0, 1, 1]
    b = [1, 0, 0, 0, 1, 1, 1, 1]
    m = np.zeros((2, 2))
    for x, y in zip(a, b):
        m[x, y] += 1
    assert kappa_from_matrix(m) == pytest.approx(cohen_kappa(a, b, labels=[0, 1]))
    assert kappa_from_matrix(m * 3.5) == pytest.approx(cohen_kappa(a, b, labels=[0, 1]))


def test_population_agreement_reweights_the_triage_strata(db):
    """Reviewing disagreements first must not make a judge look worse over the whole run."""
    run_id, ids = make_ice_run(db)
    # The human agrees with `published` everywhere. Review the 5 disagreements only.
    from tests.review.fixtures import published_loose

    for i in range(5):
        record_review(db, ids[i], kind="loose", value=published_loose(i), author="a")
    a = compute_stats(load_review_run(db, run_id, texts=False))["agreement"]["rule"]
    assert a["kappa"] is not None and a["kappa"] < 0  # on the reviewed items, rule is always wrong
    pop = a["population"]
    assert pop["kappa"] is None and pop["missing"] == ["random sample"]
    assert pop["strata"]["judges disagree"] == {"items": 5, "reviewed": 5}
    # One review in the random sample (13 items, rule right) and the estimate appears:
    # 5 wrong of 18 decided items by the rule judge -> mostly agreement, far above the naive kappa.
    record_review(db, ids[8], kind="loose", value=published_loose(8), author="a")
    a = compute_stats(load_review_run(db, run_id, texts=False))["agreement"]["rule"]
    pop = a["population"]
    assert pop["missing"] == [] and pop["kappa"] is not None and pop["kappa"] > a["kappa"]
    c = pop["confusion"]
    assert c["tp"] + c["fp"] + c["fn"] + c["tn"] == pytest.approx(18)  # rule decided 18 of 20
    assert c["fp"] + c["fn"] == pytest.approx(5)
