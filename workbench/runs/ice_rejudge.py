"""Re-judging a stored ICE run with another judge, and its agreement with the run's own verdicts.

New verdict rows are added (never updated); the reference for agreement is what the run's
primary judge says for each answer *before* the new rows are written, so re-judging with the
primary judge itself still compares against the earlier verdicts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

from workbench.store import open_db
from workbench.store.db import now
from workbench.store.runs import (NewVerdict, VerdictKind, add_new_verdict, add_new_verdicts, current_verdicts, get_run,
                                  update_run)

from .ice_judging import RULE, Judgement, distilled_judgements, judge_answer, rule_judgement
from .ice_summary import summarize

ProgressFn = Callable[[int, int], Any]


def _standing_values(db: Any, run_id: int, kind: VerdictKind, judge: str) -> dict[int, float | None]:
    out: dict[int, float | None] = {}
    for item_id, s in current_verdicts(db, run_id, kind).items():
        v = s.by_judge.get(judge)
        if v is not None:
            out[item_id] = v.value
    return out


def agreement(predicted: dict[int, float | None], reference: dict[int, float | None]) -> dict[str, Any]:
    """Kappa, precision, recall and confusion of ``predicted`` against ``reference`` (binary).

    Answers either side left undecided (needs review) are left out and counted.
    """
    from probes.stats import cohen_kappa, confusion

    pairs = [(p >= 0.5, r >= 0.5) for i, p in predicted.items()
             if p is not None and (r := reference.get(i)) is not None]
    pred = [p for p, _ in pairs]
    ref = [r for _, r in pairs]
    c = confusion(pred, ref)
    return {"n": len(pairs), "kappa": cohen_kappa(pred, ref) if pairs else None,
            "precision": c.precision, "recall": c.recall, "confusion": c.as_dict(),
            "left_out": sum(1 for i in set(predicted) | set(reference)
                            if predicted.get(i) is None or reference.get(i) is None)}


async def rejudge(db_path: str | Path, run_id: int, judge: str, gateway: Any = None, *,
                  concurrency: int = 4, max_tokens: int | None = 512,
                  on_progress: ProgressFn | None = None) -> dict[str, Any]:
    """Judge every answer of run ``run_id`` again with ``judge``; returns summary + agreement."""
    from probes.ice.identity import IdentityFact, fact_for

    db = open_db(db_path)
    run = get_run(db, run_id)
    if run is None:
        raise LookupError(f"no run {run_id}: list runs with `workbench ice runs`")
    if run.kind != "ice":
        raise LookupError(f"run {run_id} is a {run.kind} run, not ice")
    fact_data = run.config.get("fact")
    fact = IdentityFact.from_dict(fact_data) if fact_data else fact_for(run.target)
    reference_judge = run.judge or RULE
    ref_loose = _standing_values(db, run_id, "loose", reference_judge)
    ref_strict = _standing_values(db, run_id, "strict", reference_judge)
    rows = list(db.query(
        """select i.id, i.prompt, r.text from run_items i join responses r on r.id = i.response_id
           where i.run_id = ? and i.status = 'answered' order by i.id""", [run_id]))
    if not rows:
        raise LookupError(f"run {run_id} has no answered items to judge")
    new_loose: dict[int, float | None] = {}
    new_strict: dict[int, float | None] = {}
    errors: list[str] = []
    done = 0

    def keep(item_id: int, j: Judgement) -> None:
        nonlocal done
        new_loose[item_id] = j.loose
        new_strict[item_id] = j.strict
        done += 1
        if on_progress is not None:
            on_progress(done, len(rows))

    from workbench.judging import is_distilled, judge_key

    if judge == RULE or is_distilled(judge):
        judge = judge_key(judge)
        if judge == RULE:
            judged = [rule_judgement(fact, r["prompt"], r["text"] or "") for r in rows]
        else:
            # One batch: the encoder is far faster over many answers at once.
            judged = await asyncio.to_thread(distilled_judgements, judge, fact,
                                             [r["prompt"] or "" for r in rows],
                                             [r["text"] or "" for r in rows])
        batch: list[tuple[int, NewVerdict]] = []
        for r, j in zip(rows, judged):
            batch.extend((r["id"], verdict) for verdict in j.rows)
            keep(r["id"], j)
        with db.atomic():
            add_new_verdicts(db, batch)
    else:
        if gateway is None:
            raise ValueError("an LLM judge needs a gateway")
        from workbench.models.gateway import GatewayError

        sem = asyncio.Semaphore(max(1, concurrency))

        async def one(r: dict) -> None:
            async with sem:
                try:
                    j = await judge_answer(judge, fact, r["prompt"], r["text"] or "",
                                           generate=gateway.generate, max_tokens=max_tokens)
                except GatewayError as exc:
                    errors.append(str(exc))
                    return
            with db.atomic():  # each answer's verdicts persist as soon as they exist
                for verdict in j.rows:
                    add_new_verdict(db, r["id"], verdict)
            keep(r["id"], j)

        await asyncio.gather(*(one(r) for r in rows))

    loose_agreement = agreement(new_loose, ref_loose)
    strict_agreement = agreement(new_strict, ref_strict)
    record = {"judge": judge, "reference_judge": reference_judge, "at": now(), "n": len(rows),
              "judged": done, "errors": len(errors),
              "agreement": {k: loose_agreement[k] for k in ("kappa", "precision", "recall", "confusion")}}
    fresh = get_run(db, run_id)
    state = dict(fresh.state if fresh else {})
    state["rejudges"] = [*state.get("rejudges", []), record]
    update_run(db, run_id, state=state)

    out = summarize(db, run_id, judge=judge)
    out["reference_judge"] = reference_judge
    out["agreement"] = loose_agreement
    out["strict_agreement"] = strict_agreement
    out["judge_errors"] = len(errors)
    if errors:
        out["last_judge_error"] = errors[-1]
    db.close()
    return out
