"""Judges the workbench trains itself: a distilled ICE judge (see ``distilled``).

This package's top level stays light (no torch): the CLI and the runners ask it whether a
``--judge`` value names a distilled judge before anything heavy loads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

META_FILE = "judge.json"
FORMAT = "workbench-distilled-judge"
# Judges that ship inside the package, by the name ``--judge`` takes and verdict rows carry.
BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
BUILTIN = ("learned",)


def builtin_folder(name: str | None) -> Path | None:
    """The folder of the built-in judge ``name`` ("learned"), when it is installed."""
    if name in BUILTIN and (BUILTIN_DIR / name / META_FILE).is_file():
        return BUILTIN_DIR / name
    return None


def judge_folder(name: str) -> Path:
    """Where the distilled judge ``name`` lives: a built-in's package folder, else the path."""
    return builtin_folder(name) or Path(name).expanduser()


class JudgeError(Exception):
    """A judge that cannot be trained, found or loaded; the message says what to fix."""


def looks_like_path(name: str) -> bool:
    """Whether ``--judge`` was given a folder rather than 'rule' or a gateway model name."""
    if name.startswith((".", "~", "/")) or "\\" in name:
        return True
    p = Path(name).expanduser()
    return p.is_dir()


def is_distilled(name: str | None) -> bool:
    """Whether ``name`` is a folder holding a distilled judge (its ``judge.json``)."""
    if not name or name == "rule":
        return False
    if builtin_folder(name) is not None:
        return True
    try:
        return (Path(name).expanduser() / META_FILE).is_file()
    except OSError:
        return False


def judge_key(name: str) -> str:
    """The name verdict rows carry: a built-in's name, the absolute folder of a distilled judge,
    else ``name``."""
    if builtin_folder(name) is not None:
        return name
    if is_distilled(name):
        return str(Path(name).expanduser().resolve())
    return name


def read_meta(folder: str | Path) -> dict:
    path = Path(folder).expanduser() / META_FILE
    if not path.is_file():
        raise JudgeError(f"{folder} holds no distilled judge (no {META_FILE}): train one with "
                         "`workbench judge train --from RUN --out DIR`")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise JudgeError(f"{path} is not valid JSON: {exc}") from exc
    if meta.get("format") != FORMAT:
        raise JudgeError(f"{path} is not a workbench distilled judge (format {meta.get('format')!r})")
    return meta


# ``paper:MODEL`` asks MODEL the loose question as the ICE paper's judge does (probes.judges.llm).
PAPER_PREFIX = "paper:"


def llm_judge_parts(name: str) -> tuple[str, str]:
    """(the model to ask, the loose prompt style) of an LLM judge name: ``paper:gpt-4o-mini``
    is gpt-4o-mini asked with the ICE paper's prompt; a plain model name uses ours."""
    from probes.judges import PAPER_STYLE, WORKBENCH_STYLE

    if name.startswith(PAPER_PREFIX):
        return name[len(PAPER_PREFIX):].strip(), PAPER_STYLE
    return name, WORKBENCH_STYLE


def judge_model(name: str) -> str:
    """The gateway model an LLM judge name asks (``paper:X`` asks X)."""
    return llm_judge_parts(name)[0]


def check_judge_name(name: str) -> str:
    """Validate a path-like ``--judge`` and return the key to store; other names pass through."""
    if name.startswith(PAPER_PREFIX):
        model = judge_model(name)
        if not model:
            raise JudgeError("paper: needs a model after it, e.g. paper:gpt-4o-mini (the ICE paper's "
                             "judge prompt asked to that model)")
        if model == "rule" or model in BUILTIN or looks_like_path(model):
            raise JudgeError(f"paper:{model}: the ICE paper's prompt is asked to a model; give a model "
                             "name after paper:, or pass --judge rule / learned / a judge folder alone")
        return f"{PAPER_PREFIX}{model}"
    if name in BUILTIN and builtin_folder(name) is None:
        raise JudgeError(f"the built-in judge {name!r} is not installed with this copy of workbench")
    if looks_like_path(name) and not is_distilled(name):
        read_meta(name)  # raises with the reason
    return judge_key(name)


def find_judges(db: Any | None = None) -> list[str]:
    """Distilled judges a user can pick: the built-in ones (by name), the folders in
    ``config.judges_dir()``, then those the database's runs and verdicts name (absolute
    paths), each once, those still on disk only."""
    from workbench.config import judges_dir

    seen: dict[str, None] = {name: None for name in BUILTIN if builtin_folder(name) is not None}
    root = judges_dir()
    if root.is_dir():
        for child in sorted(root.iterdir()):
            if is_distilled(str(child)):
                seen.setdefault(str(child.resolve()), None)
    if db is not None:
        names = {r["judge"] for r in db.query("select distinct judge from runs where judge is not null")}
        names |= {r["judge"] for r in db.query(
            "select distinct judge from verdicts where judge like '/%' or judge like '_:%'")}
        for name in sorted(names):
            if looks_like_path(name) and is_distilled(name):
                seen.setdefault(str(Path(name).resolve()), None)
    return list(seen)
