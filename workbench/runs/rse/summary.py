"""RSE scores from stored items and verdicts: the verdict that counts for an item (the judge's,
or the standing human one), per target and set every measure's mean with its bootstrap
interval, and the interval as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probes.rse.judge import GranularVerdict
from probes.rse.scores import MEASURES, ItemScores, rse_scores
from workbench.store.runs import current_verdicts, get_run, run_items

from .options import KIND, NO_JUDGE, RSEError


# -- summaries ---------------------------------------------------------------------------------
def set_order(run: Any) -> list[str]:
    info = run.config.get("set_info") or []
    return [i["name"] for i in info] or [Path(s).stem for s in run.config.get("sets", [])]


def targets_of(run: Any) -> list[str]:
    targets = run.config.get("targets")
    if targets:
        return list(targets)
    return [t.strip() for t in (run.target or "").split(",") if t.strip()]


def item_verdict(standing: Any, judge: str | None, *, human: bool) -> GranularVerdict | None:
    """The verdict that counts for an item: the run judge's, or the standing human one."""
    machine = None
    if standing is not None and judge and judge != NO_JUDGE:
        row = standing.by_judge.get(judge)
        if row is not None:
            machine = GranularVerdict.from_dict({**row.detail, "needs_review": row.value is None})
    if not human or standing is None or standing.human is None or standing.human.value is None:
        return machine
    h = standing.human
    usable = machine is not None and not machine.needs_review

    def aspect(name: str) -> float | None:
        value = h.detail.get(name) if isinstance(h.detail, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return getattr(machine, name) if usable else None

    return GranularVerdict(style=aspect("style"), logic=aspect("logic"), content=aspect("content"),
                           overall=float(h.value), rationale=h.rationale or h.reason or "",
                           needs_review=False)


def summarize(db: Any, run_id: int, *, human: bool = False, resamples: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Per target and set: every measure's mean with its bootstrap interval, and ``avg``.

    ``human=True``: an item's standing human verdict replaces the judge's overall score.
    """
    run = get_run(db, run_id)
    if run is None or run.kind != KIND:
        raise RSEError(f"no RSE run {run_id}: list runs with `workbench rse runs`")
    judge = run.judge if run.judge and run.judge != NO_JUDGE else None
    order = set_order(run)
    standing = current_verdicts(db, run_id, KIND)
    rows: dict[str, list[ItemScores]] = {t: [] for t in targets_of(run)}
    counts: dict[str, dict[str, int]] = {}
    for item in run_items(db, run_id):
        target: str = item.meta.get("target") or run.target or ""
        c = counts.setdefault(target, {"items": 0, "answered": 0, "errors": 0, "needs_review": 0,
                                       "human_reviewed": 0})
        rows.setdefault(target, [])
        c["items"] += 1
        if item.status == "error":
            c["errors"] += 1
        if item.status != "answered":
            continue
        c["answered"] += 1
        sv = standing.get(item.id)
        verdict = item_verdict(sv, judge, human=human)
        machine = item_verdict(sv, judge, human=False)
        if machine is not None and machine.needs_review:
            c["needs_review"] += 1
        if sv is not None and sv.human is not None:
            c["human_reviewed"] += 1
        m = item.metrics
        rows[target].append(ItemScores(set_name=item.meta.get("set", ""), item_id=str(item.meta.get("prompt_id", "")),
                                       verdict=verdict, lexical=m.get("lexical"), ngram2=m.get("ngram2"),
                                       embedding=m.get("embedding")))
    targets: dict[str, Any] = {}
    for target, items in rows.items():
        scores = rse_scores(items, sets=order, resamples=resamples, seed=seed)
        targets[target] = {"sets": scores["sets"], "avg": scores["avg"],
                           **counts.get(target, {"items": 0, "answered": 0, "errors": 0, "needs_review": 0,
                                                 "human_reviewed": 0})}
    return {"run_id": run_id, "reference": run.reference, "judge": judge or NO_JUDGE,
            "human_adjusted": human, "measures": list(MEASURES), "sets": order, "targets": targets}


def format_interval(stat: dict[str, Any] | None, digits: int = 2) -> str:
    """``0.83 [0.80, 0.86]``, or ``–`` when the measure has no values."""
    if not stat or stat.get("mean") is None:
        return "–"
    mean = f"{stat['mean']:.{digits}f}"
    if stat.get("low") is None or stat.get("high") is None:
        return mean
    return f"{mean} [{stat['low']:.{digits}f}, {stat['high']:.{digits}f}]"
