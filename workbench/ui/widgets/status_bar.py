"""One line at the bottom of every screen: start-up time, background loading, database."""

from __future__ import annotations

from textual.widgets import Static


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    def on_mount(self) -> None:
        status = getattr(self.app, "status_text", None)
        if status is not None:
            self.update(status())
