"""Embeddings of answers kept on disk, so training, rejudging and evaluating the same runs
embed each answer once (on 2 CPU cores MiniLM takes 30-120 ms per answer).

One SQLite file per encoder (keyed by its weights' size and first megabyte, so a judge's
copy of the built-in encoder shares the built-in one's cache) and max_length, under the
user cache dir's ``judge-embeddings/``. ``WORKBENCH_EMBED_CACHE=PATH`` puts it elsewhere,
``off`` turns it off. A damaged or unwritable cache is skipped, never fatal.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Iterable

import numpy as np

CACHE_ENV = "WORKBENCH_EMBED_CACHE"


def cache_root() -> Path | None:
    from workbench.config import cache_folder

    return cache_folder(CACHE_ENV, "judge-embeddings")


def encoder_key(folder: Path, max_length: int) -> str:
    weights = folder / "model.safetensors"
    h = hashlib.sha1()
    if weights.is_file():
        h.update(str(weights.stat().st_size).encode())
        with weights.open("rb") as f:
            h.update(f.read(1 << 20))
    else:
        h.update(str(folder.resolve()).encode())
    return f"{h.hexdigest()[:16]}-{max_length}"


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCache:
    def __init__(self, key: str):
        self.conn: sqlite3.Connection | None = None
        root = cache_root()
        if root is None:
            return
        try:
            root.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(root / f"{key}.sqlite"), timeout=10,
                                        check_same_thread=False)
            self.conn.execute("create table if not exists emb (k text primary key, v blob)")
        except (OSError, sqlite3.Error):
            self.conn = None

    def get(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        if self.conn is None:
            return {}
        keys = {text_key(t): t for t in texts}
        out: dict[str, np.ndarray] = {}
        items = list(keys)
        try:
            for start in range(0, len(items), 500):
                chunk = items[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for k, blob in self.conn.execute(f"select k, v from emb where k in ({marks})", chunk):
                    out[keys[k]] = np.frombuffer(blob, dtype=np.float32).copy()
        except sqlite3.Error:
            return {}
        return out

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        if self.conn is None or not vectors:
            return
        try:
            with self.conn:
                self.conn.executemany(
                    "insert or replace into emb (k, v) values (?, ?)",
                    [(text_key(t), np.ascontiguousarray(v, dtype=np.float32).tobytes())
                     for t, v in vectors.items()])
        except sqlite3.Error:
            pass
