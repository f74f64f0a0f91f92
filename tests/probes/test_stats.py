import math

import numpy as np

import pytest

from probes.stats import bootstrap_binary_kappa, bootstrap_mean, cohen_kappa, confusion, proportion, spearman, wilson_interval


def test_wilson_known_values():
    low, high = wilson_interval(339, 1000)
    assert low == pytest.approx(0.3103, abs=1e-3)
    assert high == pytest.approx(0.3690, abs=1e-3)
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_proportion_value():
    p = proportion(7, 1000)
    assert p.value == pytest.approx(0.007)
    assert p.low < 0.007 < p.high


def test_bootstrap_mean_contains_mean_and_is_reproducible():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    a = bootstrap_mean(values, seed=1)
    b = bootstrap_mean(values, seed=1)
    assert a == b
    assert a.low < a.mean == 5.5 < a.high
    assert bootstrap_mean([]).mean is None


def test_kappa_perfect_and_chance():
    assert cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]) == pytest.approx(1.0)
    # Textbook example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> kappa 0.4
    a = [1] * 25 + [0] * 25
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa([1, 1], [1, 1]) is None


def test_weighted_kappa_penalises_far_disagreement_more():
    ref = [1, 2, 3, 4, 5]
    near = [2, 2, 3, 4, 5]
    far = [5, 2, 3, 4, 5]
    labels = [1, 2, 3, 4, 5]
    assert cohen_kappa(ref, near, weights="quadratic", labels=labels) > cohen_kappa(
        ref, far, weights="quadratic", labels=labels)


def test_confusion_precision_recall():
    c = confusion([True, True, False, False], [True, False, True, False])
    assert c.as_dict() == {"tp": 1, "fp": 1, "fn": 1, "tn": 1}
    assert c.precision == 0.5 and c.recall == 0.5


def test_spearman_ties():
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 2, 2], [1, 2, 3, 4]) == pytest.approx(math.sqrt(0.8), abs=1e-9)
    assert spearman([1, 1], [1, 2]) is None


def test_bootstrap_kappa_interval_holds_the_estimate_and_widens_with_few_positives():
    import random

    rng = random.Random(1)
    # 300 positives, a rater that agrees on 90% of answers
    ref = [i < 300 for i in range(1000)]
    pred = [r if rng.random() < 0.9 else not r for r in ref]
    k = cohen_kappa(pred, ref)
    lo, hi = bootstrap_binary_kappa(pred, ref, seed=3)
    assert lo < k < hi and hi - lo < 0.15
    assert bootstrap_binary_kappa(pred, ref, seed=3) == (lo, hi)  # reproducible
    # 7 positives, one caught, no false alarm: kappa ~0.25 and an interval that spans most of 0..1
    ref = [i < 7 for i in range(1000)]
    pred = [i == 0 for i in range(1000)]
    lo, hi = bootstrap_binary_kappa(pred, ref)
    assert lo <= cohen_kappa(pred, ref) <= hi and hi - lo > 0.3


def test_bootstrap_kappa_of_nothing():
    assert bootstrap_binary_kappa([], []) == (None, None)
    assert bootstrap_binary_kappa([False] * 5, [False] * 5) == (None, None)


def test_paired_kappa_difference_is_the_difference_with_an_interval_around_it():
    from probes.stats import paired_kappa_difference

    rng = np.random.default_rng(1)
    ref = rng.random(600) < 0.3
    good = np.where(rng.random(600) < 0.9, ref, ~ref)  # agrees on ~90%
    poor = np.where(rng.random(600) < 0.7, ref, ~ref)  # ~70%
    d = paired_kappa_difference(good, poor, ref, seed=2)
    assert d is not None
    assert d.difference == pytest.approx(cohen_kappa(list(good), list(ref)) - cohen_kappa(list(poor), list(ref)))
    assert 0 < d.low < d.difference < d.high
    assert d.clusters == 600
    same = paired_kappa_difference(good, good, ref)
    assert same is not None and same.difference == same.low == same.high == 0.0


def test_paired_kappa_difference_resamples_whole_clusters():
    from probes.stats import paired_kappa_difference

    # Twenty clusters of thirty alike answers: as many answers as above, far fewer independent ones.
    rng = np.random.default_rng(4)
    ref_c = rng.random(20) < 0.4
    first_c = np.where(rng.random(20) < 0.8, ref_c, ~ref_c)
    ref, first = np.repeat(ref_c, 30), np.repeat(first_c, 30)
    second = np.zeros(600, dtype=bool)
    second[:30] = ref[:30]
    clusters = np.repeat(np.arange(20), 30)
    by_answer = paired_kappa_difference(first, second, ref, seed=0)
    by_cluster = paired_kappa_difference(first, second, ref, clusters, seed=0)
    assert by_answer and by_cluster and by_cluster.clusters == 20
    assert by_cluster.difference == pytest.approx(by_answer.difference)
    assert (by_cluster.high - by_cluster.low) > 2 * (by_answer.high - by_answer.low)


def test_paired_kappa_difference_refuses_mismatched_lengths_and_is_none_when_undefined():
    from probes.stats import paired_kappa_difference

    with pytest.raises(ValueError):
        paired_kappa_difference([True], [True, False], [True])
    with pytest.raises(ValueError):
        paired_kappa_difference([True, False], [True, False], [True, False], clusters=[1])
    assert paired_kappa_difference([True, True], [True, True], [True, True]) is None
    assert paired_kappa_difference([], [], []) is None
