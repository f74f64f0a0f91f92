"""An RSE run in the database: storing a new run, loading one to resume, and the reads the CLI
and the TUI show (the run list, the run report, one item in full, every item as a row)."""

from __future__ import annotations

from typing import Any

from workbench.runs.engine import effective_status, resumable
from workbench.store.exchanges import create_session
from workbench.store.runs import create_run, current_verdicts, get_run, run_items

from .options import KIND, NO_JUDGE, Prepared, RSEError, RSEOptions, load_sets, prepare_models_only, set_source
from .summary import set_order, summarize, targets_of


def start_run(db: Any, prepared: Prepared) -> int:
    """Store a new run (status ``running``) with its session; returns its id."""
    opts = prepared.options
    config = opts.to_config()
    config["sets"] = [set_source(s) for s in prepared.sets]
    config["set_info"] = [{"name": s.name, "source": set_source(s), "digest": s.digest,
                           "n": len(s.head(opts.limit))} for s in prepared.sets]
    title = f"RSE {', '.join(opts.targets)} vs {opts.reference} on {', '.join(s.name for s in prepared.sets)}"
    session_id = create_session(db, KIND, title)
    return create_run(db, KIND, target=", ".join(opts.targets), reference=opts.reference,
                      judge=opts.judge or NO_JUDGE, config=config, session_id=session_id)


def load_run(db: Any, run_id: int, gateway: Any | None = None) -> tuple[Any, Prepared]:
    """A stored run and its prepared work, for resuming; raises RSEError."""
    try:
        run = resumable(db, run_id, KIND)
    except LookupError as exc:
        raise RSEError(str(exc)) from None
    options = RSEOptions.from_config(run.config)
    sets = load_sets(options.sets)
    warnings = []
    digests = {i["name"]: i.get("digest") for i in run.config.get("set_info", [])}
    for s in sets:
        if digests.get(s.name) and digests[s.name] != s.digest:
            warnings.append(f"warning: prompt set {s.name} changed since run {run_id} started; "
                            "items are matched by prompt id")
    prepared = Prepared(options=options, sets=sets, warnings=warnings)
    if gateway is not None:
        prepare_models_only(options, gateway)
    return run, prepared


def run_report(db: Any, run_id: int) -> dict[str, Any]:
    """The run summary JSON (CLI ``--json`` and the TUI): run facts plus both score views."""
    run = get_run(db, run_id)
    if run is None or run.kind != KIND:
        raise RSEError(f"no RSE run {run_id}: list runs with `workbench rse runs`")
    info = run.config.get("set_info") or []
    total = len(targets_of(run)) * sum(int(i.get("n", 0)) for i in info)
    judge_only = summarize(db, run_id, human=False)
    answered = sum(t["answered"] for t in judge_only["targets"].values())
    return {
        "run_id": run_id, "kind": KIND, "status": effective_status(db, run), "error": run.error,
        "created": run.created, "finished": run.finished, "session_id": run.session_id,
        "reference": run.reference, "targets": targets_of(run), "judge": run.judge or NO_JUDGE,
        "sets": set_order(run), "progress": {"answered": answered, "total": total},
        "config": run.config, "state": run.state,
        "judge_only": judge_only, "human_adjusted": summarize(db, run_id, human=True),
    }


def list_rse_runs(db: Any, limit: int = 200) -> list[dict[str, Any]]:
    from workbench.store.runs import list_runs

    out = []
    for run in list_runs(db, KIND, limit=limit):
        counts = {r["status"]: r["n"] for r in db.query(
            "select status, count(*) as n from run_items where run_id = ? group by status", [run.id])}
        info = run.config.get("set_info") or []
        total = len(targets_of(run)) * sum(int(i.get("n", 0)) for i in info)
        out.append({"run_id": run.id, "status": effective_status(db, run), "reference": run.reference,
                    "targets": targets_of(run), "judge": run.judge or NO_JUDGE, "sets": set_order(run),
                    "answered": counts.get("answered", 0), "errors": counts.get("error", 0), "total": total,
                    "created": run.created, "finished": run.finished, "error": run.error})
    return out


def item_detail(db: Any, item_id: int) -> dict[str, Any]:
    """Everything the item view shows: conversation, both answers, measures, verdict history."""
    from workbench.store.exchanges import get_exchange, get_response
    from workbench.store.runs import get_item, item_verdicts, standing_from_rows

    item = get_item(db, item_id)
    if item is None:
        raise RSEError(f"no item {item_id}")
    ref = get_response(db, item.reference_response_id) if item.reference_response_id else None
    tgt = get_response(db, item.response_id) if item.response_id else None
    messages: list[dict] = []
    for row in (ref, tgt):
        if row is not None and row.exchange_id is not None:
            exchange = get_exchange(db, row.exchange_id)
            if exchange is not None:
                messages = exchange.messages
                break
    if not messages:
        messages = [{"role": "user", "content": item.prompt}]
    history = item_verdicts(db, item_id)
    standing = standing_from_rows([v for v in history if v.kind == KIND]).get(item_id)
    run = get_run(db, item.run_id)
    judge = run.judge if run and run.judge and run.judge != NO_JUDGE else None
    machine = standing.by_judge.get(judge) if standing is not None and judge else None
    return {
        "item_id": item.id, "run_id": item.run_id, "key": item.key, "status": item.status, "meta": item.meta,
        "messages": messages, "metrics": item.metrics,
        "reference": {"model": item.meta.get("reference"), "text": ref.text if ref else None,
                      "response_id": item.reference_response_id, "status": ref.status if ref else None,
                      "error": ref.error if ref else None},
        "target": {"model": item.meta.get("target"), "text": tgt.text if tgt else None,
                   "response_id": item.response_id, "status": tgt.status if tgt else None,
                   "error": tgt.error if tgt else None},
        "judge": judge,
        "verdict": None if machine is None else {"id": machine.id, "value": machine.value, "detail": machine.detail,
                                                  "raw": machine.raw, "rationale": machine.rationale,
                                                  "created": machine.created},
        "human": None if standing is None or standing.human is None else {
            "id": standing.human.id, "value": standing.human.value, "author": standing.human.author,
            "reason": standing.human.reason, "rationale": standing.human.rationale,
            "created": standing.human.created},
        "history": [{"id": v.id, "judge": v.judge, "value": v.value, "author": v.author, "reason": v.reason,
                     "retracts": v.retracts, "created": v.created} for v in history],
    }


def item_rows(db: Any, run_id: int) -> list[dict[str, Any]]:
    """One flat dict per item: meta, status, measures, the judge's and the human's verdicts."""
    run = get_run(db, run_id)
    judge = run.judge if run and run.judge and run.judge != NO_JUDGE else None
    standing = current_verdicts(db, run_id, KIND)
    out = []
    for it in run_items(db, run_id):
        sv = standing.get(it.id)
        verdict = None
        v = sv.by_judge.get(judge) if sv is not None and judge else None
        if v is not None:
            verdict = {"judge": v.judge, "overall": v.value, "needs_review": v.value is None,
                       "style": v.detail.get("style"), "logic": v.detail.get("logic"),
                       "content": v.detail.get("content"), "rationale": v.rationale}
        human = None
        if sv is not None and sv.human is not None:
            human = {"overall": sv.human.value, "author": sv.human.author, "reason": sv.human.reason}
        out.append({"item_id": it.id, "key": it.key, "status": it.status, **it.meta, "metrics": it.metrics,
                    "response_id": it.response_id, "reference_response_id": it.reference_response_id,
                    "judge": verdict, "human": human})
    return out
