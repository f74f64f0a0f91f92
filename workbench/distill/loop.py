"""The EvoKD loop, and the same engine running the ``none`` and ``static`` baselines.

Round 0 trains the student on K examples per class and is scored: the K-shot baseline.
Each round r >= 1 then, as in the paper (arXiv 2403.06414):

1. the teacher writes new samples, each with the label it intends: *hard* ones aimed at the
   weaknesses its last analysis named (and the confusions behind it), *easy* ones near them;
   the teacher sees a short history of earlier rounds (their score on fresh samples, their
   analyses). Round 1 has no analysis yet. Answers are JSON with a schema;
2. each text is labelled again by a separate teacher call (a schema's enum of the labels);
   the intended and the separate label are both kept, and a disagreement is recorded;
   echoes, unparseable and unlabelled samples are dropped and counted;
3. the student predicts the round's fresh samples *before* training on them; the teacher
   reads those mistakes (text, gold label, predicted label) and the per-class error rates,
   and writes the analysis that drives round r+1;
4. the student trains on everything kept so far (seeds + accepted samples, class-balanced,
   ``epochs`` passes), is evaluated on the test set, and the round is stored.

With a per-round teacher-token budget, rounds keep generating and labelling batches until
the budget is spent (EvoKD keeps back what the analysis needs), so methods are compared at
equal teacher tokens: ``static`` spends its budget on generation and labelling alone.

Every random choice comes from a stream named by (seed, round, purpose), and each round
re-seeds torch, so a resumed job repeats exactly what an uninterrupted one would.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

from . import parsers
from .data import Dataset, Example, kshot, load_dataset
from .dedupe import NearDuplicateFilter
from .options import EvoKDOptions
from .prompts import Mistake, RoundNote, TaskInfo
from .recorder import ACCOUNTING, Recorder, RoundResult, SampleRecord
from .student import Cancelled, Student, configure_threads, resolve_device
from .teacher import LabelResult, Teacher, TeacherFailed, entity_tags

# Without a budget a round asks for one batch, and tries again (up to this many batches)
# only when the teacher's answers gave no usable text at all.
UNBUDGETED_BATCHES = 3
DESCRIPTIONS = {"bbc-news": "BBC news articles"}
DEFAULT_TEMPERATURE = 0.8
# Tokens kept back for the analysis before its prompt is known; later rounds use the last one's
# measured cost (a 0.5B teacher's analysis quoting 6 mistakes and 3 right answers costs 500-700).
ANALYSIS_RESERVE = 500
# Prompt tokens of a generation call (a 0.5B teacher's prompts measured 100-330 with history),
# and a labelling call's tokens until one has been measured.
GENERATION_OVERHEAD = 250
LABEL_COST = 100


class ResumeError(Exception):
    """A job that cannot continue from its stored state."""


@dataclass
class Candidate:
    kind: str
    text: str
    label: str | None = None  # the label the generation call intended ("ner" for NER)
    entities: tuple[tuple[str, str], ...] = ()
    asked: int = 0  # texts the call that produced it asked for (counted on its first text)


class EvoKDRun:
    def __init__(self, opts: EvoKDOptions, recorder: Recorder,
                 gateway_factory: Callable[[], Any] | None = None):
        self.o = opts
        self.rec = recorder
        self.gateway_factory = gateway_factory
        self.ds: Dataset | None = None
        self.teacher: Teacher | None = None
        self.seeds: list[Example] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._units = 1
        # What drives the next round's generation: the latest analysis, the confusions on
        # the latest fresh samples, and the notes of every finished round.
        self.analysis = ""
        self.focus: list[str] = []
        self.notes: list[RoundNote] = []
        self.reserve = ANALYSIS_RESERVE
        self.label_cost = LABEL_COST
        self.carry = 0  # teacher tokens earlier rounds left unspent (with a budget)
        self.params: dict[str, Any] = {}

    # -- seeds and streams ----------------------------------------------------------------
    def _rng(self, round: int, purpose: str) -> random.Random:
        return random.Random(f"{self.o.seed}:{round}:{purpose}")

    def _torch_seed(self, round: int) -> int:
        return self.o.seed * 1009 + round

    def _call_seed(self, round: int, n: int) -> int:
        return self.o.seed * 100_000 + round * 1000 + n

    # -- progress -------------------------------------------------------------------------
    def _progress(self, round: int, phase: str, within: float, unit: int | None = None, **extra: Any) -> None:
        """Report ``phase`` of ``round``; ``unit`` places it in the job when it is not a round
        (the full-shot reference runs after the last round)."""
        done = round if unit is None else unit
        fraction = min(1.0, (done + max(0.0, min(within, 1.0))) / self._units)
        self.rec.progress(round=round, rounds=self.o.rounds if self.o.method != "none" else 0,
                          phase=phase, fraction=round_to(fraction, 4), **extra)

    def _check_stop(self) -> None:
        if self.rec.should_stop():
            raise Cancelled()

    # -- async bridge ---------------------------------------------------------------------
    def _arun(self, make: Callable[[], Awaitable[Any]]) -> Any:
        """Run teacher work on this run's one event loop; a stop request cancels calls."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        teacher = self.teacher

        async def main() -> Any:
            cancel = asyncio.Event()
            if teacher is not None:
                teacher.cancel = cancel

            async def watch() -> None:
                while not cancel.is_set():
                    if self.rec.should_stop():
                        cancel.set()
                        return
                    await asyncio.sleep(0.2)

            watcher = asyncio.ensure_future(watch())
            try:
                result = await make()
            finally:
                watcher.cancel()
            if cancel.is_set():
                raise Cancelled()
            return result

        return self._loop.run_until_complete(main())

    def close(self) -> None:
        if self._loop is not None:
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()
            self._loop = None

    # -- setup ----------------------------------------------------------------------------
    def _task_info(self, ds: Dataset) -> TaskInfo:
        desc = self.o.description or DESCRIPTIONS.get(self.o.dataset)
        if desc is None:
            path = Path(self.o.dataset).expanduser()
            folder = path if path.is_dir() else path.parent
            note = folder / "description.txt"
            desc = note.read_text(encoding="utf-8").strip() if note.exists() else None
        desc = desc or ("sentences" if ds.task == "ner" else "short texts")
        labels = ds.entity_types if ds.task == "ner" else ds.labels
        return TaskInfo(task=ds.task, labels=labels, description=desc)

    def _make_teacher(self, info: TaskInfo) -> Teacher:
        from workbench.models.gateway import GatewayError

        if self.gateway_factory is None:
            raise TeacherFailed("no model gateway to reach the teacher")
        gateway = self.gateway_factory()
        try:
            spec = gateway.resolve(self.o.teacher)
        except GatewayError as exc:
            raise TeacherFailed(f"teacher: {exc}") from exc
        self.params = teacher_params(self.o, spec.params)
        self.rec.event("info", f"teacher {spec.name}: temperature {self.params['temperature']} "
                               f"({self.params['temperature_from']}), JSON schema "
                               f"{'on' if self.o.schema else 'off'}", {"teacher_params": self.params})
        return Teacher(gateway, self.o.teacher, info, temperature=self.params["temperature"],
                       max_new_tokens=self.o.max_new_tokens, budget=self.o.budget,
                       on_exchange=self.rec.teacher_exchange, structured=self.o.schema)

    # -- the run --------------------------------------------------------------------------
    def run(self) -> None:
        o = self.o.validate()
        rec = self.rec
        rec.progress(phase="loading data", fraction=0.0, round=0, rounds=o.rounds)
        ds = load_dataset(o.dataset, None if o.task == "auto" else o.task, test_limit=o.test_limit,
                          seed=o.seed)
        self.ds = ds
        for note in ds.notes:
            rec.event("info", note)
        device = resolve_device(o.device)
        threads = configure_threads(o.threads)
        rounds = o.rounds if o.method != "none" else 0
        self._units = rounds + 1 + (1 if o.full_shot else 0)
        self.seeds = kshot(ds.train, o.shots, o.seed)
        rec.event("info", f"{ds.name}: {ds.task}, {len(ds.labels)} labels, {len(ds.train)} train, "
                          f"{len(ds.test)} test; {len(self.seeds)} seed examples ({o.shots}-shot); "
                          f"device {device}" + (f" ({threads} CPU threads)" if device == "cpu" else ""),
                  ds.summary())
        info = self._task_info(ds)

        finished = rec.finished_rounds()
        history: list[SampleRecord] = []  # kept generated samples of finished rounds
        if finished:
            last = finished[-1]
            if not last.checkpoint or not Path(last.checkpoint).exists():
                raise ResumeError(f"cannot resume: the checkpoint of round {last.round} is missing "
                                  f"({last.checkpoint}); start a new job")
            rec.discard_after(last.round)
            student = Student.from_checkpoint(last.checkpoint, ds.task, device=device,
                                              max_length=o.max_length)
            history = [s for s in rec.kept_samples(last.round) if s.kind != "seed"]
            self._restore_notes(finished)
            start = last.round + 1
            rec.event("info", f"resumed after round {last.round} from {last.checkpoint}",
                      {"round": last.round, "replay_buffer": len(history)})
        else:
            rec.discard_after(-1)
            self._progress(0, "loading student", 0.05)
            student = Student.from_base(o.student, ds.task, ds.labels, device=device,
                                        max_length=o.max_length, seed=self._torch_seed(0))
            self._round_zero(student)
            start = 1

        if start <= rounds:
            self.teacher = self._make_teacher(info)
        for r in range(start, rounds + 1):
            kept = self._round(r, student, history, info)
            history.extend(kept)
        if rounds == 0 and o.method == "none":
            rec.event("info", "baseline none: the K-shot student only, no teacher rounds")

        if o.full_shot and rec.full_shot() is None:
            self._full_shot(device)
        rec.progress(phase="done", fraction=1.0, round=rounds, rounds=rounds)

    # -- round 0 --------------------------------------------------------------------------
    def _round_zero(self, student: Student) -> None:
        rec = self.rec
        t0 = time.perf_counter()
        rec.samples(0, [SampleRecord.of(0, e, "seed") for e in self.seeds])
        stats = self._train(0, student, self.seeds, [])
        scores = self._evaluate(0, student)
        ckpt = student.save(rec.checkpoint_dir("round-0"))
        result = RoundResult(round=0, train_size=len(self.seeds), generated=0, kept=0, teacher_tokens=0,
                             teacher_cost_usd=0.0, accuracy=scores["accuracy"],
                             macro_f1=scores["macro_f1"], loss=stats.mean_loss,
                             seconds=time.perf_counter() - t0, checkpoint=str(ckpt))
        rec.round_done(result)
        rec.event("info", f"round 0 (K-shot): accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}",
                  result.public())

    def _restore_notes(self, finished: list[RoundResult]) -> None:
        """After a resume: the history, analysis and focus the finished rounds left behind."""
        for row in finished:
            if row.round == 0:
                continue
            m = self.rec.round_metrics(row.round)
            if "fresh.total" in m:
                self.notes.append(RoundNote(row.round, int(m.get("fresh.correct", 0)),
                                            int(m["fresh.total"]), row.analysis or ""))
            if "acct.analysis_tokens" in m:
                self.reserve = max(1, int(m["acct.analysis_tokens"]))
            if "acct.carry" in m:
                self.carry = int(m["acct.carry"])
            if "acct.label_cost" in m:
                self.label_cost = max(1, int(m["acct.label_cost"]))
            self.analysis = row.analysis or ""
            pairs = sorted(((v, k) for k, v in m.items() if k.startswith("fresh.confusion:")),
                           key=lambda kv: (-kv[0], kv[1]))
            self.focus = [self._focus_of(*k.split(":", 1)[1].split("|", 1)) for _, k in pairs[:3]]

    # -- rounds 1..R ----------------------------------------------------------------------
    def _round(self, r: int, student: Student, history: list[SampleRecord], info: TaskInfo
               ) -> list[SampleRecord]:
        o, rec, ds = self.o, self.rec, self.ds
        assert ds is not None and self.teacher is not None
        teacher = self.teacher
        t0 = time.perf_counter()
        teacher.new_round()
        if o.budget is not None:
            # What earlier rounds left unspent carries over: a round stops when the next text
            # would not fit, and EvoKD's analysis may cost less than was kept back for it, so
            # without this the methods' totals drift apart by those remainders.
            teacher.budget = o.budget + self.carry
        evokd = o.method == "evokd"
        # The analysis of round r feeds round r+1: the last round needs none.
        analyse = evokd and r < o.rounds
        teacher.reserve = self.reserve if analyse and o.budget is not None else 0
        notes = self.notes if "history" not in o.ablate else []
        notes = notes[-o.history:] if o.history > 0 else []

        records, fresh = self._generate_and_label(r, self.analysis, self.focus, notes, history, info)
        teacher.check_alive(f"in round {r}")
        if teacher.usage.calls and teacher.usage.failed == teacher.usage.calls:
            raise TeacherFailed(f"teacher {teacher.model} failed every call in round {r}: "
                                f"{teacher.usage.last_error}")
        new_examples = [ex for _, ex in fresh]
        acct = self._accounting(records)
        analysis = ""
        if evokd:
            # Test the student on the round's fresh samples *before* it trains on them.
            if "fresh" in o.ablate:  # old behaviour: data it already trained on
                probe_recs = [s for s in history if s.round == r - 1]
                probe = [s.example(ds.task) for s in probe_recs] or self.seeds
            else:
                probe = new_examples
            self._progress(r, "testing student on fresh samples", 0.5)
            preds = student.predict(probe, should_stop=rec.should_stop) if probe else []
            if "fresh" not in o.ablate:
                for (record, _), p in zip(fresh, preds):
                    record.predicted = p if not isinstance(p, list) else json.dumps(p)
            wrong, correct = self._mistakes(probe, preds)
            rates = error_rates(probe, preds)
            rec.metric("fresh.accuracy", len(correct) / max(1, len(probe)), round=r)
            rec.metric("fresh.correct", len(correct), round=r)
            rec.metric("fresh.total", len(probe), round=r)
            confusions = Counter((m.gold, m.predicted) for m in wrong)
            for (g, pr), n in confusions.items():
                rec.metric(f"fresh.confusion:{g}|{pr}", n, round=r)
            rng = self._rng(r, "round")
            if analyse and probe:  # no fresh samples: nothing to analyse, keep the last analysis
                wrong_shown = rng.sample(wrong, min(o.show_wrong, len(wrong)))
                correct_shown = ([] if "correct" in o.ablate
                                 else rng.sample(correct, min(o.show_correct, len(correct))))
                self._progress(r, "teacher analysis", 0.55)
                before = teacher.usage.tokens
                teacher.reserve = 0
                analysis = self._arun(lambda: teacher.analyse(
                    wrong_shown, correct_shown, seed=self._call_seed(r, 0), error_rates=rates,
                    history=notes, fresh=len(probe)))
                spent = teacher.usage.tokens - before
                if spent:
                    self.reserve = spent
                    rec.metric("acct.analysis_tokens", spent, round=r)
                teacher.check_alive(f"in round {r}")
            self.analysis = analysis or (self.analysis if not probe else "")
            self.focus = [self._focus_of(g, p) for (g, p), _ in
                          sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
            self.notes.append(RoundNote(r, len(correct), len(probe), analysis))
            rec.event("info", f"round {r}: the student got {len(correct)} of {len(probe)} fresh samples "
                              f"right before training; analysis: "
                              f"{analysis[:300] or ('(none: the last round)' if not analyse else '(none)')}",
                      {"analysis": analysis, "wrong": len(wrong), "fresh": len(probe),
                       "error_rates": {k: list(v) for k, v in rates.items()}, "focus": self.focus})
        rec.samples(r, records)
        kept_records = [s for s, _ in fresh]
        acct["prompt_tokens"], acct["completion_tokens"] = (teacher.usage.prompt_tokens,
                                                            teacher.usage.completion_tokens)
        acct["calls"], acct["failed_calls"] = teacher.usage.calls, teacher.usage.failed
        acct["label_cost"] = self.label_cost  # carried into the next round (and a resume)
        if o.budget is not None and teacher.budget is not None:
            self.carry = max(0, teacher.budget - teacher.usage.tokens)
            acct["carry"] = self.carry
        for k, v in acct.items():
            rec.metric(f"acct.{k}", v, round=r)
        rec.event("info", f"round {r}: asked {acct['asked']}, parsed {acct['parsed']}, echoed "
                          f"{acct['echoed']}, unlabelled {acct['unlabelled']}, kept {acct['kept']} "
                          f"({acct['disagree']} relabelled); {teacher.usage.tokens} teacher tokens",
                  {"accounting": acct,
                   "dropped": dict(Counter(s.reason for s in records if not s.kept))})

        earlier = [s.example(ds.task) for s in history]
        if "review" in o.ablate:
            train_set = list(new_examples)
        else:
            train_set = self._with_replay(r, earlier) + new_examples
        if not train_set:
            rec.event("warning", f"round {r}: nothing to train on (the teacher gave no usable sample)")
        stats = self._train(r, student, train_set, new_examples)
        scores = self._evaluate(r, student)
        ckpt = student.save(rec.checkpoint_dir(f"round-{r}"))
        result = RoundResult(
            round=r, train_size=len(self.seeds) + len(history) + len(kept_records),
            generated=len(records), kept=len(kept_records), teacher_tokens=teacher.usage.tokens,
            teacher_cost_usd=round_to(teacher.usage.cost_usd, 6), accuracy=scores["accuracy"],
            macro_f1=scores["macro_f1"], loss=stats.mean_loss if stats.steps else None,
            seconds=time.perf_counter() - t0, analysis=analysis or None, checkpoint=str(ckpt))
        rec.round_done(result)
        rec.event("info", f"round {r}: accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}",
                  result.public())
        self._prune_checkpoints(r)
        return kept_records

    def _with_replay(self, r: int, earlier: list[Example]) -> list[Example]:
        """Seeds plus the earlier kept samples: all of them, or a sample of ``replay``."""
        replay = self.o.recipe(r)["replay"]
        if replay is not None and replay < len(earlier):
            earlier = self._rng(r, "replay").sample(earlier, replay)
        return self.seeds + earlier

    @staticmethod
    def _accounting(records: list[SampleRecord]) -> dict[str, int]:
        echo = ("near-duplicate", "echoes the prompt")
        invalid = ("empty", "too short", "too long", "repetitive")
        acct = dict.fromkeys(ACCOUNTING, 0)
        for s in records:
            if s.reason and s.reason.startswith(("unparseable answer", "teacher error")):
                continue
            acct["parsed"] += 1
            if s.kept:
                acct["kept"] += 1
                acct["disagree"] += int(s.intended is not None and s.intended != s.label)
            elif s.reason in echo:
                acct["echoed"] += 1
            elif s.reason in invalid:
                acct["invalid"] += 1
            else:
                acct["unlabelled"] += 1
        acct["asked"] = sum(s.asked for s in records)
        return acct

    def _mistakes(self, probe: list[Example], preds: list[Any]) -> tuple[list[Mistake], list[Mistake]]:
        wrong: list[Mistake] = []
        correct: list[Mistake] = []
        for ex, p in zip(probe, preds):
            if ex.is_ner:
                gold, pred = entity_string(ex.tokens, ex.tags), entity_string(ex.tokens, p)
                (correct if list(ex.tags) == list(p) else wrong).append(Mistake(ex.display_text(), gold, pred))
            else:
                (correct if ex.label == p else wrong).append(Mistake(ex.text, ex.label, p))
        return wrong, correct

    def _focus_of(self, gold: str, predicted: str) -> str:
        if self.ds is not None and self.ds.task == "ner":
            return "sentences whose entities the student gets wrong"
        return f"{gold} texts that look like {predicted}"

    def _easy_focus(self, info: TaskInfo, n: int, offset: int) -> list[str]:
        labels = info.labels
        if not labels or n <= 0:
            return []
        return [labels[(offset + i) % len(labels)] for i in range(min(n, len(labels)))]

    def _generate_and_label(self, r: int, analysis: str, focus_hard: list[str], notes: list[RoundNote],
                            history: list[SampleRecord], info: TaskInfo
                            ) -> tuple[list[SampleRecord], list[tuple[SampleRecord, Example]]]:
        o, teacher, ds = self.o, self.teacher, self.ds
        assert teacher is not None and ds is not None
        if o.method == "static":
            plan = [("static", o.per_round)]
        else:
            n_easy = 0 if "easy" in o.ablate else int(round(o.per_round * o.easy_ratio))
            plan = [(k, n) for k, n in (("hard", o.per_round - n_easy), ("easy", n_easy)) if n > 0]
        # Duplicates are judged against the seeds, every kept sample, and this round's texts.
        dedupe = NearDuplicateFilter([e.display_text() for e in self.seeds] + [s.text for s in history])
        records: list[SampleRecord] = []
        kept: list[tuple[SampleRecord, Example]] = []
        calls = 0
        batch = 0
        while True:
            if teacher.exhausted() or calls >= o.max_generation_calls:
                break
            if o.budget is None and batch >= UNBUDGETED_BATCHES:
                break
            self._progress(r, "teacher generating", 0.1 + min(0.25, 0.05 * batch),
                           teacher_tokens=teacher.usage.tokens)
            calls_before = calls
            for kind, n in plan:
                if teacher.exhausted() or calls >= o.max_generation_calls:
                    break
                n = self._affordable(n)
                if n < 1:
                    break  # what is left could not pay for a text and its label
                candidates: list[Candidate] = []
                if kind == "hard":
                    # Near the weaknesses: the latest confusions, or every label in round 1.
                    focus = focus_hard
                elif kind == "easy":
                    focus = ([f.split(" texts that look like ")[0] for f in focus_hard][:n]
                             if focus_hard and info.task != "ner" else self._easy_focus(info, n, r + batch))
                else:
                    focus = self._easy_focus(info, len(info.labels), r + batch)
                seed = self._call_seed(r, 1 + calls)
                gen = self._arun(lambda: teacher.generate(kind, n, analysis=analysis, focus=focus,
                                                          history=notes, seed=seed))
                calls += 1
                if gen is None:
                    break
                teacher.check_alive(f"in round {r}")
                if not gen.ok:
                    records.append(SampleRecord(r, gen.raw[:2000], None, kind, False,
                                                f"teacher error: {gen.error}", asked=n))
                    continue
                items = gen.labelled
                if not items:
                    records.append(SampleRecord(r, gen.raw[:2000], None, kind, False,
                                                "unparseable answer", asked=n))
                    continue
                first = True
                for it in items:
                    verdict = dedupe.check(it.text, prompt=gen.prompt)
                    asked = n if first else 0
                    first = False
                    if verdict.reason:
                        records.append(SampleRecord(r, verdict.text, None, kind, False, verdict.reason,
                                                    intended=it.label, asked=asked))
                    else:
                        candidates.append(Candidate(kind, verdict.text, it.label, it.entities, asked))
                if candidates:
                    # Labelled right after its call: no text is written that the budget cannot label.
                    self._progress(r, "teacher labelling", 0.3, teacher_tokens=teacher.usage.tokens)
                    before = teacher.usage.tokens
                    recs, pairs = self._label(r, candidates, info, calls)
                    records += recs
                    kept += pairs
                    labelled = sum(1 for x in recs if x.reason != "teacher budget spent")
                    if labelled and "separation" not in o.ablate:
                        self.label_cost = max(1, (teacher.usage.tokens - before) // labelled)
            batch += 1
            if calls == calls_before:
                break  # the budget left could not pay for another call: the round's generation is over
            if o.budget is None and (kept or any(s.reason in ("near-duplicate", "too short")
                                                  for s in records)):
                break  # one answered batch is a round's worth without a budget
            self._check_stop()
        return records, kept

    def _affordable(self, n: int) -> int:
        """How many of ``n`` texts the round's budget can still pay for: each costs about 60
        completion tokens to write and one labelling call (its measured mean cost), and the
        call itself about GENERATION_OVERHEAD tokens of prompt. No budget: all of them."""
        teacher = self.teacher
        assert teacher is not None
        left = teacher.remaining()
        if left is None:
            return n
        left -= teacher.reserve
        per_text = 60 + (0 if "separation" in self.o.ablate else self.label_cost)
        return max(0, min(n, (left - GENERATION_OVERHEAD) // per_text))

    def _label(self, r: int, candidates: list[Candidate], info: TaskInfo, calls: int
               ) -> tuple[list[SampleRecord], list[tuple[SampleRecord, Example]]]:
        teacher, ds = self.teacher, self.ds
        assert teacher is not None and ds is not None
        intended = [self._preset_label(c, info) for c in candidates]
        if "separation" in self.o.ablate:
            results = intended
        else:
            seed = self._call_seed(r, 500 + calls * 20)
            results = self._arun(lambda: teacher.label_all([c.text for c in candidates], seed))
        records: list[SampleRecord] = []
        pairs: list[tuple[SampleRecord, Example]] = []
        for cand, want, res in zip(candidates, intended, results):
            asked = cand.asked
            want_json = (json.dumps(want.tags) if want.tags is not None else None) if ds.task == "ner" \
                else want.label
            if ds.task == "ner":
                if res.tags is None:
                    records.append(SampleRecord(r, cand.text, None, cand.kind, False, res.reason,
                                                intended=want_json, asked=asked))
                    continue
                ex = Example(tokens=tuple(parsers.tokenize(cand.text)), tags=tuple(res.tags))
            else:
                if res.label is None:
                    records.append(SampleRecord(r, cand.text, None, cand.kind, False, res.reason,
                                                intended=want_json, asked=asked))
                    continue
                ex = Example(text=cand.text, label=res.label)
            record = SampleRecord(r, ex.display_text(), ex.label_json(), cand.kind, True,
                                  intended=want_json, asked=asked)
            records.append(record)
            pairs.append((record, ex))
        return records, pairs

    def _preset_label(self, cand: Candidate, info: TaskInfo) -> LabelResult:
        """The label (NER: tags) the generation call meant the text to have."""
        if info.task == "ner":
            if cand.label is None:
                return LabelResult(None, reason="no entities with the text")
            tags = entity_tags(cand.text, list(cand.entities))
            if tags is None:
                return LabelResult(None, reason="an entity the teacher named is not in the text")
            return LabelResult("ner", tags=tags)
        if cand.label is None:
            return LabelResult(None, reason="no label with the text")
        return LabelResult(cand.label)

    # -- training and evaluation ----------------------------------------------------------
    def _train(self, r: int, student: Student, examples: list[Example], new: list[Example]) -> Any:
        o, rec = self.o, self.rec
        recipe = o.recipe(r)
        if "recipe" in o.ablate and r > 0:
            # The old loop trained the newest batch + seeds + 10 replayed earlier samples.
            earlier = [e for e in examples if e not in self.seeds and e not in new]
            replay = self._rng(r, "replay").sample(earlier, min(recipe["replay"], len(earlier)))
            examples = list(new) + self.seeds + replay
        last = [0.0]

        def on_step(step: int, total: int, loss: float) -> None:
            rec.metric("loss", loss, round=r, step=step)
            now = time.perf_counter()
            if now - last[0] > 0.5 or step == total:
                last[0] = now
                self._progress(r, "training student", 0.6 + 0.3 * step / total, step=step, steps=total)

        self._progress(r, "training student", 0.6, step=0, steps=0)
        stats = student.train(examples, epochs=recipe["epochs"], batch_size=o.batch_size, lr=recipe["lr"],
                              min_steps=recipe["min_steps"], balanced=recipe["balanced"],
                              seed=self._torch_seed(r), on_step=on_step, should_stop=rec.should_stop)
        if stats.steps:
            rec.metric("train_samples_per_s", stats.samples_per_s, round=r)
            rec.metric("round_train_examples", len(examples), round=r)
            rec.metric("round_train_steps", stats.steps, round=r)
        return stats

    def _evaluate(self, r: int, student: Student) -> dict[str, float]:
        assert self.ds is not None
        self._progress(r, "evaluating", 0.92)
        scores = student.evaluate(self.ds.test, should_stop=self.rec.should_stop)
        for name in ("accuracy", "macro_f1", "entity_f1"):
            if name in scores:
                self.rec.metric(name, scores[name], round=r)
        # The confusion matrix of every round (the last one is the final one): counts of
        # (gold, predicted) pairs; for NER, of entity-level (gold type, predicted type).
        pairs = scores.get("confusion", {})
        for (g, p), n in pairs.items():
            self.rec.metric(f"confusion:{g}|{p}", n, round=r)
        if pairs:
            labels = confusion_labels(self.ds, pairs)
            matrix = [[int(pairs.get((g, p), 0)) for p in labels] for g in labels]
            # In the shape `workbench report` reads (rows gold, columns predicted).
            self.rec.event("info", f"round {r}: test confusion matrix recorded",
                           {"round": r, "confusion": {"labels": labels, "matrix": matrix}})
        return scores

    def _prune_checkpoints(self, r: int) -> None:
        keep = self.o.keep_checkpoints
        if keep <= 0:
            return
        import shutil

        for old in range(0, r - keep + 1):
            path = self.rec.checkpoint_dir(f"round-{old}")
            if path.exists():
                shutil.rmtree(path, ignore_errors=True)
                self.rec.checkpoint_pruned(old)

    def _full_shot(self, device: str) -> None:
        o, rec, ds = self.o, self.rec, self.ds
        assert ds is not None
        unit = self._units - 1
        r = o.rounds if o.method != "none" else 0
        t0 = time.perf_counter()
        rec.event("info", f"full-shot reference: training a fresh student on all {len(ds.train)} "
                          f"train examples for {o.full_shot_epochs} epochs")
        student = Student.from_base(o.student, ds.task, ds.labels, device=device, max_length=o.max_length,
                                    seed=self._torch_seed(10_000))
        last = [0.0]

        def on_step(step: int, total: int, loss: float) -> None:
            rec.metric("full_shot_loss", loss, step=step)
            now = time.perf_counter()
            if now - last[0] > 0.5 or step == total:
                last[0] = now
                self._progress(r, "full-shot training", 0.9 * step / total, unit=unit, step=step, steps=total)

        stats = student.train(ds.train, epochs=o.full_shot_epochs, batch_size=max(o.batch_size, 16),
                              lr=o.lr / 2, seed=self._torch_seed(10_000), on_step=on_step,
                              should_stop=rec.should_stop)
        self._progress(r, "full-shot evaluating", 0.92, unit=unit)
        scores = student.evaluate(ds.test, should_stop=rec.should_stop)
        ckpt = student.save(rec.checkpoint_dir("full-shot"))
        result = {"train_size": len(ds.train), "accuracy": round_to(scores["accuracy"], 4),
                  "macro_f1": round_to(scores["macro_f1"], 4), "epochs": o.full_shot_epochs,
                  "train_samples_per_s": round_to(stats.samples_per_s, 2),
                  "seconds": round_to(time.perf_counter() - t0, 2), "checkpoint": str(ckpt)}
        rec.save_full_shot(result)
        rec.event("info", f"full-shot: accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}",
                  result)


def teacher_params(o: EvoKDOptions, model_params: dict[str, Any]) -> dict[str, Any]:
    """The teacher's sampling settings by issue 26's rule: a value given on the command line,
    else the model's params in models.toml, else this command's default. Labelling is greedy
    (temperature 0) whatever the rule says: a label is a judgement, not a creative choice."""
    if o.temperature is not None:
        temperature, source = o.temperature, "command line"
    elif isinstance(model_params.get("temperature"), (int, float)):
        temperature, source = float(model_params["temperature"]), "models.toml"
    else:
        temperature, source = DEFAULT_TEMPERATURE, "default"
    out = {k: v for k, v in model_params.items() if k != "temperature"}
    out.update(temperature=temperature, temperature_from=source, label_temperature=0.0,
               max_new_tokens=o.max_new_tokens, schema=o.schema)
    return out


def confusion_labels(ds: Dataset, pairs: dict[tuple[str, str], int]) -> list[str]:
    """Rows and columns of a confusion matrix: the classes, or for NER the entity types and O."""
    if ds.task == "ner":
        return sorted({t for t in ds.entity_types} | {x for pair in pairs for x in pair} - {"O"}) + ["O"]
    return list(ds.labels) + sorted({x for pair in pairs for x in pair} - set(ds.labels))


def error_rates(probe: list[Example], preds: list[Any]) -> dict[str, tuple[int, int]]:
    """Per gold class (per entity type for NER): (wrong, total) on the probe samples."""
    out: dict[str, list[int]] = {}
    for ex, p in zip(probe, preds):
        if ex.is_ner:
            from .metrics import bio_spans

            gold, pred = bio_spans(list(ex.tags)), bio_spans(list(p))
            for span in gold:
                c = out.setdefault(span[2], [0, 0])
                c[1] += 1
                c[0] += int(span not in pred)
        else:
            c = out.setdefault(ex.label, [0, 0])
            c[1] += 1
            c[0] += int(ex.label != p)
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def entity_string(tokens: Any, tags: Any) -> str:
    from .metrics import bio_spans

    spans = sorted(bio_spans(list(tags)))
    if not spans:
        return "no entities"
    return ", ".join(f"{' '.join(tokens[s:e])} ({t})" for s, e, t in spans)


def round_to(x: float, digits: int) -> float:
    return float(round(x, digits))
