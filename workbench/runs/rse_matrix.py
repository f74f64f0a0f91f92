"""Homogenization matrices: how alike N models answer one prompt set, pair by pair.

``build_matrix`` (the CLI's ``rse matrix``) gets every model's answer to every prompt,
reusing stored answers for the same model, prompt and params and asking the gateway for
the missing ones, then measures every pair. ``run_matrix`` reads a finished RSE run's
stored answers (reference and targets) and asks nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from probes.rse.judge import granular_judge_messages, parse_granular, self_judge_conflict
from probes.rse.matrix import homogenization_matrix
from workbench.runs.rse import (KIND, NO_JUDGE, RSEError, item_verdict, labelled, load_sets, set_order,
                                targets_of)
from workbench.runs.rse_responses import Responder
from workbench.store.exchanges import create_session, get_response
from workbench.store.runs import current_verdicts, get_run, run_items

MATRIX_METRICS = ("embedding", "lexical", "ngram2", "judge")


def embed_table(responses: dict[str, dict[str, str | None]]) -> dict[str, dict[str, Any]]:
    """model → prompt id → unit vector, embedding every answered text in one batch."""
    from workbench.models.embeddings import embed

    answered = [((m, pid), text) for m, by_pid in responses.items() for pid, text in by_pid.items()
                if text is not None]
    out: dict[str, dict[str, Any]] = {m: {} for m in responses}
    if answered:
        vectors = embed([text for _, text in answered])
        for ((m, pid), _), vec in zip(answered, vectors):
            out[m][pid] = vec
    return out


async def build_matrix(db: Any, gateway: Any, *, models: list[str], set_spec: str, metric: str = "embedding",
                       judge: str | None = None, limit: int | None = None, params: dict[str, Any] | None = None,
                       judge_params: dict[str, Any] | None = None, fresh: bool = False, concurrency: int = 4,
                       allow_self_judge: bool = False,
                       on_progress: Callable[..., Any] | None = None) -> dict[str, Any]:
    """The N×N matrix for ``models`` on one set; raises RSEError for user mistakes.

    ``on_progress(stage, done, total, detail)`` hears of the plan (stage ``"plan"``), each
    answer (``"answers"``; detail: model, prompt id, reused, seconds, error), the embedding
    pass and each judge call (``"judge"``), so a long matrix shows it is moving.
    """
    from workbench.models.gateway import GatewayError

    if metric not in MATRIX_METRICS:
        raise RSEError(f"unknown metric {metric!r}: use one of {', '.join(MATRIX_METRICS)}")
    if len(models) < 2:
        raise RSEError("give at least two --model options: the matrix compares models pair by pair")
    if len(set(models)) != len(models):
        raise RSEError("a --model is given twice: list each model once")
    if judge and judge.lower() == NO_JUDGE:
        judge = None
    if metric == "judge" and not judge:
        raise RSEError("--metric judge needs --judge MODEL")
    for name in [*models, *([judge] if judge else [])]:
        try:
            gateway.resolve(name)
        except GatewayError as exc:
            raise RSEError(str(exc)) from None
    if metric == "judge" and not allow_self_judge:
        own = [m for m in models if self_judge_conflict(judge, m)]
        if own:
            raise RSEError(f"the judge {judge} is also compared ({', '.join(own)}): it would rate its own "
                           "answers; choose another --judge, or pass --allow-self-judge")
    (prompt_set,) = load_sets([set_spec])
    prompts = list(prompt_set.head(limit))
    # The one rule (models/params.py), model by model: a value given > its models.toml params >
    # these defaults. ``params`` and ``judge_params`` hold only what the user gave.
    from workbench.models.params import check_params, choose_params

    defaults = {"temperature": 0.0, "max_tokens": 512}
    chosen = {m: choose_params(gateway.resolve(m).params, params, defaults) for m in models}
    if judge:
        chosen[f"judge {judge}"] = choose_params(gateway.resolve(judge).params, judge_params, defaults)
    for name, c in chosen.items():
        try:
            check_params(c.values, f"{name}:")
        except ValueError as exc:
            raise RSEError(str(exc)) from None
    judge_request = chosen[f"judge {judge}"].values if judge else {}

    session_id = create_session(db, "rse-matrix", f"RSE matrix {', '.join(models)} on {prompt_set.name}")
    responder = Responder(db, gateway, fresh=fresh, session_id=session_id)
    sem = asyncio.Semaphore(max(1, concurrency))
    responses: dict[str, dict[str, str | None]] = {m: {} for m in models}
    errors: list[str] = []
    total = len(models) * len(prompts)
    done = 0
    if on_progress:
        on_progress("plan", 0, total, {"models": len(models), "prompts": len(prompts),
                                       "of": len(prompt_set.items),
                                       "set": prompt_set.name, "limit": limit})

    async def answer(model: str, prompt: Any) -> None:
        nonlocal done
        async with sem:
            t0 = time.perf_counter()
            a = await responder.get(model, prompt.messages, chosen[model].values, side=f"model:{model}")
            seconds = time.perf_counter() - t0
        responses[model][prompt.id] = a.text if a.ok else None
        if not a.ok:
            errors.append(f"{prompt.id}: {labelled(model, a.error)}")
        done += 1
        if on_progress:
            on_progress("answers", done, total, {"model": model, "prompt_id": prompt.id, "reused": a.reused,
                                                 "seconds": seconds, "error": None if a.ok else a.error})

    try:
        await asyncio.gather(*(answer(m, p) for p in prompts for m in models))
        embeddings = None
        judge_scores: dict[tuple[str, str, str], float | None] | None = None
        if metric == "embedding":
            if on_progress:
                on_progress("embedding", 0, total, None)
            embeddings = await asyncio.to_thread(embed_table, responses)
        elif metric == "judge" and judge:  # (a judge is given: checked above)
            judge_scores = {}
            pairs = [(a, b, p) for i, a in enumerate(models) for b in models[i + 1:] for p in prompts
                     if responses[a].get(p.id) is not None and responses[b].get(p.id) is not None]
            judged = 0

            async def rate(a: str, b: str, prompt: Any) -> None:
                nonlocal judged
                text_a, text_b = responses[a][prompt.id], responses[b][prompt.id]
                assert text_a is not None and text_b is not None, "pairs holds answered prompts only"
                messages = granular_judge_messages(prompt.messages, text_a, text_b)
                async with sem:
                    ans = await responder.get(judge, messages, judge_request, side="judge", exchange=False)
                if ans.ok:
                    v = parse_granular(ans.text)
                    judge_scores[(a, b, prompt.id)] = None if v.needs_review else v.overall
                else:
                    errors.append(f"judge on {a} vs {b} {prompt.id}: {labelled(judge, ans.error)}")
                judged += 1
                if on_progress:
                    on_progress("judge", judged, len(pairs), {"pair": (a, b), "prompt_id": prompt.id,
                                                              "error": None if ans.ok else ans.error})

            await asyncio.gather(*(rate(a, b, p) for a, b, p in pairs))
    finally:
        await responder.close()
    result = homogenization_matrix(responses, metric=metric, embeddings=embeddings, judge_scores=judge_scores,
                                   models=models)
    result.update({"set": prompt_set.name, "prompts": len(prompts), "set_prompts": len(prompt_set.items),
                   "limit": limit, "params": {name: c.record() for name, c in chosen.items()},
                   "judge": judge or NO_JUDGE, "session_id": session_id, "sent": responder.sent,
                   "reused": responder.reused, "errors": errors})
    return result


def run_responses(db: Any, run_id: int, set_name: str | None = None
                  ) -> tuple[list[str], dict[str, dict[str, str | None]], dict[str, str]]:
    """(model labels, label → prompt id → text, target → label) from a run's stored answers.

    The reference is labelled ``"<model> (reference)"`` when it is also a target, so a
    model compared with itself shows as two rows.
    """
    run = get_run(db, run_id)
    if run is None or run.kind != KIND:
        raise RSEError(f"no RSE run {run_id}: list runs with `workbench rse runs`")
    targets = targets_of(run)
    reference = run.reference or ""  # an RSE run always has one
    ref_label = reference if reference not in targets else f"{reference} (reference)"
    labels = [ref_label, *targets]
    responses: dict[str, dict[str, str | None]] = {label: {} for label in labels}
    texts: dict[int, str | None] = {}

    def text(rid: int | None) -> str | None:
        if rid is None:
            return None
        if rid not in texts:
            row = get_response(db, rid)
            texts[rid] = row.text if row is not None and row.status == "ok" else None
        return texts[rid]

    wanted = set_name or next(iter(set_order(run)), None)
    for item in run_items(db, run_id):
        if wanted is not None and item.meta.get("set") != wanted:
            continue
        pid = str(item.meta.get("prompt_id"))
        target = item.meta.get("target")
        if target in responses and item.response_id is not None:
            responses[target][pid] = text(item.response_id)
        if item.reference_response_id is not None and pid not in responses[ref_label]:
            responses[ref_label][pid] = text(item.reference_response_id)
    return labels, responses, {t: t for t in targets} | {reference: ref_label}


def run_matrix(db: Any, run_id: int, *, set_name: str | None = None, metric: str = "embedding",
               human: bool = False) -> dict[str, Any]:
    """The matrix of a stored run (reference and targets) on one of its sets; asks no model.

    With ``judge`` only reference-vs-target cells have values (those are the pairs judged).
    """
    if metric not in MATRIX_METRICS:
        raise RSEError(f"unknown metric {metric!r}: use one of {', '.join(MATRIX_METRICS)}")
    labels, responses, _ = run_responses(db, run_id, set_name)
    run = get_run(db, run_id)
    assert run is not None, "run_responses found it"
    embeddings: dict[str, dict[str, Any]] | None = None
    judge_scores: dict[tuple[str, str, str], float | None] | None = None
    if metric == "embedding":
        embeddings = embed_table(responses)
    elif metric == "judge":
        judge = run.judge if run.judge and run.judge != NO_JUDGE else None
        standing = current_verdicts(db, run_id, KIND)
        judge_scores = {}
        ref_label = labels[0]
        wanted = set_name or next(iter(set_order(run)), None)
        for item in run_items(db, run_id):
            if item.status != "answered" or (wanted is not None and item.meta.get("set") != wanted):
                continue
            v = item_verdict(standing.get(item.id), judge, human=human)
            if v is None:
                continue
            judge_scores[(ref_label, item.meta.get("target", ""), str(item.meta.get("prompt_id")))] = (
                None if v.needs_review else v.overall)
    result = homogenization_matrix(responses, metric=metric, embeddings=embeddings, judge_scores=judge_scores,
                                   models=labels)
    result.update({"run_id": run_id, "set": set_name or next(iter(set_order(run)), None)})
    return result
