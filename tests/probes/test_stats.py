import math

import pytest

from probes.stats import bootstrap_mean, cohen_kappa, confusion, proportion, spearman, wilson_interval


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
