"""Continuing a job from its last finished round: the stored rounds, samples and metrics give
back the student (its checkpoint), the replay buffer, and what drives the next round (the
history notes, analysis, focus and the budget's measured costs), so a resumed job repeats
exactly what an uninterrupted one would."""

from __future__ import annotations

from pathlib import Path

from .analysis import focus_of
from .context import RunContext
from .prompts import RoundNote
from .recorder import RoundResult, SampleRecord
from .student import Student


class ResumeError(Exception):
    """A job that cannot continue from its stored state."""


def resume(ctx: RunContext, finished: list[RoundResult], device: str) -> tuple[Student, list[SampleRecord], int]:
    """The student, the kept generated samples and the next round, after the last finished
    round; what an interrupted round wrote after it is discarded."""
    o, rec, ds = ctx.o, ctx.rec, ctx.ds
    assert ds is not None
    last = finished[-1]
    if not last.checkpoint or not Path(last.checkpoint).exists():
        raise ResumeError(f"cannot resume: the checkpoint of round {last.round} is missing "
                          f"({last.checkpoint}); start a new job")
    rec.discard_after(last.round)
    student = Student.from_checkpoint(last.checkpoint, ds.task, device=device,
                                      max_length=o.max_length)
    history = [s for s in rec.kept_samples(last.round) if s.kind != "seed"]
    restore_notes(ctx, finished)
    start = last.round + 1
    rec.event("info", f"resumed after round {last.round} from {last.checkpoint}",
              {"round": last.round, "replay_buffer": len(history)})
    return student, history, start


def restore_notes(ctx: RunContext, finished: list[RoundResult]) -> None:
    """After a resume: the history, analysis and focus the finished rounds left behind."""
    for row in finished:
        if row.round == 0:
            continue
        m = ctx.rec.round_metrics(row.round)
        if "fresh.total" in m:
            ctx.notes.append(RoundNote(row.round, int(m.get("fresh.correct", 0)),
                                       int(m["fresh.total"]), row.analysis or ""))
        if "acct.analysis_tokens" in m:
            ctx.reserve = max(1, int(m["acct.analysis_tokens"]))
        if "acct.carry" in m:
            ctx.carry = int(m["acct.carry"])
        if "acct.label_cost" in m:
            ctx.label_cost = max(1, int(m["acct.label_cost"]))
        ctx.analysis = row.analysis or ""
        pairs = sorted(((v, k) for k, v in m.items() if k.startswith("fresh.confusion:")),
                       key=lambda kv: (-kv[0], kv[1]))
        ctx.focus = [focus_of(ctx.ds, *k.split(":", 1)[1].split("|", 1)) for _, k in pairs[:3]]
