"""What the EvoKD loop writes and reads back: the recorder interface and its records.

The loop never touches SQLite itself; the job worker hands it a recorder
(``workbench.jobs.recorder.SQLiteRecorder``) that writes rounds, samples, metrics,
events and progress, and reads finished rounds back for a resume.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from .data import Example

# The budget accounting of a teacher round, stored as metrics ``acct.<name>`` of the round.
ACCOUNTING = ("asked", "parsed", "echoed", "invalid", "unlabelled", "kept", "disagree",
              "prompt_tokens", "completion_tokens", "calls", "failed_calls")
PUBLIC_ROUND_FIELDS = ("round", "train_size", "generated", "kept", "teacher_tokens", "accuracy",
                       "macro_f1", "seconds")


@dataclass
class RoundResult:
    round: int
    train_size: int  # labelled examples the student has after this round (seed + kept)
    generated: int  # samples the teacher produced this round (kept or dropped)
    kept: int
    teacher_tokens: int
    teacher_cost_usd: float
    accuracy: float
    macro_f1: float
    loss: float | None
    seconds: float
    analysis: str | None = None
    checkpoint: str | None = None

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        out = {k: d[k] for k in PUBLIC_ROUND_FIELDS}
        out["accuracy"] = round(out["accuracy"], 4)
        out["macro_f1"] = round(out["macro_f1"], 4)
        out["seconds"] = round(out["seconds"], 2)
        return out


@dataclass
class SampleRecord:
    round: int
    text: str
    label: str | None  # class name, or JSON tag list for NER; None when unlabelled
    kind: str  # seed | hard | easy | static
    kept: bool
    reason: str | None = None
    intended: str | None = None  # the label the generation call meant (JSON tags for NER)
    predicted: str | None = None  # the student's label before training on it (EvoKD rounds)
    asked: int = 0  # texts asked of the teacher by the call that produced it (first text only)

    def example(self, task: str) -> Example:
        if task == "ner":
            return Example(tokens=tuple(self.text.split(" ")), tags=tuple(json.loads(self.label or "[]")))
        return Example(text=self.text, label=self.label or "")

    @classmethod
    def of(cls, round: int, ex: Example, kind: str) -> "SampleRecord":
        return cls(round=round, text=ex.display_text(), label=ex.label_json(), kind=kind, kept=True)


class Recorder(Protocol):
    """Where a run's results go; implementations must be safe to call from the main thread."""

    def should_stop(self) -> bool: ...

    def event(self, level: str, message: str, data: dict[str, Any] | None = None) -> None: ...

    def metric(self, name: str, value: float, round: int | None = None, step: int | None = None) -> None: ...

    def progress(self, **fields: Any) -> None: ...

    def samples(self, round: int, records: list[SampleRecord]) -> None: ...

    def round_done(self, result: RoundResult) -> None: ...

    def checkpoint_dir(self, name: str) -> Path: ...

    def checkpoint_pruned(self, round: int) -> None: ...

    def finished_rounds(self) -> list[RoundResult]: ...

    def round_metrics(self, round: int) -> dict[str, float]: ...

    def kept_samples(self, up_to_round: int) -> list[SampleRecord]: ...

    def discard_after(self, round: int) -> None: ...

    def full_shot(self) -> dict[str, Any] | None: ...

    def save_full_shot(self, result: dict[str, Any]) -> None: ...

    def teacher_exchange(self, purpose: str, messages: list[dict], response: Any) -> None: ...
