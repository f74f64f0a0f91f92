"""Compare's prompt box: a text area that recalls earlier prompts with up and down.

Up on the first line steps back through earlier prompts, down on the last line steps
forward, and past the newest one the draft that was being typed comes back, as in a shell.
Anywhere else up and down move the cursor as usual.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import TextArea


class PromptEditor(TextArea):
    # TextArea's own keys, bound again to say what they do here (Help lists them).
    BINDINGS = [
        Binding("up", "cursor_up", "Cursor up; on the first line, an earlier prompt", show=False),
        Binding("down", "cursor_down", "Cursor down; on the last line, a later prompt", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.prompts: list[str] = []  # oldest first
        self._position: int | None = None  # index into history while recalling
        self._draft = ""

    def set_history(self, prompts_newest_first: list[str]) -> None:
        self.prompts = list(reversed(prompts_newest_first))
        self._position = None

    def remember(self, prompt: str) -> None:
        """A sent prompt becomes the newest entry (once, even if sent again)."""
        if prompt.strip():
            if prompt in self.prompts:
                self.prompts.remove(prompt)
            self.prompts.append(prompt)
        self._position = None

    def recall(self, step: int) -> bool:
        """Show the prompt ``step`` entries older (-1) or newer (+1); False when there is none."""
        if not self.prompts:
            return False
        if self._position is None:
            if step > 0:
                return False
            self._draft = self.text
            position = len(self.prompts) - 1
        else:
            position = self._position + step
        if position >= len(self.prompts):
            self._position = None
            self._show(self._draft)
            return True
        if position < 0:
            return False
        self._position = position
        self._show(self.prompts[position])
        return True

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    def action_cursor_up(self, select: bool = False) -> None:
        if not select and self.cursor_location[0] == 0 and self.recall(-1):
            return
        super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        last_row = self.document.line_count - 1
        if not select and self.cursor_location[0] == last_row and self._position is not None and self.recall(1):
            return
        super().action_cursor_down(select)
