"""A Compare column's parameter field (temperature, max tokens).

Empty, it shows what it would send (the model's own value, or "default") as its placeholder.
Three or four columns at 80 cells leave a field five or six cells wide, where "default" was cut
to "defaul" and read as a model's name; a placeholder that does not fit shows "…" instead (the
tooltip says what an empty field sends). ``hint`` is the whole placeholder: a reactive, fitted
again whenever it or the field's width changes.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.events import Resize
from textual.reactive import reactive
from textual.widgets import Input

CUT = "…"


class ParamInput(Input):
    hint: reactive[str] = reactive("")

    def watch_hint(self) -> None:
        self._fit_placeholder()

    def on_resize(self, event: Resize) -> None:
        self._fit_placeholder()

    def _fit_placeholder(self) -> None:
        width = self.content_size.width
        fits = not width or cell_len(self.hint) <= width  # not laid out yet: the whole hint
        self.placeholder = self.hint if fits else CUT
