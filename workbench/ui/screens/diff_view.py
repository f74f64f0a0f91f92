"""Diff mode: two answers side by side with their word-level differences highlighted."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Select, Static

from workbench.ui.widgets.screen_base import WorkbenchScreen

_TOKEN = re.compile(r"\s*\S+|\s+$")
REMOVED_STYLE = "bold red strike"
ADDED_STYLE = "bold green underline"


@dataclass
class WordDiff:
    left: Text
    right: Text
    ratio: float  # difflib's similarity of the two word lists
    removed: int  # words only on the left
    added: int  # words only on the right


def word_diff(a: str, b: str) -> WordDiff:
    """Word-level diff of two texts; whitespace is kept for display but never compared."""
    tokens_a, tokens_b = _TOKEN.findall(a), _TOKEN.findall(b)
    keys_a, keys_b = [t.strip() for t in tokens_a], [t.strip() for t in tokens_b]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    left, right = Text(), Text()
    removed = added = 0
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            left.append("".join(tokens_a[a0:a1]))
            right.append("".join(tokens_b[b0:b1]))
            continue
        if a1 > a0:
            _append_marked(left, tokens_a[a0:a1], REMOVED_STYLE)
            removed += a1 - a0
        if b1 > b0:
            _append_marked(right, tokens_b[b0:b1], ADDED_STYLE)
            added += b1 - b0
    return WordDiff(left, right, matcher.ratio(), removed, added)


def _append_marked(text: Text, tokens: list[str], style: str) -> None:
    # Style the words, not the whitespace before them, so line breaks stay unmarked.
    for token in tokens:
        word = token.lstrip()
        text.append(token[: len(token) - len(word)])
        text.append(word, style=style)


class DiffScreen(WorkbenchScreen):
    """``columns`` are (label, text) pairs; ``left`` and ``right`` index the two shown."""

    DEFAULT_CSS = """
    DiffScreen #diff-pickers { height: 3; padding: 0 1; }
    DiffScreen #diff-pickers Select { width: 1fr; margin: 0 1 0 0; }
    /* One line, cut with an ellipsis: at 80 columns a long model name wrapped out of the picker. */
    DiffScreen #diff-pickers SelectCurrent #label { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    DiffScreen #diff-summary { height: 1; padding: 0 1; color: $text-muted; }
    DiffScreen #diff-panes { height: 1fr; }
    DiffScreen .diff-pane { width: 1fr; border: round $panel-lighten-2; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="diff.back"),
        Binding("a", "cycle('left')", "Next left", id="diff.cycle_left"),
        Binding("b", "cycle('right')", "Next right", id="diff.cycle_right"),
        Binding("s", "swap", "Swap", id="diff.swap"),
    ]

    def __init__(self, columns: list[tuple[str, str]], left: int = 0, right: int = 1) -> None:
        super().__init__()
        if len(columns) < 2:
            raise ValueError("a diff needs two columns")
        self.columns = columns
        self.left = left % len(columns)
        self.right = right % len(columns)
        if self.left == self.right:
            self.right = (self.left + 1) % len(columns)

    def compose_body(self) -> ComposeResult:
        choices = [(label, i) for i, (label, _) in enumerate(self.columns)]
        with Horizontal(id="diff-pickers"):
            yield Select(choices, value=self.left, allow_blank=False, id="diff-left", prompt="left")
            yield Select(choices, value=self.right, allow_blank=False, id="diff-right", prompt="right")
        yield Static("", id="diff-summary")
        with Horizontal(id="diff-panes"):
            with VerticalScroll(classes="diff-pane", id="diff-left-pane"):
                yield Static("", id="diff-left-text")
            with VerticalScroll(classes="diff-pane", id="diff-right-pane"):
                yield Static("", id="diff-right-text")

    def on_mount(self) -> None:
        self._render_diff()

    @on(Select.Changed, "#diff-left")
    def _left_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            self.left = event.value
            self._render_diff()

    @on(Select.Changed, "#diff-right")
    def _right_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, int):
            self.right = event.value
            self._render_diff()

    def action_cycle(self, side: str) -> None:
        n = len(self.columns)
        select = self.query_one(f"#diff-{side}", Select)
        select.value = (getattr(self, side) + 1) % n  # Select.Changed re-renders

    def action_swap(self) -> None:
        self.left, self.right = self.right, self.left
        with self.prevent(Select.Changed):
            self.query_one("#diff-left", Select).value = self.left
            self.query_one("#diff-right", Select).value = self.right
        self._render_diff()

    def _render_diff(self) -> None:
        (left_label, left_text), (right_label, right_text) = self.columns[self.left], self.columns[self.right]
        diff = word_diff(left_text, right_text)
        self.query_one("#diff-left-pane").border_title = left_label
        self.query_one("#diff-right-pane").border_title = right_label
        self.query_one("#diff-left-text", Static).update(diff.left)
        self.query_one("#diff-right-text", Static).update(diff.right)
        summary = Text()
        summary.append(f"{diff.ratio:.0%} of words in common · ")
        summary.append(f"{diff.removed} only left", style=REMOVED_STYLE.replace(" strike", ""))
        summary.append(" · ")
        summary.append(f"{diff.added} only right", style=ADDED_STYLE.replace(" underline", ""))
        if self.left == self.right:
            summary.append(" · same column on both sides", style="italic")
        self.query_one("#diff-summary", Static).update(summary)
