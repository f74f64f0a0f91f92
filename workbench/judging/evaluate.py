"""Agreement of a judge with a stored run's verdicts, without writing anything.

The rule judge and distilled judges are run afresh on the answers; any other name is a
judge whose verdicts the run already holds (an LLM judge after ``ice rejudge``).
"""

from __future__ import annotations

from typing import Any

from . import JudgeError, is_distilled, judge_key, looks_like_path, read_meta
from .labels import label_values, run_answers, run_fact


def _stats(pairs: list[tuple[bool, bool]], interval: bool = True) -> dict[str, Any]:
    from probes.stats import bootstrap_binary_kappa, cohen_kappa, confusion

    pred = [p for p, _ in pairs]
    ref = [r for _, r in pairs]
    c = confusion(pred, ref)
    out: dict[str, Any] = {"n": len(pairs), "kappa": cohen_kappa(pred, ref) if pairs else None}
    if interval:
        out["kappa_ci95"] = list(bootstrap_binary_kappa(pred, ref)) if pairs else [None, None]
    out.update({"precision": c.precision, "recall": c.recall, "confusion": c.as_dict()})
    return out


def evaluate(db: Any, judge: str, run_id: int, labels: str | None = None) -> dict[str, Any]:
    run, rows = run_answers(db, run_id)
    if not rows:
        raise JudgeError(f"run {run_id} has no answered items")
    reference, ref = label_values(db, run, labels)
    fact = run_fact(run)
    key = judge_key(judge)
    probs: dict[int, float] = {}
    review: dict[str, Any] | None = None
    if judge == "rule":
        from probes.judges import rule_judge

        pred: dict[int, float | None] = {
            r["id"]: float(rule_judge(r["text"] or "", fact, prompt=r["prompt"]).loose) for r in rows}
    elif is_distilled(judge):
        from .distilled import get_judge

        dj = get_judge(judge)
        p = dj.probabilities([r["prompt"] or "" for r in rows], [r["text"] or "" for r in rows],
                             [fact] * len(rows))
        probs = {r["id"]: float(x) for r, x in zip(rows, p)}
        # Every answer decided at the threshold: the judge's own call on each one.
        pred = {i: float(x >= dj.threshold) for i, x in probs.items()}
        review = {"band": list(dj.band)}
    elif looks_like_path(judge):
        read_meta(judge)  # raises: a folder that holds no judge
        raise AssertionError("unreachable")
    else:
        try:
            _, pred = label_values(db, run, key)
        except JudgeError:
            raise JudgeError(f"run {run_id} holds no verdicts of {key!r}: judge it first with "
                             f"`workbench ice rejudge {run_id} --judge {key}`, or pass rule or a "
                             "distilled judge's folder") from None
    pairs = [(p >= 0.5, r >= 0.5) for i, p in pred.items() if p is not None and (r := ref.get(i)) is not None]
    out: dict[str, Any] = {"judge": key, "reference": reference, "run": run_id,
                           "target": run.target, **_stats(pairs), "pairs": pairs,
                           "left_out": sum(1 for r in rows if pred.get(r["id"]) is None
                                           or ref.get(r["id"]) is None)}
    if review is not None:
        lo, hi = review["band"]
        decided = [(p >= 0.5, r >= 0.5) for i, p in probs.items()
                   if (r := ref.get(i)) is not None and not lo <= p <= hi]
        review["in_band"] = sum(1 for x in probs.values() if lo <= x <= hi)
        review["decided_kappa"] = _stats(decided, interval=False)["kappa"]
        out["review"] = review
    return out


def evaluate_runs(db: Any, judge: str, run_ids: list[int], labels: str | None = None,
                  by_model: bool = False) -> dict[str, Any]:
    """``evaluate`` on each run, and the figures pooled over all of them (every answer of every
    run counted once); with ``by_model``, runs of the same target pooled into one row each."""
    per = [evaluate(db, judge, run_id, labels) for run_id in dict.fromkeys(run_ids)]
    out: dict[str, Any] = {"judge": per[0]["judge"], "runs": per}
    if len(per) > 1:
        out["pooled"] = {"runs": [r["run"] for r in per],
                         **_stats([p for r in per for p in r["pairs"]])}
    if by_model:
        groups: dict[str, list[dict]] = {}
        for r in per:
            groups.setdefault(r["target"], []).append(r)
        out["by_model"] = [{"target": t, "runs": [r["run"] for r in rs],
                            **_stats([p for r in rs for p in r["pairs"]])}
                           for t, rs in groups.items()]
    for r in per:
        del r["pairs"]
    return out
