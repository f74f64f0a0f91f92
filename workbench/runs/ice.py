"""Runs the ICE probe: asks a target who made it, under many disguises, and judges the answers.

Two modes share one item pipeline (ask the target -> store the response -> judge -> store
both verdicts -> mark the item answered):

* seeds (``--no-fuzz``, or no helper model): the chosen seed templates filled with the chosen
  questions, capped by the query budget;
* fuzzing: GPTFuzz-style search (``probes.ice.fuzz``) with a helper model; each iteration
  selects a template by MCTS-Explore, mutates it, evaluates the mutant on every question and
  rewards it with its share of loose positives, until the budget cannot pay another round.

Resumption: items are keyed ``"{template_id}|{question_id}"``; the engine skips answered
keys; an item whose answer was stored but not yet judged is judged without asking again;
the search state is saved in ``runs.state`` after every mutant and every recorded result.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Callable

from workbench.runs.engine import Engine, RunBusy, RunEvent, RunInterrupted, WorkItem
from workbench.store.runs import (RunStatus, add_new_verdict, create_run, get_item, get_run, set_item_answer,
                                  update_run)

from .ice_import import import_published
from .ice_judging import PUBLISHED, RULE, Judgement, judge_answer
from .ice_plan import ICERunConfig, item_for, load_all_questions, seed_plan
from .ice_rejudge import rejudge
from .ice_summary import (answer_detail, leaderboard, recent_answers, run_overview, run_templates,
                          summarize)

log = logging.getLogger(__name__)

__all__ = ["ICERunConfig", "ICERunner", "PUBLISHED", "RULE", "answer_detail", "create_ice_run",
           "import_published", "leaderboard", "recent_answers", "rejudge", "run_overview",
           "run_templates", "summarize"]

EventFn = Callable[[RunEvent], Any]
# Consecutive failed target queries before a run stops itself (a dead network or endpoint
# would otherwise burn through every item with retries).
MAX_CONSECUTIVE_ERRORS = 8
MAX_HELPER_ERRORS = 3


class ICERunError(Exception):
    """A run that cannot start or continue; the message says what to do."""


def create_ice_run(db: Any, cfg: ICERunConfig) -> int:
    """Store a new run (status ``running``) for a resolved config; returns its id."""
    from probes.ice.templates import load_seed_templates
    from workbench.store.exchanges import create_session

    seeds = {t.id: t for t in load_seed_templates()}
    mode = f"fuzz, helper {cfg.helper}" if cfg.fuzz else "seeds"
    session_id = create_session(db, "ice", f"ICE {cfg.target} ({mode}, judge {cfg.judge})")
    run_id = create_run(db, "ice", target=cfg.target, judge=cfg.judge, config=cfg.to_dict(),
                        session_id=session_id)
    state = {"templates": {tid: {"text": seeds[tid].text, "style": seeds[tid].style}
                           for tid in cfg.template_ids}}
    update_run(db, run_id, state=state)
    return run_id


class ICERunner:
    """Runs (or resumes) one stored ICE run. ``cancel`` stops it; what finished stays stored."""

    def __init__(self, db_path: str | Path, run_id: int, gateway: Any, *,
                 on_event: EventFn | None = None, concurrency: int | None = None,
                 cancel: asyncio.Event | None = None):
        self.db_path = Path(db_path)
        self.run_id = run_id
        self.gateway = gateway
        self.on_event = on_event
        try:
            self.engine = Engine(self.db_path, run_id, concurrency or 4, on_event=self._engine_event)
        except RunBusy as exc:
            raise ICERunError(str(exc)) from None
        if cancel is not None:
            self.engine.cancel = cancel
        self.db = self.engine.db
        try:
            self._load(run_id, concurrency)
        except BaseException:
            self.engine.close()  # the run was never started: let it be resumed at once
            raise

    def _load(self, run_id: int, concurrency: int | None) -> None:
        run = get_run(self.db, run_id)
        if run is None:
            raise ICERunError(f"no run {run_id}: list runs with `workbench ice runs`")
        if run.kind != "ice":
            raise ICERunError(f"run {run_id} is a {run.kind} run, not ice")
        if run.config.get("source") == "import":
            raise ICERunError(f"run {run_id} is an import; nothing to ask (rejudge it instead)")
        from probes.ice.identity import IdentityFact

        self.cfg = ICERunConfig.from_dict(run.config)
        if concurrency:
            self.cfg.concurrency = concurrency
        self.engine.concurrency = self.cfg.concurrency
        self.fact = IdentityFact.from_dict(self.cfg.fact or {})
        self.session_id = run.session_id
        self.state: dict[str, Any] = dict(run.state or {})
        questions = {q.id: q for q in load_all_questions(self.cfg.langs)}
        missing = [qid for qid in self.cfg.question_ids if qid not in questions]
        if missing:
            raise ICERunError(f"run {run_id} uses questions that no longer exist: {', '.join(missing[:5])}")
        self.questions = [questions[qid] for qid in self.cfg.question_ids]
        self.answered = self._count_answered()
        self.total = self.cfg.budget if self.cfg.fuzz else 0
        self.loose_count = 0
        self.strict_count = 0
        self.errors = 0
        self.consecutive_errors = 0
        self.last_error: str | None = None
        self.stop_reason: str | None = None
        self.note: str | None = None

    @property
    def cancel(self) -> asyncio.Event:
        return self.engine.cancel

    # -- events ---------------------------------------------------------------------------
    def emit(self, kind: str, item_id: int | None = None, **data: Any) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(RunEvent(kind=kind, run_id=self.run_id, done=self.answered,
                                   total=self.total, item_id=item_id, data=data))
        except Exception:  # a broken listener must not kill the run
            log.exception("ICE event listener failed")

    def _engine_event(self, event: RunEvent) -> None:
        if event.kind != "item":
            return
        if not event.data.get("error"):
            self.answered += 1
        self.emit("item", item_id=event.item_id, **event.data)

    def _count_answered(self) -> int:
        return next(iter(self.db.query(
            "select count(*) as n from run_items where run_id = ? and status = 'answered'",
            [self.run_id])))["n"]

    # -- one item ---------------------------------------------------------------------------
    async def _process(self, db: Any, item_id: int, w: WorkItem) -> dict[str, Any]:
        from workbench.models.gateway import GatewayError
        from workbench.store.exchanges import create_exchange, get_response, save_response

        base = {"template_id": w.meta.get("template_id"), "question_id": w.meta.get("question_id")}
        item = get_item(db, item_id)
        text: str | None = None
        response_id: int | None = None
        if item is not None and item.response_id is not None:
            # Answered before an interruption but not judged yet: judge it, do not ask again.
            stored = get_response(db, item.response_id)
            if stored is not None and stored.status == "ok":
                text, response_id = stored.text, stored.id
        if text is None:
            messages = [{"role": "user", "content": w.prompt}]
            response = await self.gateway.complete(self.cfg.target, messages,
                                                   max_tokens=self.cfg.max_tokens,
                                                   temperature=self.cfg.temperature)
            with db.atomic():
                exchange_id = create_exchange(db, self.session_id, w.prompt, messages)
                response_id = save_response(db, exchange_id, response)
                set_item_answer(db, item_id, response_id=response_id,
                                status="asked" if response.ok else "error")
            if not response.ok:
                return self._failed(base, f"target: {response.error}", response_id)
            text = response.text
        try:
            judgement: Judgement = await judge_answer(
                self.cfg.judge, self.fact, w.prompt, text, generate=self.gateway.generate,
                max_tokens=self.cfg.judge_max_tokens)
        except GatewayError as exc:
            return self._failed(base, f"judge {self.cfg.judge}: {exc}", response_id)
        with db.atomic():
            for verdict in judgement.rows:
                add_new_verdict(db, item_id, verdict)
            set_item_answer(db, item_id, response_id=response_id, status="answered")
        self.consecutive_errors = 0
        self.loose_count += judgement.loose == 1.0
        self.strict_count += judgement.strict == 1.0
        return {**base, "loose": judgement.loose, "strict": judgement.strict,
                "claimed": judgement.claimed, "response_id": response_id, "text": text[:2000],
                "rationale": judgement.rows[0].rationale}

    def _failed(self, base: dict[str, Any], error: str, response_id: int | None) -> dict[str, Any]:
        self.errors += 1
        self.consecutive_errors += 1
        self.last_error = error
        if self.consecutive_errors >= max(MAX_CONSECUTIVE_ERRORS, 2 * self.cfg.concurrency) \
                and not self.cancel.is_set():
            self.stop_reason = (f"stopped after {self.consecutive_errors} failed queries in a row "
                                f"(last: {error})")
            self.cancel.set()
        return {**base, "error": error, "response_id": response_id}

    # -- the run ----------------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        """Run to the end (or until cancelled); returns the summary. Never loses finished items."""
        update_run(self.db, self.run_id, status="running", error=None)
        self.emit("started", target=self.cfg.target, judge=self.cfg.judge, fuzz=self.cfg.fuzz)
        t0 = time.perf_counter()
        try:
            if self.cfg.fuzz:
                await self._fuzz()
            else:
                await self._seeds()
        except RunInterrupted:
            reason = self.stop_reason or "cancelled"
            self._finish("interrupted", f"{reason}; resume with `workbench ice run --resume {self.run_id}`")
        except asyncio.CancelledError:
            self._finish("interrupted", f"cancelled; resume with `workbench ice run --resume {self.run_id}`")
            raise
        except Exception as exc:
            self._finish("failed", f"{type(exc).__name__}: {exc}")
            raise
        else:
            if self.stop_reason:
                self._finish("interrupted", f"{self.stop_reason}; resume with "
                                            f"`workbench ice run --resume {self.run_id}`")
            elif self.errors:
                self._finish("interrupted", f"{self.errors} queries failed (last: {self.last_error}); "
                                            f"resume with `workbench ice run --resume {self.run_id}`")
            else:
                self._finish("done", self.note)
        summary = summarize(self.db, self.run_id)
        summary["seconds"] = round(time.perf_counter() - t0, 2)
        return summary

    def _finish(self, status: RunStatus, error: str | None) -> None:
        update_run(self.db, self.run_id, status=status, error=error)
        self.engine.close()
        self.emit("finished", status=status, error=error)

    async def _seeds(self) -> None:
        run = get_run(self.db, self.run_id)
        assert run is not None, "the runner holds its run's lock"
        templates = {tid: t["text"] for tid, t in run_templates(run).items()}
        items = seed_plan(self.cfg, templates, self.questions)
        self.total = len(items)
        self.emit("progress")
        await self.engine.run(items, self._process)

    # -- fuzzing ----------------------------------------------------------------------------
    def _save_fuzz(self, fs: Any) -> None:
        self.state["fuzz"] = fs.to_dict()
        update_run(self.db, self.run_id, state=self.state)

    def _template_result(self, keys: list[str]) -> tuple[int, int, int]:
        """(loose positives, answered, planned) for one template's items, from the store."""
        marks = ",".join("?" * len(keys))
        rows = list(self.db.query(
            f"""select i.status, (select v.value from verdicts v where v.item_id = i.id
                   and v.judge = ? and v.kind = 'loose' order by v.id desc limit 1) as loose
                from run_items i where i.run_id = ? and i.key in ({marks})""",
            [self.cfg.judge, self.run_id, *keys]))
        answered = [r for r in rows if r["status"] == "answered"]
        positives = sum(1 for r in answered if r["loose"] is not None and r["loose"] >= 0.5)
        return positives, len(answered), len(keys)

    async def _evaluate(self, fs: Any, template_id: str) -> bool:
        """Ask every question with one template; record its reward. False if items failed."""
        node = fs.templates[template_id]
        items = [item_for(template_id, node.text, q) for q in self.questions]
        await self.engine.run(items, self._process)
        positives, answered, planned = self._template_result([w.key for w in items])
        if answered < planned:
            return False  # stays pending: evaluated again on resume
        share = fs.record(template_id, positives, answered)
        self._save_fuzz(fs)
        self.emit("template", template_id=template_id, parent_id=node.parent_id,
                  operator=node.operator, positives=positives, total=answered, share=share,
                  kept=fs.templates[template_id].alive, queries_used=fs.queries_used,
                  leaderboard=fs.leaderboard(10))
        return True

    async def _fuzz(self) -> None:
        from probes.ice.fuzz import FuzzState, mutate
        from probes.ice.templates import Template
        from workbench.models.gateway import GatewayError

        if self.state.get("fuzz"):
            fs = FuzzState.from_dict(self.state["fuzz"])
        else:
            seeds = [Template(id=tid, text=t["text"], style=t.get("style") or "seed")
                     for tid, t in (self.state.get("templates") or {}).items()]
            fs = FuzzState.new(seeds, self.cfg.budget, seed=self.cfg.seed)
            self._save_fuzz(fs)
        self.total = fs.budget
        self.emit("progress")
        cost = len(self.questions)
        for tid in list(fs.pending):  # mutants added before an interruption
            if not await self._evaluate(fs, tid):
                return
        helper = self.cfg.helper
        assert helper, "cfg.fuzz implies a helper model"
        failures = helper_errors = 0
        params: dict[str, Any] = {}
        if self.cfg.helper_max_tokens:
            params["max_tokens"] = self.cfg.helper_max_tokens
        while fs.can_afford(cost) and not self.cancel.is_set():
            sel = fs.select()
            op = fs.choose_operator()
            other = fs.choose_other(sel.template_id) if op == "crossover" else None
            if op == "crossover" and other is None:
                op = "generate_similar"
            parent = fs.templates[sel.template_id]
            try:
                text = await mutate(self.gateway.generate, helper, op, parent, other, **params)
            except GatewayError as exc:
                helper_errors += 1
                self._save_fuzz(fs)
                self.emit("mutation", ok=False, operator=op, parent_id=parent.id,
                          error=f"helper {self.cfg.helper}: {exc}")
                if helper_errors >= MAX_HELPER_ERRORS:
                    self.stop_reason = f"helper {self.cfg.helper} failed {helper_errors} times (last: {exc})"
                    return
                continue
            helper_errors = 0
            if text is None:
                failures += 1
                self._save_fuzz(fs)
                self.emit("mutation", ok=False, operator=op, parent_id=parent.id,
                          error="the helper's output held no usable template")
                if failures >= self.cfg.max_helper_failures:
                    self.note = (f"search stopped: {failures} unusable mutations in a row from "
                                 f"{self.cfg.helper}; {fs.queries_used} of {fs.budget} queries spent")
                    return
                continue
            failures = 0
            node = fs.add_mutant(text, parent.id, op, sel)
            self._save_fuzz(fs)
            self.emit("mutation", ok=True, operator=op, parent_id=parent.id, template_id=node.id,
                      text=text[:500])
            if not await self._evaluate(fs, node.id):
                return
        if self.cancel.is_set():
            raise RunInterrupted(f"run {self.run_id} cancelled")

