"""The strip under the compare columns: similarity of every pair of answers.

Lexical similarity (probes.similarity) shows as soon as answers finish;
embedding cosine (all-MiniLM-L6-v2) follows once the model has loaded. Both are computed in
a thread worker that hands results back with call_from_thread; the model loads in that
thread too, so the first comparison never blocks the keyboard.
"""

from __future__ import annotations

from itertools import combinations
from typing import Sequence

import numpy as np
from rich.text import Text
from textual import work
from textual.widgets import Static
from textual.worker import get_current_worker


class SimilarityStrip(Static):
    DEFAULT_CSS = """
    SimilarityStrip {
        height: auto; max-height: 5; padding: 0 1; border-top: hkey $panel-lighten-2;
        color: $text;
    }
    """

    def __init__(self, *, embeddings: bool = True, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.embeddings_enabled = embeddings
        self.labels: list[str] = []
        self.texts: list[str] = []
        self.lexical: np.ndarray | None = None
        self.embedding: np.ndarray | None = None
        # off | waiting (answers not in) | loading | ready | error
        self.embedding_state = "off" if not embeddings else "waiting"
        self.embedding_error: str | None = None
        self._generation = 0

    def on_mount(self) -> None:
        self._render_strip()

    # -- API --------------------------------------------------------------------------------
    def reset(self) -> None:
        self._generation += 1
        self.texts, self.labels = [], []
        self.lexical = self.embedding = None
        if self.embeddings_enabled and self.embedding_state != "error":
            self.embedding_state = "waiting"
        self._render_strip()

    def compare(self, labels: Sequence[str], texts: Sequence[str]) -> None:
        """Score every pair of ``texts`` (at least two); results arrive shortly after."""
        self._generation += 1
        self.labels, self.texts = list(labels), list(texts)
        self.lexical = None
        self.embedding = None
        if len(self.texts) < 2:
            self._render_strip()
            return
        self._score(self._generation, list(self.texts), self.embeddings_enabled and self.embedding_state != "error")

    # -- work -------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="similarity", name="similarity")
    def _score(self, generation: int, texts: list[str], with_embeddings: bool) -> None:
        from probes.similarity import cosine_matrix, lexical_matrix

        worker = get_current_worker()
        lexical = lexical_matrix(texts)
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show_lexical, generation, lexical)
        if not with_embeddings:
            return
        from workbench.models import embeddings

        if not embeddings.is_loaded():
            self.app.call_from_thread(self._set_embedding_state, "loading", None)
        try:
            vectors = embeddings.embed(texts)
        except Exception as exc:  # a missing or broken model leaves lexical scores usable
            self.app.call_from_thread(self._set_embedding_state, "error", f"{type(exc).__name__}: {exc}")
            return
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show_embedding, generation, cosine_matrix(vectors))

    def _show_lexical(self, generation: int, matrix: np.ndarray) -> None:
        if generation == self._generation:
            self.lexical = matrix
            self._render_strip()

    def _show_embedding(self, generation: int, matrix: np.ndarray) -> None:
        self.embedding_state = "ready"
        if generation == self._generation:
            self.embedding = matrix
        self._render_strip()

    def _set_embedding_state(self, state: str, error: str | None) -> None:
        self.embedding_state = state
        self.embedding_error = error
        if error:
            self.notify(f"embedding similarity unavailable: {error}", severity="error", timeout=10)
        self._render_strip()

    # -- drawing ----------------------------------------------------------------------------
    def pair_scores(self) -> list[tuple[str, str, float | None, float | None]]:
        """(label a, label b, lexical, embedding) for every pair; None where not computed."""
        out = []
        for i, j in combinations(range(len(self.texts)), 2):
            empty = not self.texts[i].strip() or not self.texts[j].strip()
            lex = None if self.lexical is None or empty else float(self.lexical[i, j])
            emb = None if self.embedding is None or empty else float(self.embedding[i, j])
            out.append((self.labels[i], self.labels[j], lex, emb))
        return out

    def _render_strip(self) -> None:
        text = Text()
        text.append("similarity ", style="bold")
        if len(self.texts) < 2:
            text.append("appears here once two or more columns have answered", style="dim")
            self.update(text)
            return
        for n, (a, b, lex, emb) in enumerate(self.pair_scores()):
            if n:
                text.append("  │  ", style="dim")
            text.append(f"{a}↔{b} ", style="bold")
            text.append("lex ", style="dim")
            text.append("…" if self.lexical is None else "—" if lex is None else f"{lex:.2f}")
            if self.embeddings_enabled:
                text.append(" emb ", style="dim")
                text.append(self._embedding_cell(emb))
        if self.embedding_state == "loading":
            text.append("   (loading the embedding model…)", style="dim italic")
        elif self.embedding_state == "error":
            text.append("   (embeddings unavailable)", style="dim italic")
        self.update(text)

    def _embedding_cell(self, value: float | None) -> str:
        if self.embedding is not None:
            return "—" if value is None else f"{value:.2f}"
        return "n/a" if self.embedding_state == "error" else "…"
