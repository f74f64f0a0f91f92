"""Homogenization matrix: how alike N models answer the same prompts, pair by pair.

Entry ``[i][j]`` is the mean similarity of model i's and model j's responses over the
prompts both answered; ``n[i][j]`` is how many prompts that was. Text and embedding
metrics are symmetric with 1.0 on the diagonal. The judge metric reads scores the caller
already has (one per reference, target and prompt), so this module makes no model calls.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from probes.rse.judge import SCALES
from probes.similarity import Corpus, cosine_pairs

__all__ = ["METRICS", "homogenization_matrix"]

METRICS = ("embedding", "lexical", "ngram2", "judge")


def homogenization_matrix(
    responses: Mapping[str, Mapping[str, str | None]],
    *,
    metric: str = "embedding",
    embeddings: Mapping[str, Mapping[str, Any]] | None = None,
    judge_scores: Mapping[tuple[str, str, str], float | None] | None = None,
    models: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The N×N matrix for ``models`` (default: the keys of ``responses``, in order).

    responses     model → prompt id → response text (None: not answered).
    embeddings    model → prompt id → vector, for ``metric="embedding"``.
    judge_scores  (reference model, target model, prompt id) → overall score 1-5, for
                  ``metric="judge"``; None marks a verdict that needs review. Either order
                  of a pair counts and both orders are averaged per prompt, so the matrix
                  is symmetric; the diagonal is filled only from (m, m, prompt) entries.

    Returns ``{"metric", "models", "matrix", "n", "scale"}`` with None where no prompt
    was shared.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}: use one of {', '.join(METRICS)}")
    names = list(models) if models is not None else list(responses)
    missing = [m for m in names if m not in responses]
    if missing:
        raise ValueError(f"no responses for model(s) {', '.join(missing)}")
    answered = {m: {pid for pid, text in responses[m].items() if text is not None} for m in names}

    if metric == "judge":
        if judge_scores is None:
            raise ValueError("metric 'judge' needs judge_scores")
        matrix, counts = _judge_matrix(names, answered, judge_scores)
        scale = list(SCALES["overall"])
    else:
        if metric == "embedding":
            if embeddings is None:
                raise ValueError("metric 'embedding' needs embeddings")
            answered = {
                m: {pid for pid in answered[m] if embeddings.get(m, {}).get(pid) is not None}
                for m in names
            }
        matrix, counts = _similarity_matrix(names, answered, responses, embeddings, metric)
        scale = [0, 1]
    return {
        "metric": metric,
        "models": names,
        "matrix": [[None if np.isnan(x) else float(x) for x in row] for row in matrix],
        "n": counts.astype(int).tolist(),
        "scale": scale,
    }


def _similarity_matrix(
    names: list[str], answered: dict[str, set[str]], responses: Mapping[str, Mapping[str, Any]],
    embeddings: Any, metric: str,  # embeddings is set whenever metric == "embedding"
) -> tuple[np.ndarray, np.ndarray]:
    k = len(names)
    matrix = np.full((k, k), np.nan)
    counts = np.zeros((k, k), dtype=np.int64)
    pairs: list[tuple[int, int]] = []
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    label: list[int] = []
    for i in range(k):
        counts[i, i] = len(answered[names[i]])
        if counts[i, i]:
            matrix[i, i] = 1.0
        for j in range(i + 1, k):
            shared = sorted(answered[names[i]] & answered[names[j]])
            pairs.append((i, j))
            left += [(names[i], pid) for pid in shared]
            right += [(names[j], pid) for pid in shared]
            label += [len(pairs) - 1] * len(shared)
    if not label:
        return matrix, counts
    if metric == "embedding":
        a = np.stack([np.asarray(embeddings[m][pid], dtype=np.float64) for m, pid in left])
        b = np.stack([np.asarray(embeddings[m][pid], dtype=np.float64) for m, pid in right])
        values = cosine_pairs(a, b)
    else:
        # Tokenise every response once, however many pairs it is in.
        keys = sorted(set(left) | set(right))
        index = {key: n for n, key in enumerate(keys)}
        corpus = Corpus.from_texts([responses[m][pid] for m, pid in keys])
        ia = np.array([index[key] for key in left])
        ib = np.array([index[key] for key in right])
        values = corpus.lexical(ia, ib) if metric == "lexical" else corpus.ngram2(ia, ib)
    label_arr = np.asarray(label)
    ok = ~np.isnan(values)  # an embedding with NaN in it counts as not answered
    sums = np.bincount(label_arr[ok], weights=values[ok], minlength=len(pairs))
    ns = np.bincount(label_arr[ok], minlength=len(pairs))
    for p, (i, j) in enumerate(pairs):
        counts[i, j] = counts[j, i] = ns[p]
        if ns[p]:
            matrix[i, j] = matrix[j, i] = sums[p] / ns[p]
    return matrix, counts


def _judge_matrix(
    names: list[str], answered: dict[str, set[str]],
    judge_scores: Mapping[tuple[str, str, str], float | None],
) -> tuple[np.ndarray, np.ndarray]:
    k = len(names)
    position = {m: i for i, m in enumerate(names)}
    # (i, j) with i <= j → prompt id → scores from either order
    per_prompt: dict[tuple[int, int], dict[str, list[float]]] = {}
    for key, score in judge_scores.items():
        try:
            ref, tgt, pid = key
        except (TypeError, ValueError):
            raise ValueError(f"judge_scores keys must be (reference, target, prompt id), got {key!r}") from None
        if score is None or ref not in position or tgt not in position:
            continue
        if pid not in answered[ref] or pid not in answered[tgt]:
            continue
        score = float(score)
        if np.isnan(score):
            continue
        i, j = sorted((position[ref], position[tgt]))
        per_prompt.setdefault((i, j), {}).setdefault(pid, []).append(score)
    matrix = np.full((k, k), np.nan)
    counts = np.zeros((k, k), dtype=np.int64)
    for (i, j), prompts in per_prompt.items():
        means = [sum(v) / len(v) for v in prompts.values()]
        matrix[i, j] = matrix[j, i] = sum(means) / len(means)
        counts[i, j] = counts[j, i] = len(means)
    return matrix, counts
