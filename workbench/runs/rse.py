"""RSE runs: reference and targets answer every prompt, similarity is measured, a judge rates.

One run = one reference, one or more targets, one or more prompt sets, an optional judge.
Each (target, set, prompt) is one item, keyed ``"{target}|{set}|{prompt_id}"``. An item:

1. gets the reference's and the target's answers (stored ones reused unless ``fresh``;
   the reference's answer to a prompt is asked once and shared by every target);
2. measures lexical, 2-gram and embedding similarity (always, no judge needed);
3. asks the judge, if any, for the granular verdict (both orders with ``swap``);
4. writes verdict, metrics and answer in one transaction, so a killed run never leaves a
   verdict without its item marked answered (which would duplicate it on resume).

The run's config holds everything needed to resume it; ``summarize`` turns stored items
and verdicts into the per-target, per-set scores (judge-only or human-adjusted).
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Final

from probes.rse.judge import GranularVerdict, combine_swapped, granular_judge_messages, parse_granular, self_judge_conflict
from probes.rse.scores import MEASURES, ItemScores, rse_scores
from probes.rse.sets import SETS_DIR, PromptItem, PromptSet, PromptSetError, load_set
from workbench.runs.engine import (Engine, RunBusy, RunEvent, RunInterrupted, WorkItem, effective_status,
                                   resumable)
from workbench.runs.rse_responses import Answer, Responder, stored_answer
from workbench.store.exchanges import create_session
from workbench.store.runs import (RunStatus, add_verdict, create_run, current_verdicts, get_run, run_items, set_item_answer,
                                  set_item_metrics, update_run)

log = logging.getLogger(__name__)

KIND: Final = "rse"  # the runs' kind and their verdicts' kind
NO_JUDGE = "none"
DEFAULT_MAX_TOKENS = 512
DEFAULT_JUDGE_MAX_TOKENS = 512
SIMILARITY = ("lexical", "ngram2", "embedding")


class RSEError(Exception):
    """A run that cannot start or resume, phrased as what to fix (the CLI prints one line)."""


@dataclass
class RSEOptions:
    """Everything a run needs; stored as the run's config so ``--resume`` needs nothing else."""

    reference: str
    targets: list[str]
    sets: list[str] = field(default_factory=lambda: ["arena"])
    judge: str | None = None  # None: no judge, similarity only
    limit: int | None = None
    swap: bool = False
    fresh: bool = False
    concurrency: int = 4
    # Values given for both sides (flags); ``reference_params`` / ``target_params`` override per
    # side, so a target can be a sampled (or otherwise varied) version of the reference model.
    # Each model's request follows the one rule (models/params.py): these > its models.toml
    # params > ``param_defaults`` (``judge_defaults`` for the judge). ``resolved`` records,
    # per role ("reference", "target:NAME", "judge"), each value sent and where it came from.
    params: dict[str, Any] = field(default_factory=dict)
    reference_params: dict[str, Any] = field(default_factory=dict)
    target_params: dict[str, Any] = field(default_factory=dict)
    target_system: str | None = None  # a system prompt only the targets get: a "differently prompted" variant
    judge_params: dict[str, Any] = field(default_factory=dict)
    allow_self_judge: bool = False
    param_defaults: dict[str, Any] = field(default_factory=lambda: {"temperature": 0.0,
                                                                     "max_tokens": DEFAULT_MAX_TOKENS})
    judge_defaults: dict[str, Any] = field(default_factory=lambda: {"temperature": 0.0,
                                                                     "max_tokens": DEFAULT_JUDGE_MAX_TOKENS})
    resolved: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.judge, str) and self.judge.strip().lower() in ("", NO_JUDGE):
            self.judge = None

    @property
    def side_params(self) -> dict[str, dict[str, Any]]:
        return {"reference": {**self.params, **self.reference_params},
                "target": {**self.params, **self.target_params}}

    def resolve_params(self, specs: dict[str, Any]) -> None:
        """Fill ``resolved`` from each model's spec; raises RSEError for an out-of-range value."""
        from workbench.models.params import check_params, choose_params

        side = self.side_params
        roles = [("reference", self.reference, side["reference"], self.param_defaults),
                 *((f"target:{t}", t, side["target"], self.param_defaults) for t in self.targets)]
        if self.judge:
            roles.append(("judge", self.judge, self.judge_params, self.judge_defaults))
        resolved: dict[str, dict[str, Any]] = {}
        for role, model, flags, defaults in roles:
            chosen = choose_params(specs[model].params, flags, defaults)
            try:
                check_params(chosen.values, f"{model}:")
            except ValueError as exc:
                raise RSEError(str(exc)) from None
            resolved[role] = chosen.record()
        self.resolved = resolved

    def request_params(self, role: str) -> dict[str, Any]:
        """What ``role`` ("reference", "target:NAME", "judge") sends, as the run chose it."""
        if role in self.resolved:
            return {k: r["value"] for k, r in self.resolved[role].items()}
        # A run stored before params were resolved per model: its values were all flags.
        if role == "judge":
            return {**self.judge_defaults, **self.judge_params}
        side = self.side_params["reference" if role == "reference" else "target"]
        return {**self.param_defaults, **side}

    def to_config(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "RSEOptions":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in config.items() if k in known})


@dataclass
class Prepared:
    options: RSEOptions
    sets: list[PromptSet]
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.options.targets) * sum(len(s.head(self.options.limit)) for s in self.sets)


# -- preparing ---------------------------------------------------------------------------------
def set_source(prompt_set: PromptSet) -> str:
    """How to find the set again on resume: its name if built in, else its absolute path."""
    if prompt_set.path is not None and prompt_set.path.resolve().parent == SETS_DIR.resolve():
        return prompt_set.name
    return str(prompt_set.path.resolve()) if prompt_set.path else prompt_set.name


def load_sets(specs: list[str]) -> list[PromptSet]:
    sets: list[PromptSet] = []
    for spec in specs:
        try:
            loaded = load_set(spec)
        except PromptSetError as exc:
            raise RSEError(str(exc)) from None
        if any(s.name == loaded.name for s in sets):
            raise RSEError(f"two prompt sets are named {loaded.name!r}: rename one file (a set's name is its file's stem)")
        sets.append(loaded)
    return sets


def prepare(options: RSEOptions, gateway: Any) -> Prepared:
    """Check models, sets and the judge before anything is stored; raises RSEError."""
    from workbench.models.gateway import GatewayError

    if not options.targets:
        raise RSEError("give at least one --target model")
    if not options.sets:
        raise RSEError("give at least one --set (built-in: arena, math, chat; or a .jsonl path)")
    if options.limit is not None and options.limit < 1:
        raise RSEError("--limit must be 1 or more")
    if options.concurrency < 1:
        raise RSEError("--concurrency must be 1 or more")
    if len(set(options.targets)) != len(options.targets):
        raise RSEError("a --target is given twice: list each target model once")
    specs: dict[str, Any] = {}
    for name in [options.reference, *options.targets, *([options.judge] if options.judge else [])]:
        try:
            specs[name] = gateway.resolve(name)
        except GatewayError as exc:
            raise RSEError(str(exc)) from None
    warnings: list[str] = []
    if options.judge:
        judge_model, ref_model = specs[options.judge].model, specs[options.reference].model
        conflict = (self_judge_conflict(options.judge, options.reference)
                    or self_judge_conflict(judge_model, ref_model))
        if conflict and not options.allow_self_judge:
            raise RSEError(
                f"the judge {options.judge} is the reference model {options.reference}: it would rate its own "
                "look-alikes (the published design's weak spot); choose another --judge, or pass "
                "--allow-self-judge to do it anyway")
        if conflict:
            warnings.append(f"warning: the judge {options.judge} is the reference model; its scores may favour "
                            "look-alikes of itself")
        for target in options.targets:
            if self_judge_conflict(options.judge, target) or self_judge_conflict(judge_model, specs[target].model):
                warnings.append(f"warning: the judge {options.judge} is also the target {target}: it rates its "
                                "own answers for that target")
    options.resolve_params(specs)
    sets = load_sets(options.sets)
    return Prepared(options=options, sets=sets, warnings=warnings)


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


def prepare_models_only(options: RSEOptions, gateway: Any) -> None:
    from workbench.models.gateway import GatewayError

    for name in [options.reference, *options.targets, *([options.judge] if options.judge else [])]:
        try:
            gateway.resolve(name)
        except GatewayError as exc:
            raise RSEError(str(exc)) from None


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


# -- summaries ---------------------------------------------------------------------------------
def _options_of(run: Any) -> RSEOptions | None:
    try:
        return RSEOptions.from_config(run.config)
    except TypeError:
        return None


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


def format_interval(stat: dict[str, Any] | None, digits: int = 2) -> str:
    """``0.83 [0.80, 0.86]``, or ``–`` when the measure has no values."""
    if not stat or stat.get("mean") is None:
        return "–"
    mean = f"{stat['mean']:.{digits}f}"
    if stat.get("low") is None or stat.get("high") is None:
        return mean
    return f"{mean} [{stat['low']:.{digits}f}, {stat['high']:.{digits}f}]"


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
