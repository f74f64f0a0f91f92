import json

import numpy as np
import pytest

from probes.rse.matrix import homogenization_matrix
from probes.similarity import cosine_pairs, lexical_pairs, ngram2_pairs

RESPONSES = {
    "ref": {"p1": "Paris is the capital of France.", "p2": "Use a hash map for constant time lookups.", "p3": "Four."},
    "copy": {"p1": "Paris is the capital of France.", "p2": "Use a hash map for constant time lookups.", "p3": "Four."},
    "para": {"p1": "The capital of France is Paris.", "p2": "A dictionary gives constant time lookups.", "p3": None},
    "other": {"p1": "I like turtles.", "p3": "Seven, probably."},
}


def as_array(result):
    return np.array([[np.nan if x is None else x for x in row] for row in result["matrix"]])


@pytest.mark.parametrize("metric", ["lexical", "ngram2"])
def test_text_matrix_symmetry_diagonal_and_values(metric):
    out = homogenization_matrix(RESPONSES, metric=metric)
    json.dumps(out)
    assert out["models"] == ["ref", "copy", "para", "other"]
    assert out["metric"] == metric and out["scale"] == [0, 1]
    m = as_array(out)
    np.testing.assert_allclose(m, m.T)
    np.testing.assert_allclose(np.diag(m), 1.0)
    assert m[0, 1] == pytest.approx(1.0)  # identical answers
    assert m[0, 2] < 1.0 and m[0, 3] < m[0, 2]
    n = np.array(out["n"])
    assert (n == n.T).all()
    assert n[0, 0] == 3 and n[2, 2] == 2 and n[3, 3] == 2
    assert n[0, 2] == 2 and n[2, 3] == 1 and n[0, 3] == 2
    # The ref–para cell is the mean over the two prompts both answered.
    pairs = ngram2_pairs if metric == "ngram2" else lexical_pairs
    expected = pairs([RESPONSES["ref"]["p1"], RESPONSES["ref"]["p2"]], [RESPONSES["para"]["p1"], RESPONSES["para"]["p2"]])
    assert m[0, 2] == pytest.approx(expected.mean())


def test_embedding_matrix():
    rng = np.random.default_rng(0)
    base = {pid: rng.standard_normal(8) for pid in ("p1", "p2", "p3")}
    emb = {
        "ref": base,
        "copy": {pid: v * 3 for pid, v in base.items()},  # same direction
        "para": {"p1": base["p1"] + 0.3 * rng.standard_normal(8), "p2": rng.standard_normal(8)},
        "other": {"p1": -base["p1"], "p3": None},
    }
    out = homogenization_matrix(RESPONSES, metric="embedding", embeddings=emb)
    m = as_array(out)
    n = np.array(out["n"])
    np.testing.assert_allclose(m, m.T)
    np.testing.assert_allclose(np.diag(m), 1.0)
    assert m[0, 1] == pytest.approx(1.0)
    assert m[0, 3] == 0.0  # opposite direction, clipped
    assert n[3, 3] == 1  # p3's embedding is missing
    expected = cosine_pairs(np.stack([base["p1"], base["p2"]]), np.stack([emb["para"]["p1"], emb["para"]["p2"]])).mean()
    assert m[0, 2] == pytest.approx(expected)


def test_models_with_nothing_in_common():
    out = homogenization_matrix({"a": {"p1": "x"}, "b": {"p2": "y"}, "c": {}}, metric="lexical")
    assert out["matrix"][0][1] is None and out["n"][0][1] == 0
    assert out["matrix"][2][2] is None and out["n"][2][2] == 0
    assert out["matrix"][0][0] == 1.0


def test_judge_matrix_reads_the_lookup_and_averages_orders():
    scores = {
        ("ref", "copy", "p1"): 5, ("ref", "copy", "p2"): 5,
        ("ref", "para", "p1"): 4, ("para", "ref", "p1"): 3,  # both orders → 3.5 for p1
        ("ref", "para", "p2"): 2,
        ("ref", "other", "p1"): None,  # needs review
        ("ref", "other", "p3"): 1,
        ("copy", "copy", "p1"): 5,
        ("ref", "unknown-model", "p1"): 5,
        ("ref", "para", "p3"): 5,  # para did not answer p3: ignored
    }
    out = homogenization_matrix(RESPONSES, metric="judge", judge_scores=scores)
    assert out["scale"] == [1, 5]
    m, n = as_array(out), np.array(out["n"])
    np.testing.assert_allclose(m, m.T, equal_nan=True)
    assert m[0, 1] == 5 and n[0, 1] == 2
    assert m[0, 2] == pytest.approx((3.5 + 2) / 2) and n[0, 2] == 2
    assert m[0, 3] == 1 and n[0, 3] == 1
    assert m[1, 1] == 5 and np.isnan(m[0, 0]) and n[0, 0] == 0
    assert np.isnan(m[2, 3])


def test_model_selection_and_errors():
    out = homogenization_matrix(RESPONSES, metric="lexical", models=["para", "ref"])
    assert out["models"] == ["para", "ref"] and len(out["matrix"]) == 2
    with pytest.raises(ValueError, match="unknown metric"):
        homogenization_matrix(RESPONSES, metric="bleu")
    with pytest.raises(ValueError, match="needs embeddings"):
        homogenization_matrix(RESPONSES, metric="embedding")
    with pytest.raises(ValueError, match="needs judge_scores"):
        homogenization_matrix(RESPONSES, metric="judge")
    with pytest.raises(ValueError, match="no responses for model"):
        homogenization_matrix(RESPONSES, metric="lexical", models=["ref", "ghost"])
    with pytest.raises(ValueError, match="keys must be"):
        homogenization_matrix(RESPONSES, metric="judge", judge_scores={("ref", "copy"): 5})
