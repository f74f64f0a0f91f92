"""Locate the data files under ``assets/`` (probe sets, templates, styles)."""

from __future__ import annotations

import json
import os
import sys
import sysconfig
from pathlib import Path
from typing import Any, Iterable, Iterator

# Where a wheel's data files land: <data scheme path>/share/distill-workbench/assets.
INSTALLED_SUBDIR = Path("share", "distill-workbench", "assets")


def find_assets(repo_root: Path, data_roots: Iterable[Path]) -> Path:
    """The first assets folder that exists: the checkout's (editable installs, `make install`),
    then the copy a regular wheel install put under one of ``data_roots``."""
    candidates = [repo_root / "assets", *(Path(r) / INSTALLED_SUBDIR for r in data_roots)]
    for candidate in candidates:
        if (candidate / "ice").is_dir():
            return candidate
    return candidates[0]  # missing everywhere: name the checkout path in the error


def _data_roots() -> list[Path]:
    roots = [Path(sysconfig.get_path("data")), Path(sys.prefix)]
    try:
        roots.append(Path(sysconfig.get_path("data", f"{os.name}_user")))
    except KeyError:  # no user scheme on this platform
        pass
    return roots


_ASSETS = find_assets(Path(__file__).resolve().parent.parent, _data_roots())


def assets_root() -> Path:
    return _ASSETS


def asset_path(*parts: str) -> Path:
    """Path of ``assets/<parts...>``; it is not checked for existence."""
    return _ASSETS.joinpath(*parts)


def iter_jsonl_objects(path: Path, error: type[Exception], *, encoding: str = "utf-8",
                       missing: str = "not found", hint: str = "") -> Iterator[tuple[int, str, dict[str, Any]]]:
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
            except json.JSONDecodeError as exc:
                raise error(f"{where}: not valid JSON ({exc.msg}){hint}") from None
            if not isinstance(obj, dict):
                raise error(f"{where}: expected a JSON object")
            yield lineno, where, obj
