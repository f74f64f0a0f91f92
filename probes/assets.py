"""Locate the data files under ``assets/`` (probe sets, templates, styles)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

# assets/ sits beside the probes package at the repo root; the project is installed
# editable (make install), so this one lookup serves every run.
_ASSETS = Path(__file__).resolve().parent.parent / "assets"


def assets_root() -> Path:
    return _ASSETS


def asset_path(*parts: str) -> Path:
    """Path of ``assets/<parts...>``; it is not checked for existence."""
    return _ASSETS.joinpath(*parts)


def iter_jsonl_objects(path: Path, error: type[Exception], *, encoding: str = "utf-8",
                       missing: str = "not found", hint: str = "") -> Iterator[tuple[int, str, dict]]:
    """Yield ``(line number, where, object)`` for each non-blank line of a JSONL file.

    Problems become ``error`` with a one-line message naming the file and line; ``hint`` is
    appended to the bad-JSON message.
    """
    if not path.is_file():
        raise error(f"{path}: {missing}")
    with path.open(encoding=encoding) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {lineno}"
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise error(f"{where}: not valid JSON ({exc.msg}){hint}") from None
            if not isinstance(obj, dict):
                raise error(f"{where}: expected a JSON object")
            yield lineno, where, obj
