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

The steps live one job per module; :class:`EvoKDRun` runs them in order:

- ``context``: what every step shares (options, recorder, data, teacher, random streams,
  progress, the event loop teacher calls run on, what a round leaves to the next)
- ``prepare``: the task as the teacher sees it, the teacher and its sampling settings
- ``generation``: step 1, the teacher's texts for the round, deduplicated, within the budget
- ``labelling``: step 2, the separate labelling call, and the round's acceptance accounting
- ``analysis``: step 3, the student probed on the fresh samples, the teacher's analysis
- ``training``: step 4, training, evaluation, checkpoint pruning, the full-shot reference
- ``resume``: continuing a job after its last finished round
"""

from __future__ import annotations

import time
from typing import Any, Callable

from .analysis import entity_string, error_rates, probe_and_analyse
from .context import ANALYSIS_RESERVE, LABEL_COST, RunContext, round_to
from .data import kshot, load_dataset
from .generation import GENERATION_OVERHEAD, UNBUDGETED_BATCHES, generate_and_label
from .labelling import Candidate, accounting, record_accounting
from .options import EvoKDOptions
from .prepare import DEFAULT_TEMPERATURE, DESCRIPTIONS, make_teacher, task_info, teacher_params
from .prompts import TaskInfo
from .recorder import Recorder, RoundResult, SampleRecord
from .resume import ResumeError, resume
from .student import Student, configure_threads, resolve_device
from .teacher import TeacherFailed
from .training import confusion_labels, evaluate, full_shot, prune_checkpoints, train, with_replay

# Names that lived here before the steps moved to their own modules.
__all__ = [
    "ANALYSIS_RESERVE", "DEFAULT_TEMPERATURE", "DESCRIPTIONS", "GENERATION_OVERHEAD", "LABEL_COST",
    "UNBUDGETED_BATCHES", "Candidate", "EvoKDRun", "ResumeError", "confusion_labels", "entity_string",
    "error_rates", "round_to", "teacher_params",
]


class EvoKDRun:
    def __init__(self, opts: EvoKDOptions, recorder: Recorder,
                 gateway_factory: Callable[[], Any] | None = None):
        self.o = opts
        self.rec = recorder
        self.gateway_factory = gateway_factory
        self.ctx = RunContext(opts, recorder)

    def close(self) -> None:
        self.ctx.close()

    # -- the run --------------------------------------------------------------------------
    def run(self) -> None:
        ctx = self.ctx
        o = self.o.validate()
        rec = self.rec
        rec.progress(phase="loading data", fraction=0.0, round=0, rounds=o.rounds)
        ds = load_dataset(o.dataset, None if o.task == "auto" else o.task, test_limit=o.test_limit,
                          seed=o.seed)
        ctx.ds = ds
        for note in ds.notes:
            rec.event("info", note)
        device = resolve_device(o.device)
        threads = configure_threads(o.threads)
        rounds = o.rounds if o.method != "none" else 0
        ctx.units = rounds + 1 + (1 if o.full_shot else 0)
        ctx.seeds = kshot(ds.train, o.shots, o.seed)
        rec.event("info", f"{ds.name}: {ds.task}, {len(ds.labels)} labels, {len(ds.train)} train, "
                          f"{len(ds.test)} test; {len(ctx.seeds)} seed examples ({o.shots}-shot); "
                          f"device {device}" + (f" ({threads} CPU threads)" if device == "cpu" else ""),
                  ds.summary())
        info = task_info(ctx, ds)

        finished = rec.finished_rounds()
        history: list[SampleRecord] = []  # kept generated samples of finished rounds
        if finished:
            student, history, start = resume(ctx, finished, device)
        else:
            rec.discard_after(-1)
            ctx.progress(0, "loading student", 0.05)
            student = Student.from_base(o.student, ds.task, ds.labels, device=device,
                                        max_length=o.max_length, seed=ctx.torch_seed(0))
            self._round_zero(student)
            start = 1

        if start <= rounds:
            ctx.teacher = make_teacher(ctx, info, self.gateway_factory)
        for r in range(start, rounds + 1):
            kept = self._round(r, student, history, info)
            history.extend(kept)
        if rounds == 0 and o.method == "none":
            rec.event("info", "baseline none: the K-shot student only, no teacher rounds")

        if o.full_shot and rec.full_shot() is None:
            full_shot(ctx, device)
        rec.progress(phase="done", fraction=1.0, round=rounds, rounds=rounds)

    # -- round 0 --------------------------------------------------------------------------
    def _round_zero(self, student: Student) -> None:
        ctx, rec = self.ctx, self.rec
        t0 = time.perf_counter()
        rec.samples(0, [SampleRecord.of(0, e, "seed") for e in ctx.seeds])
        stats = train(ctx, 0, student, ctx.seeds, [])
        scores = evaluate(ctx, 0, student)
        ckpt = student.save(rec.checkpoint_dir("round-0"))
        result = RoundResult(round=0, train_size=len(ctx.seeds), generated=0, kept=0, teacher_tokens=0,
                             teacher_cost_usd=0.0, accuracy=scores["accuracy"],
                             macro_f1=scores["macro_f1"], loss=stats.mean_loss,
                             seconds=time.perf_counter() - t0, checkpoint=str(ckpt))
        rec.round_done(result)
        rec.event("info", f"round 0 (K-shot): accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}",
                  result.public())

    # -- rounds 1..R ----------------------------------------------------------------------
    def _round(self, r: int, student: Student, history: list[SampleRecord], info: TaskInfo
               ) -> list[SampleRecord]:
        ctx = self.ctx
        o, rec, ds = ctx.o, ctx.rec, ctx.ds
        assert ds is not None and ctx.teacher is not None
        teacher = ctx.teacher
        t0 = time.perf_counter()
        teacher.new_round()
        if o.budget is not None:
            # What earlier rounds left unspent carries over: a round stops when the next text
            # would not fit, and EvoKD's analysis may cost less than was kept back for it, so
            # without this the methods' totals drift apart by those remainders.
            teacher.budget = o.budget + ctx.carry
        evokd = o.method == "evokd"
        # The analysis of round r feeds round r+1: the last round needs none.
        analyse = evokd and r < o.rounds
        teacher.reserve = ctx.reserve if analyse and o.budget is not None else 0
        notes = ctx.notes if "history" not in o.ablate else []
        notes = notes[-o.history:] if o.history > 0 else []

        # 1-2. the teacher writes the round's texts; each is labelled by a separate call
        records, fresh = generate_and_label(ctx, r, ctx.analysis, ctx.focus, notes, history, info)
        teacher.check_alive(f"in round {r}")
        if teacher.usage.calls and teacher.usage.failed == teacher.usage.calls:
            raise TeacherFailed(f"teacher {teacher.model} failed every call in round {r}: "
                                f"{teacher.usage.last_error}")
        new_examples = [ex for _, ex in fresh]
        acct = accounting(records)
        analysis = ""
        if evokd:
            # 3. the student is probed on the fresh samples; the teacher analyses its mistakes
            analysis = probe_and_analyse(ctx, r, student, history, fresh, notes, analyse)
        rec.samples(r, records)
        kept_records = [s for s, _ in fresh]
        record_accounting(ctx, r, records, acct)

        # 4. the student trains on everything kept so far, is evaluated, and the round stored
        earlier = [s.example(ds.task) for s in history]
        if "review" in o.ablate:
            train_set = list(new_examples)
        else:
            train_set = with_replay(ctx, r, earlier) + new_examples
        if not train_set:
            rec.event("warning", f"round {r}: nothing to train on (the teacher gave no usable sample)")
        stats = train(ctx, r, student, train_set, new_examples)
        scores = evaluate(ctx, r, student)
        ckpt = student.save(rec.checkpoint_dir(f"round-{r}"))
        result = RoundResult(
            round=r, train_size=len(ctx.seeds) + len(history) + len(kept_records),
            generated=len(records), kept=len(kept_records), teacher_tokens=teacher.usage.tokens,
            teacher_cost_usd=round_to(teacher.usage.cost_usd, 6), accuracy=scores["accuracy"],
            macro_f1=scores["macro_f1"], loss=stats.mean_loss if stats.steps else None,
            seconds=time.perf_counter() - t0, analysis=analysis or None, checkpoint=str(ckpt))
        rec.round_done(result)
        rec.event("info", f"round {r}: accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}",
                  result.public())
        prune_checkpoints(ctx, r)
        return kept_records
