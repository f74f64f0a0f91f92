"""The student's side of a round: its training set (seeds plus earlier kept samples), training
with progress and loss metrics, evaluation on the test set with its confusion matrix, pruning
old checkpoints, and the full-shot reference trained on the whole train set after the last round.
"""

from __future__ import annotations

import time
from typing import Any

from .context import RunContext, round_to
from .data import Dataset, Example
from .student import Student


def with_replay(ctx: RunContext, r: int, earlier: list[Example]) -> list[Example]:
    """Seeds plus the earlier kept samples: all of them, or a sample of ``replay``."""
    replay = ctx.o.recipe(r)["replay"]
    if replay is not None and replay < len(earlier):
        earlier = ctx.rng(r, "replay").sample(earlier, replay)
    return ctx.seeds + earlier


def train(ctx: RunContext, r: int, student: Student, examples: list[Example], new: list[Example]) -> Any:
    o, rec = ctx.o, ctx.rec
    recipe = o.recipe(r)
    if "recipe" in o.ablate and r > 0:
        # The old loop trained the newest batch + seeds + 10 replayed earlier samples.
        earlier = [e for e in examples if e not in ctx.seeds and e not in new]
        replay = ctx.rng(r, "replay").sample(earlier, min(recipe["replay"], len(earlier)))
        examples = list(new) + ctx.seeds + replay
    last = [0.0]

    def on_step(step: int, total: int, loss: float) -> None:
        rec.metric("loss", loss, round=r, step=step)
        now = time.perf_counter()
        if now - last[0] > 0.5 or step == total:
            last[0] = now
            ctx.progress(r, "training student", 0.6 + 0.3 * step / total, step=step, steps=total)

    ctx.progress(r, "training student", 0.6, step=0, steps=0)
    stats = student.train(examples, epochs=recipe["epochs"], batch_size=o.batch_size, lr=recipe["lr"],
                          min_steps=recipe["min_steps"], balanced=recipe["balanced"],
                          seed=ctx.torch_seed(r), on_step=on_step, should_stop=rec.should_stop)
    if stats.steps:
        rec.metric("train_samples_per_s", stats.samples_per_s, round=r)
        rec.metric("round_train_examples", len(examples), round=r)
        rec.metric("round_train_steps", stats.steps, round=r)
    return stats


def evaluate(ctx: RunContext, r: int, student: Student) -> dict[str, float]:
    assert ctx.ds is not None
    ctx.progress(r, "evaluating", 0.92)
    scores = student.evaluate(ctx.ds.test, should_stop=ctx.rec.should_stop)
    for name in ("accuracy", "macro_f1", "entity_f1"):
        if name in scores:
            ctx.rec.metric(name, scores[name], round=r)
    # The confusion matrix of every round (the last one is the final one): counts of
    # (gold, predicted) pairs; for NER, of entity-level (gold type, predicted type).
    pairs = scores.get("confusion", {})
    for (g, p), n in pairs.items():
        ctx.rec.metric(f"confusion:{g}|{p}", n, round=r)
    if pairs:
        labels = confusion_labels(ctx.ds, pairs)
        matrix = [[int(pairs.get((g, p), 0)) for p in labels] for g in labels]
        # In the shape `workbench report` reads (rows gold, columns predicted).
        ctx.rec.event("info", f"round {r}: test confusion matrix recorded",
                      {"round": r, "confusion": {"labels": labels, "matrix": matrix}})
    return scores


def prune_checkpoints(ctx: RunContext, r: int) -> None:
    keep = ctx.o.keep_checkpoints
    if keep <= 0:
        return
    import shutil

    for old in range(0, r - keep + 1):
        path = ctx.rec.checkpoint_dir(f"round-{old}")
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
            ctx.rec.checkpoint_pruned(old)


def full_shot(ctx: RunContext, device: str) -> None:
    o, rec, ds = ctx.o, ctx.rec, ctx.ds
    assert ds is not None
    unit = ctx.units - 1
    r = o.rounds if o.method != "none" else 0
    t0 = time.perf_counter()
    rec.event("info", f"full-shot reference: training a fresh student on all {len(ds.train)} "
                      f"train examples for {o.full_shot_epochs} epochs")
    student = Student.from_base(o.student, ds.task, ds.labels, device=device, max_length=o.max_length,
                                seed=ctx.torch_seed(10_000))
    last = [0.0]

    def on_step(step: int, total: int, loss: float) -> None:
        rec.metric("full_shot_loss", loss, step=step)
        now = time.perf_counter()
        if now - last[0] > 0.5 or step == total:
            last[0] = now
            ctx.progress(r, "full-shot training", 0.9 * step / total, unit=unit, step=step, steps=total)

    stats = student.train(ds.train, epochs=o.full_shot_epochs, batch_size=max(o.batch_size, 16),
                          lr=o.lr / 2, seed=ctx.torch_seed(10_000), on_step=on_step,
                          should_stop=rec.should_stop)
    ctx.progress(r, "full-shot evaluating", 0.92, unit=unit)
    scores = student.evaluate(ds.test, should_stop=rec.should_stop)
    ckpt = student.save(rec.checkpoint_dir("full-shot"))
    result = {"train_size": len(ds.train), "accuracy": round_to(scores["accuracy"], 4),
              "macro_f1": round_to(scores["macro_f1"], 4), "epochs": o.full_shot_epochs,
              "train_samples_per_s": round_to(stats.samples_per_s, 2),
              "seconds": round_to(time.perf_counter() - t0, 2), "checkpoint": str(ckpt)}
    rec.save_full_shot(result)
    rec.event("info", f"full-shot: accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}",
              result)


def confusion_labels(ds: Dataset, pairs: dict[tuple[str, str], int]) -> list[str]:
    """Rows and columns of a confusion matrix: the classes, or for NER the entity types and O."""
    if ds.task == "ner":
        return sorted({t for t in ds.entity_types} | {x for pair in pairs for x in pair} - {"O"}) + ["O"]
    return list(ds.labels) + sorted({x for pair in pairs for x in pair} - set(ds.labels))
