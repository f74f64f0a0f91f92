"""A one-line prompt over the review screen (comment, filter): Enter keeps, Escape cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ReviewInput(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ReviewInput { align: center middle; }
    ReviewInput > Vertical { width: 90; max-width: 95%; height: auto; border: round $accent;
                             background: $surface; padding: 0 1; }
    ReviewInput .review-input-help { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="review_input.cancel")]

    def __init__(self, title: str, *, value: str = "", placeholder: str = "", help_text: str = "",
                 input_id: str = "review-input"):
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._help = help_text
        self._input_id = input_id

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Input(value=self._value, placeholder=self._placeholder, id=self._input_id)
            if self._help:
                yield Static(self._help, classes="review-input-help", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
