"""One line at the bottom of every screen: start-up time, background loading, database.

``text`` is a reactive: the app sets it and the bar repaints. The database path comes last
and is the part that gives way when the line is too long for the terminal: it is cut from
the left, so the file's name stays in view.
"""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

ELLIPSIS = "…"


def fit_tail(text: str, tail: str, width: int, separator: str = "  ·  ") -> str:
    """``text`` in ``width`` cells: when it ends with ``tail`` (a path) and is too long, the path
    loses characters from its left (an ellipsis says so). If even its file name would not
    fit, the parts before the last ``separator`` give way too, from their end; the label
    just before the path ("db ") stays. Anything else is left to the terminal."""
    if cell_len(text) <= width or not tail or not text.endswith(tail):
        return text
    head = text[: len(text) - len(tail)]
    name = "/" + tail.rsplit("/", 1)[-1] if "/" in tail else tail
    room = width - cell_len(head) - cell_len(ELLIPSIS)
    if room >= cell_len(name):
        return head + ELLIPSIS + _keep_right(tail, room)
    before, sep, label = head.rpartition(separator)
    kept_tail = (ELLIPSIS if name != tail else "") + name
    room = width - cell_len(sep + label + kept_tail) - cell_len(ELLIPSIS)
    if not sep or room <= 0:
        return text
    return _keep_left(before, room) + ELLIPSIS + sep + label + kept_tail


def _keep_right(text: str, cells: int) -> str:
    while text and cell_len(text) > cells:
        text = text[1:]
    return text


def _keep_left(text: str, cells: int) -> str:
    while text and cell_len(text) > cells:
        text = text[:-1]
    return text


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    text: reactive[str] = reactive("")

    def on_mount(self) -> None:
        status = getattr(self.app, "status_text", None)
        if status is not None:
            self.text = status()

    def render(self) -> Text:
        db_path = getattr(self.app, "db_path", None)
        tail = str(db_path) if isinstance(db_path, (str, Path)) else ""
        return Text(fit_tail(self.text, tail, self.content_size.width), no_wrap=True, overflow="crop")
