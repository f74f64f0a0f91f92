"""Running an RSE run: one work item per (target, set, prompt), answered, measured and judged,
each written in one transaction as it finishes (see the package's docstring for the steps)."""

from __future__ import annotations

import asyncio
import logging
import math
from pathlib import Path
from typing import Any, Callable

from probes.rse.judge import GranularVerdict, combine_swapped, granular_judge_messages, parse_granular
from probes.rse.sets import PromptItem
from workbench.runs.engine import Engine, RunBusy, RunEvent, RunInterrupted, WorkItem
from workbench.runs.rse_responses import Answer, Responder, stored_answer
from workbench.store.runs import RunStatus, add_verdict, get_run, run_items, set_item_answer, set_item_metrics, update_run

from .options import KIND, Prepared, RSEError

log = logging.getLogger(__name__)

SIMILARITY = ("lexical", "ngram2", "embedding")


def item_key(target: str, set_name: str, prompt_id: str) -> str:
    return f"{target}|{set_name}|{prompt_id}"


def work_items(prepared: Prepared) -> list[WorkItem]:
    """Prompt-major order: the reference answer and every target's answer to one prompt are
    asked together, so they share batches and the reference call is made once."""
    opts = prepared.options
    out: list[WorkItem] = []
    for s in prepared.sets:
        for item in s.head(opts.limit):
            for target in opts.targets:
                meta = {"set": s.name, "prompt_id": item.id, "target": target, "reference": opts.reference}
                out.append(WorkItem(key=item_key(target, s.name, item.id), prompt=item.prompt, meta=meta,
                                    payload=item))
    return out


# -- running -----------------------------------------------------------------------------------
class RSERunner:
    """Runs (or resumes) one stored run to the end; reports through ``on_event``."""

    def __init__(self, db_path: str | Path, run_id: int, prepared: Prepared, gateway: Any,
                 on_event: Callable[[RunEvent], Any] | None = None, cancel: asyncio.Event | None = None):
        self.db_path = Path(db_path)
        self.run_id = run_id
        self.prepared = prepared
        self.options = prepared.options
        self.gateway = gateway
        self.on_event = on_event
        self.cancel = cancel or asyncio.Event()
        self.engine: Engine | None = None
        self.responder: Responder | None = None
        self._embedding_error: str | None = None
        self._previous: dict[str, tuple[int | None, int | None]] = {}
        self._shared_reference: dict[tuple[str, str], int] = {}

    async def run(self) -> str:
        """Final status: ``done``, ``failed`` (some items failed; resume retries them) or
        ``interrupted`` (cancelled; resume continues)."""
        try:
            # The claim may wait out another reader's lock probe: off the event loop.
            engine = await asyncio.to_thread(Engine, self.db_path, self.run_id,
                                             concurrency=self.options.concurrency, on_event=self.on_event)
        except RunBusy as exc:
            raise RSEError(str(exc)) from None
        engine.cancel = self.cancel
        self.engine = engine
        run = get_run(engine.db, self.run_id)
        self.responder = Responder(engine.db, self.gateway, fresh=self.options.fresh,
                                   session_id=run.session_id if run else None, cancel=self.cancel)
        self._load_previous(engine.db)
        update_run(engine.db, self.run_id, status="running", error=None, finished=None)
        items = work_items(self.prepared)
        # Load the embedding model while the first answers are generated, not after them.
        self._preload = asyncio.ensure_future(asyncio.to_thread(_preload_embeddings))
        try:
            await engine.run(items, self._process)
        except RunInterrupted:
            await self.responder.close()
            engine.finish("interrupted", f"cancelled; resume with `workbench rse run --resume {self.run_id}`")
            return "interrupted"
        except BaseException as exc:
            await self.responder.close()
            status: RunStatus = ("interrupted" if isinstance(exc, (asyncio.CancelledError, KeyboardInterrupt))
                                 else "failed")
            engine.finish(status, f"{type(exc).__name__}: {exc}" if status == "failed" else
                          f"interrupted; resume with `workbench rse run --resume {self.run_id}`")
            raise
        failed = [r for r in run_items(engine.db, self.run_id) if r.status != "answered"]
        state: dict[str, Any] = {"sent": self.responder.sent, "reused": self.responder.reused,
                                 "items": len(items), "failed": len(failed)}
        if self._embedding_error:
            state["embedding_error"] = self._embedding_error
        engine.save_state(state)
        if failed:
            first = failed[0].metrics.get("error") or "no answer"
            engine.finish("failed", f"{len(failed)} of {len(items)} items failed (first: {first}); "
                                    f"`workbench rse run --resume {self.run_id}` retries them")
            return "failed"
        engine.finish("done")
        return "done"

    def _load_previous(self, db: Any) -> None:
        # Answers an earlier attempt of this run already got, so a resume never asks again,
        # even with --fresh (which only refuses answers from before the run).
        for row in run_items(db, self.run_id):
            self._previous[row.key] = (row.response_id, row.reference_response_id)
            if row.reference_response_id is not None:
                self._shared_reference.setdefault((row.meta.get("set", ""), row.meta.get("prompt_id", "")),
                                                  row.reference_response_id)

    async def _answer(self, side: str, model: str, messages: list[dict], params: dict[str, Any],
                      previous_id: int | None) -> Answer:
        assert self.engine is not None and self.responder is not None, "run() sets them first"
        old = stored_answer(self.engine.db, previous_id) if previous_id is not None else None
        if old is not None:
            return old
        return await self.responder.get(model, messages, params, side=side)

    async def _process(self, db: Any, item_id: int, w: WorkItem) -> dict[str, Any]:
        opts = self.options
        prompt: PromptItem = w.payload
        set_name, target = w.meta["set"], w.meta["target"]
        messages = prompt.messages
        target_messages = messages
        if opts.target_system:
            target_messages = [{"role": "system", "content": opts.target_system},
                               *[m for m in messages if m["role"] != "system"]]
        prev_target, prev_ref = self._previous.get(w.key, (None, None))
        prev_ref = prev_ref or self._shared_reference.get((set_name, prompt.id))
        ref, tgt = await asyncio.gather(
            self._answer("reference", opts.reference, messages, opts.request_params("reference"), prev_ref),
            self._answer(f"target:{target}", target, target_messages, opts.request_params(f"target:{target}"),
                         prev_target))
        if ref.ok and ref.response_id is not None:
            self._shared_reference.setdefault((set_name, prompt.id), ref.response_id)
        summary: dict[str, Any] = {"target": target, "set": set_name, "prompt_id": prompt.id,
                                   "reused": int(ref.reused) + int(tgt.reused)}
        if not (ref.ok and tgt.ok):
            error = ref.error if not ref.ok else tgt.error
            who = opts.reference if not ref.ok else target
            return self._fail(db, item_id, ref, tgt, summary, labelled(who, error))
        # Keep both answers on the item now: if the judge step dies, resume reuses them.
        set_item_answer(db, item_id, response_id=tgt.response_id, reference_response_id=ref.response_id,
                        status="pending")
        metrics = await self._similarity(ref.text, tgt.text)
        summary.update(metrics)

        judge = opts.judge
        verdict = None
        detail: dict[str, Any] = {}
        raw = None
        if judge:
            judged = await self._judge(judge, messages, ref.text, tgt.text)
            if isinstance(judged, str):
                return self._fail(db, item_id, ref, tgt, summary, judged, metrics)
            verdict, detail, raw = judged
            summary.update(judge=verdict.overall, needs_review=verdict.needs_review)
        with db.atomic():
            if verdict is not None and judge:
                add_verdict(db, item_id, judge=judge, kind=KIND,
                            value=None if verdict.needs_review else verdict.overall,
                            detail=detail, raw=raw, rationale=verdict.rationale or verdict.error)
            set_item_metrics(db, item_id, metrics)
            set_item_answer(db, item_id, response_id=tgt.response_id, reference_response_id=ref.response_id)
        return summary

    def _fail(self, db: Any, item_id: int, ref: Answer, tgt: Answer, summary: dict[str, Any], error: str,
              metrics: dict[str, Any] | None = None) -> dict[str, Any]:
        with db.atomic():
            set_item_metrics(db, item_id, {**(metrics or {}), "error": error})
            set_item_answer(db, item_id, response_id=tgt.response_id if tgt.ok else None,
                            reference_response_id=ref.response_id if ref.ok else None, status="error")
        return {**summary, "error": error}

    async def _similarity(self, ref_text: str, tgt_text: str) -> dict[str, Any]:
        metrics = similarity_metrics([ref_text], [tgt_text], await self._embed([ref_text, tgt_text]))
        return metrics[0]

    async def _embed(self, texts: list[str]) -> Any:
        if self._embedding_error:
            return None
        try:
            return await asyncio.to_thread(_embed_texts, texts)
        except Exception as exc:  # a missing embedding model leaves the other measures standing
            self._embedding_error = f"{type(exc).__name__}: {exc}"
            log.warning("embeddings unavailable: %s", self._embedding_error)
            return None

    async def _judge(self, judge: str, messages: list[dict], ref_text: str, tgt_text: str
                     ) -> tuple[GranularVerdict, dict[str, Any], str] | str:
        """(verdict, detail, raw) or, when the judge model itself failed, an error line."""
        assert self.responder is not None, "run() sets it first"
        opts = self.options
        orders = [granular_judge_messages(messages, ref_text, tgt_text)]
        if opts.swap:
            orders.append(granular_judge_messages(messages, tgt_text, ref_text))
        answers = await asyncio.gather(*(self.responder.get(judge, m, opts.request_params("judge"), side="judge",
                                                            exchange=False) for m in orders))
        for a in answers:
            if not a.ok:
                return "judge " + labelled(judge, a.error)
        verdicts = [parse_granular(a.text) for a in answers]
        if not opts.swap:
            return verdicts[0], verdicts[0].as_dict(), answers[0].text
        combined = combine_swapped(verdicts[0], verdicts[1])
        detail = {**combined.as_dict(), "swapped": verdicts[1].as_dict(), "first": verdicts[0].as_dict()}
        raw = (f"[reference first]\n{answers[0].text}\n\n[target first]\n{answers[1].text}")
        return combined, detail, raw


def _preload_embeddings() -> None:
    try:
        from workbench.models.embeddings import get_model

        get_model()
    except Exception:  # reported (once) by the first item that needs embeddings
        pass


def labelled(model: str, error: str | None) -> str:
    """``model: error``, once: the gateway's messages already begin with the model's name."""
    error = error or "failed"
    return error if error.startswith(f"{model}: ") else f"{model}: {error}"


def _embed_texts(texts: list[str]) -> Any:
    from workbench.models.embeddings import embed

    return embed(texts)


def similarity_metrics(ref_texts: list[str], tgt_texts: list[str], embeddings: Any | None) -> list[dict[str, Any]]:
    """Per pair {"lexical", "ngram2", "embedding"}; ``embeddings`` stacks refs then targets (or None)."""
    from probes.similarity import pair_similarity

    n = len(ref_texts)
    emb_a = emb_b = None
    if embeddings is not None:
        emb_a, emb_b = embeddings[:n], embeddings[n:]
    sims = pair_similarity(ref_texts, tgt_texts, emb_a, emb_b)
    out = []
    for i in range(n):
        row: dict[str, Any] = {}
        for name in SIMILARITY:
            arr = sims.get(name)
            value = None if arr is None else float(arr[i])
            row[name] = None if value is None or math.isnan(value) else round(value, 6)
        out.append(row)
    return out
