"""A converted copy of each GGUF model, kept in the user cache.

transformers dequantises a GGUF file on every load: about 17 s for the built-in SmolLM2 on
2 CPU cores, paid by every `workbench ask`, every probe run and every job process. The
first load writes the dequantised weights (safetensors) and the tokenizer to a folder; later
loads read that folder in well under a second. The weights are the same tensors, so answers
are the same.

The folder is named from the GGUF file's path, size and modification time, the dtype and the
transformers version, so a replaced file or an upgrade converts again. It is written to a
temporary name and renamed into place, so a crash or a second process never leaves a half
copy. ``WORKBENCH_MODEL_CACHE`` names another folder, or ``off`` turns the copy off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_ENV = "WORKBENCH_MODEL_CACHE"
STALE_TMP_S = 3600  # a temporary folder this old belongs to a writer that died
SOURCE_FILE = "workbench-source.json"  # which GGUF file a copy was made from


def cache_root() -> Path | None:
    """The folder holding converted copies, or None when the copy is turned off."""
    from workbench.config import cache_folder

    return cache_folder(CACHE_ENV, "models")


def _path_key(gguf: Path) -> str:
    return hashlib.sha1(str(gguf.resolve()).encode()).hexdigest()[:10]


def converted_dir(gguf: Path, dtype: str, transformers_version: str) -> Path | None:
    """Where the converted copy of ``gguf`` lives (whether or not it exists yet)."""
    root = cache_root()
    if root is None:
        return None
    st = gguf.stat()
    version = hashlib.sha1(f"{st.st_size}|{st.st_mtime_ns}|{dtype}|{transformers_version}".encode())
    return root / f"{gguf.stem}-{_path_key(gguf)}-{version.hexdigest()[:10]}"


def load_converted(folder: Path, dtype: Any) -> tuple[Any, Any] | None:
    """``(model, tokenizer)`` from a converted copy, or None if there is none or it is broken
    (a broken copy is removed so that the next load writes a good one)."""
    if not (folder / "model.safetensors").is_file():
        return None
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(folder))
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype)
    except Exception as exc:  # truncated file, edited config, ...: convert again
        log.warning("converted model copy %s is unreadable (%s); converting again", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return model, tok


def save_converted(folder: Path, model: Any, tokenizer: Any, source: Path | None = None) -> bool:
    """Write ``model`` and ``tokenizer`` (loaded from a GGUF file) as a plain folder.

    transformers refuses ``save_pretrained`` on a GGUF-loaded model, so the tensors and the
    config are written directly. Any failure (read-only cache, full disk) only costs the
    speed-up: it is logged and the folder is not created.
    """
    from safetensors.torch import save_file

    parent = folder.parent
    tmp = parent / f".{folder.name}.tmp-{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(folder)
        tmp.mkdir()
        state = model.state_dict()
        if getattr(model.config, "tie_word_embeddings", False):
            # Tied to the input embeddings: stored once, re-tied on load.
            state.pop("lm_head.weight", None)
        save_file({k: v.detach().cpu().contiguous() for k, v in state.items()},
                  str(tmp / "model.safetensors"), metadata={"format": "pt"})
        config = model.config.to_dict()
        config.pop("quantization_config", None)  # the copy is plain tensors, not GGUF
        (tmp / "config.json").write_text(json.dumps(config, indent=2))
        if getattr(model, "generation_config", None) is not None:
            model.generation_config.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        if source is not None:
            (tmp / SOURCE_FILE).write_text(json.dumps({"gguf": str(source.resolve())}))
        os.rename(tmp, folder)  # atomic: readers see all of it or none
        return True
    except OSError as exc:
        if folder.is_dir():  # another process finished first: its copy is as good
            log.debug("converted model copy %s written by another process", folder)
        else:
            log.warning("could not keep a converted copy of the model in %s: %s", parent, exc)
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _source_is_gone(entry: Path) -> bool:
    try:
        source = json.loads((entry / SOURCE_FILE).read_text())["gguf"]
    except (OSError, ValueError, KeyError, TypeError):
        return False  # not known: keep it
    return not Path(source).exists()


def _remove_stale(folder: Path) -> None:
    """Drop earlier conversions of the same file, copies of files that no longer exist (a
    deleted checkout or venv), and temporary folders of dead writers."""
    prefix = folder.name.rsplit("-", 1)[0] + "-"
    now = time.time()
    for entry in folder.parent.iterdir():
        name = entry.name
        if name == folder.name or not entry.is_dir():
            continue
        if name.startswith(prefix) or (not name.startswith(".") and _source_is_gone(entry)):
            shutil.rmtree(entry, ignore_errors=True)
        elif name.startswith(f".{prefix}") and ".tmp-" in name:
            try:
                if now - entry.stat().st_mtime > STALE_TMP_S:
                    shutil.rmtree(entry, ignore_errors=True)
            except OSError:
                pass
