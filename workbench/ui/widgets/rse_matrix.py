"""The RSE matrix tab's controls: which measure, and which of the run's prompt sets."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Select


class RSEMatrixControls(Horizontal):
    """Its ``Select.Changed`` messages reach the screen, which reloads the matrix."""

    DEFAULT_CSS = """
    RSEMatrixControls { height: auto; }
    RSEMatrixControls Select { width: 30; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._sets: list[str] | None = None

    def compose(self) -> ComposeResult:
        # The measures of workbench.runs.rse_matrix.MATRIX_METRICS (not imported: opening the
        # screen stays light).
        yield Select([(m, m) for m in ("embedding", "lexical", "ngram2", "judge")],
                     id="rse-matrix-metric", value="embedding", allow_blank=False)
        yield Select([], id="rse-matrix-set", prompt="set")

    def set_sets(self, sets: list[str]) -> None:
        """The shown run's sets; the first is chosen when the list changes."""
        chooser = self.query_one("#rse-matrix-set", Select)
        if sets != self._sets:
            self._sets = list(sets)
            chooser.set_options([(s, s) for s in sets])
            if sets:
                chooser.value = sets[0]

    def choice(self) -> tuple[str, str | None]:
        """(metric, set name or None)."""
        metric = self.query_one("#rse-matrix-metric", Select).value
        set_value = self.query_one("#rse-matrix-set", Select).value
        return str(metric), None if set_value is Select.BLANK else str(set_value)
