"""The EvoKD loop, and the same engine running the ``none`` and ``static`` baselines.

Round 0 trains the student on K examples per class. Each round r >= 1 then:

1. the student predicts on the probe set (round r-1's kept samples; the seed data when r=1);
2. the teacher reads the task, the labels, the wrong predictions and a few correct ones,
   and writes a weakness analysis;
3. the teacher writes new texts as JSON: hard ones aimed at the analysis and easy ones;
   each text is labelled separately (a labelling call, or local label scoring); empty,
   unparseable and near-duplicate texts are dropped and stored with the reason;
4. the student trains on the new batch plus the seeds and a replay sample of earlier
   batches, is evaluated on the test set, and the round is stored with a checkpoint.

With a per-round teacher-token budget, rounds keep generating and labelling batches until
the budget is spent, so methods are compared at equal teacher tokens: ``static`` spends
its budget on generation and labelling alone, EvoKD also pays for the analysis.

Every random choice comes from a stream named by (seed, round, purpose), and each round
re-seeds torch, so a resumed job repeats exactly what an uninterrupted one would do.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

from . import parsers
from .data import Dataset, Example, kshot, load_dataset
from .dedupe import NearDuplicateFilter
from .options import EvoKDOptions, OptionsError
from .prompts import Mistake, TaskInfo
from .recorder import Recorder, RoundResult, SampleRecord
from .student import Cancelled, Student, configure_threads, resolve_device
from .teacher import LabelResult, LocalLabelScorer, Teacher, TeacherFailed

# Without a budget a round asks for one batch, and tries again (up to this many batches)
# only when the teacher's answers gave no usable text at all.
UNBUDGETED_BATCHES = 3
DESCRIPTIONS = {"bbc-news": "BBC news articles"}


class ResumeError(Exception):
    """A job that cannot continue from its stored state."""


@dataclass
class Candidate:
    kind: str
    text: str
    label: str | None = None  # from the generation call (no-separation ablation)
    entities: tuple[tuple[str, str], ...] = ()


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
        scorer = None
        wants_score = self.o.label_mode in ("auto", "score") and "separation" not in self.o.ablate
        if wants_score and info.task == "classification" and spec.is_local:
            from workbench.models.local import LocalModelError

            self.rec.event("info", f"loading local teacher {spec.name} for label scoring")
            try:
                scorer = LocalLabelScorer.for_model(spec.model)
            except LocalModelError as exc:
                raise TeacherFailed(f"teacher {spec.name}: {exc}") from exc
        if self.o.label_mode == "score" and scorer is None:
            raise OptionsError("--label-mode score needs a local causal teacher and a classification task")
        return Teacher(gateway, self.o.teacher, info, temperature=self.o.temperature,
                       max_new_tokens=self.o.max_new_tokens, budget=self.o.budget, scorer=scorer,
                       on_exchange=self.rec.teacher_exchange)

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
            probe_records = [s for s in history if s.round == r - 1]
            probe = [s.example(ds.task) for s in probe_records] or self.seeds
            kept = self._round(r, student, probe, history, info)
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
        stats = self._train(0, student, self.seeds)
        scores = self._evaluate(0, student)
        ckpt = student.save(rec.checkpoint_dir("round-0"))
        result = RoundResult(round=0, train_size=len(self.seeds), generated=0, kept=0, teacher_tokens=0,
                             teacher_cost_usd=0.0, accuracy=scores["accuracy"],
                             macro_f1=scores["macro_f1"], loss=stats.mean_loss,
                             seconds=time.perf_counter() - t0, checkpoint=str(ckpt))
        rec.round_done(result)
        rec.event("info", f"round 0 (K-shot): accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}",
                  result.public())

    # -- rounds 1..R ----------------------------------------------------------------------
    def _round(self, r: int, student: Student, probe: list[Example], history: list[SampleRecord],
               info: TaskInfo) -> list[SampleRecord]:
        o, rec, ds = self.o, self.rec, self.ds
        assert ds is not None and self.teacher is not None
        teacher = self.teacher
        t0 = time.perf_counter()
        teacher.new_round()
        rng = self._rng(r, "round")
        analysis = ""
        focus_hard: list[str] = []

        if o.method == "evokd":
            self._progress(r, "probing student", 0.02)
            preds = student.predict(probe, should_stop=rec.should_stop)
            wrong, correct = self._mistakes(probe, preds)
            rec.metric("probe_accuracy", len(correct) / max(1, len(probe)), round=r)
            wrong_shown = rng.sample(wrong, min(o.show_wrong, len(wrong)))
            correct_shown = [] if "correct" in o.ablate else rng.sample(correct, min(o.show_correct, len(correct)))
            self._progress(r, "teacher analysis", 0.05)
            analysis = self._arun(lambda: teacher.analyse(wrong_shown, correct_shown,
                                                          seed=self._call_seed(r, 0)))
            teacher.check_alive(f"in round {r}")
            focus_hard = self._hard_focus(wrong, info)
            rec.event("info", f"round {r}: {len(wrong)} of {len(probe)} probe examples wrong; analysis: "
                              f"{analysis[:300] or '(none)'}",
                      {"analysis": analysis, "wrong": len(wrong), "probe": len(probe)})

        records, new_examples = self._generate_and_label(r, analysis, focus_hard, history, info)
        rec.samples(r, records)
        teacher.check_alive(f"in round {r}")
        if teacher.usage.calls and teacher.usage.failed == teacher.usage.calls:
            raise TeacherFailed(f"teacher {teacher.model} failed every call in round {r}: "
                                f"{teacher.usage.last_error}")
        generated = len(records)
        kept_records = [s for s in records if s.kept]
        rec.event("info", f"round {r}: teacher gave {generated} samples, kept {len(kept_records)}; "
                          f"{teacher.usage.tokens} teacher tokens",
                  {"dropped": dict(Counter(s.reason for s in records if not s.kept))})

        # Train on the new batch, the seeds and a replay sample of earlier batches.
        train_set = list(new_examples)
        if "review" not in o.ablate:
            earlier = [s.example(ds.task) for s in history]
            replay = self._rng(r, "replay").sample(earlier, min(o.replay_size, len(earlier)))
            train_set += self.seeds + replay
        if not train_set:
            rec.event("warning", f"round {r}: nothing to train on (the teacher gave no usable sample)")
        stats = self._train(r, student, train_set)
        scores = self._evaluate(r, student)
        ckpt = student.save(rec.checkpoint_dir(f"round-{r}"))
        result = RoundResult(
            round=r, train_size=len(self.seeds) + len(history) + len(kept_records), generated=generated,
            kept=len(kept_records), teacher_tokens=teacher.usage.tokens,
            teacher_cost_usd=round_to(teacher.usage.cost_usd, 6), accuracy=scores["accuracy"],
            macro_f1=scores["macro_f1"], loss=stats.mean_loss if stats.steps else None,
            seconds=time.perf_counter() - t0, analysis=analysis or None, checkpoint=str(ckpt))
        rec.round_done(result)
        rec.event("info", f"round {r}: accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}",
                  result.public())
        self._prune_checkpoints(r)
        return kept_records

    def _mistakes(self, probe: list[Example], preds: list[Any]) -> tuple[list[Mistake], list[Mistake]]:
        wrong, correct = [], []
        for ex, p in zip(probe, preds):
            if ex.is_ner:
                gold, pred = entity_string(ex.tokens, ex.tags), entity_string(ex.tokens, p)
                (correct if list(ex.tags) == list(p) else wrong).append(Mistake(ex.display_text(), gold, pred))
            else:
                (correct if ex.label == p else wrong).append(Mistake(ex.text, ex.label, p))
        return wrong, correct

    def _hard_focus(self, wrong: list[Mistake], info: TaskInfo) -> list[str]:
        if info.task == "ner":
            types = Counter(t for m in wrong for t in info.labels if f"({t})" in m.gold or f"({t})" in m.predicted)
            return [f"sentences with {t} entities" for t, _ in types.most_common(3)]
        pairs = Counter((m.gold, m.predicted) for m in wrong)
        return [f"{g} texts that look like {p}" for (g, p), _ in pairs.most_common(3)]

    def _easy_focus(self, info: TaskInfo, n: int, offset: int) -> list[str]:
        labels = info.labels
        if not labels or n <= 0:
            return []
        return [labels[(offset + i) % len(labels)] for i in range(min(n, len(labels)))]

    def _generate_and_label(self, r: int, analysis: str, focus_hard: list[str],
                            history: list[SampleRecord], info: TaskInfo
                            ) -> tuple[list[SampleRecord], list[Example]]:
        o, teacher, ds = self.o, self.teacher, self.ds
        assert teacher is not None and ds is not None
        with_labels = "separation" in o.ablate
        if o.method == "static":
            plan = [("static", o.per_round)]
        else:
            n_easy = 0 if "easy" in o.ablate else int(round(o.per_round * o.easy_ratio))
            plan = [(k, n) for k, n in (("hard", o.per_round - n_easy), ("easy", n_easy)) if n > 0]
        # Duplicates are judged against the seeds, every kept sample, and this round's texts.
        dedupe = NearDuplicateFilter([e.display_text() for e in self.seeds] + [s.text for s in history])
        records: list[SampleRecord] = []
        examples: list[Example] = []
        calls = 0
        batch = 0
        while True:
            if teacher.exhausted() or calls >= o.max_generation_calls:
                break
            if o.budget is None and batch >= UNBUDGETED_BATCHES:
                break
            self._progress(r, "teacher generating", 0.1 + min(0.35, 0.1 * batch),
                           teacher_tokens=teacher.usage.tokens)
            candidates: list[Candidate] = []
            for kind, n in plan:
                if teacher.exhausted() or calls >= o.max_generation_calls:
                    break
                if kind == "hard":
                    focus = focus_hard
                elif kind == "easy":
                    focus = self._easy_focus(info, n, r + batch)
                else:
                    focus = self._easy_focus(info, len(info.labels), r + batch)
                seed = self._call_seed(r, 1 + calls)
                gen = self._arun(lambda: teacher.generate(kind, n, analysis=analysis, focus=focus,
                                                          seed=seed, with_labels=with_labels))
                calls += 1
                if gen is None:
                    break
                teacher.check_alive(f"in round {r}")
                if not gen.ok:
                    records.append(SampleRecord(r, gen.raw[:2000], None, kind, False,
                                                f"teacher error: {gen.error}"))
                    continue
                items = gen.labelled or [parsers.Labelled(t, None) for t in gen.texts]
                if not items:
                    records.append(SampleRecord(r, gen.raw[:2000], None, kind, False, "unparseable"))
                    continue
                for it in items:
                    verdict = dedupe.check(it.text, prompt=gen.prompt)
                    if verdict.reason:
                        records.append(SampleRecord(r, verdict.text, None, kind, False, verdict.reason))
                    else:
                        candidates.append(Candidate(kind, verdict.text, it.label, it.entities))
            batch += 1
            if candidates:
                self._progress(r, "teacher labelling", 0.45, teacher_tokens=teacher.usage.tokens)
                recs, exs = self._label(r, candidates, info, with_labels, calls)
                records += recs
                examples += exs
            if o.budget is None and (examples or any(s.reason in ("near-duplicate", "too short")
                                                      for s in records)):
                break  # one answered batch is a round's worth without a budget
            self._check_stop()
        return records, examples

    def _label(self, r: int, candidates: list[Candidate], info: TaskInfo, with_labels: bool,
               calls: int) -> tuple[list[SampleRecord], list[Example]]:
        teacher, ds = self.teacher, self.ds
        assert teacher is not None and ds is not None
        if with_labels:
            results = [self._preset_label(c, info) for c in candidates]
        else:
            seed = self._call_seed(r, 500 + calls * 20)
            results = self._arun(lambda: teacher.label_all([c.text for c in candidates], seed))
        records: list[SampleRecord] = []
        examples: list[Example] = []
        for cand, res in zip(candidates, results):
            if ds.task == "ner":
                if res.tags is None:
                    records.append(SampleRecord(r, cand.text, None, cand.kind, False, res.reason))
                    continue
                tokens = parsers.tokenize(cand.text)
                ex = Example(tokens=tuple(tokens), tags=tuple(res.tags))
            else:
                if res.label is None:
                    records.append(SampleRecord(r, cand.text, None, cand.kind, False, res.reason))
                    continue
                ex = Example(text=cand.text, label=res.label)
            examples.append(ex)
            records.append(SampleRecord(r, ex.display_text(), ex.label_json(), cand.kind, True))
        return records, examples

    def _preset_label(self, cand: Candidate, info: TaskInfo) -> LabelResult:
        if info.task == "ner":
            if not cand.entities:
                return LabelResult(None, reason="no entities with the text")
            tags = parsers.spans_to_bio(parsers.tokenize(cand.text), list(cand.entities))
            if tags is None:
                return LabelResult(None, reason="an entity the teacher named is not in the text")
            return LabelResult("ner", tags=tags)
        if cand.label is None:
            return LabelResult(None, reason="no label with the text")
        return LabelResult(cand.label)

    # -- training and evaluation ----------------------------------------------------------
    def _train(self, r: int, student: Student, examples: list[Example]) -> Any:
        o, rec = self.o, self.rec
        last = [0.0]

        def on_step(step: int, total: int, loss: float) -> None:
            rec.metric("loss", loss, round=r, step=step)
            now = time.perf_counter()
            if now - last[0] > 0.5 or step == total:
                last[0] = now
                self._progress(r, "training student", 0.5 + 0.4 * step / total, step=step, steps=total)

        self._progress(r, "training student", 0.5, step=0, steps=0)
        stats = student.train(examples, epochs=o.epochs, batch_size=o.batch_size, lr=o.lr,
                              min_steps=o.min_steps, seed=self._torch_seed(r), on_step=on_step,
                              should_stop=rec.should_stop)
        if stats.steps:
            rec.metric("train_samples_per_s", stats.samples_per_s, round=r)
            rec.metric("round_train_examples", len(examples), round=r)
        return stats

    def _evaluate(self, r: int, student: Student) -> dict[str, float]:
        assert self.ds is not None
        self._progress(r, "evaluating", 0.92)
        scores = student.evaluate(self.ds.test, should_stop=self.rec.should_stop)
        for name in ("accuracy", "macro_f1"):
            self.rec.metric(name, scores[name], round=r)
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


def entity_string(tokens: Any, tags: Any) -> str:
    from .metrics import bio_spans

    spans = sorted(bio_spans(list(tags)))
    if not spans:
        return "no entities"
    return ", ".join(f"{' '.join(tokens[s:e])} ({t})" for s, e, t in spans)


def round_to(x: float, digits: int) -> float:
    return float(round(x, digits))
