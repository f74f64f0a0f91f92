"""Compare's session line: which session and exchange, how many sends, tokens and cost so far.

Each figure is a reactive: the screen sets what changed and the line repaints itself.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from workbench.ui.hints import bound_key
from workbench.ui.keys import ACTION_KEYS


class SessionLine(Widget):
    DEFAULT_CSS = """
    SessionLine { height: 1; color: $text-muted; padding: 0 1; }
    """

    session_id: reactive[int | None] = reactive(None)
    exchange_id: reactive[int | None] = reactive(None)
    usage: reactive[Any] = reactive(None)  # workbench.store.exchanges.SessionUsage of the session

    def render(self) -> Text:
        if self.session_id is None:
            return Text("new session: the first send starts it")
        text = f"session {self.session_id}"
        if self.exchange_id is not None:
            text += f" · exchange {self.exchange_id}"
        if self.usage is not None:
            text += f" · {self.usage.exchanges} sent · {self.usage.tokens:,} tokens"
            cost = self.usage.cost_usd
            if cost:  # a fraction of a cent showed as "$0.0000"
                text += f" · ${cost:.6f}" if cost < 0.01 else f" · ${cost:.4f}"
        text += f" · {bound_key(self.app, 'compare.new_session', ACTION_KEYS['new'])} new session"
        return Text(text)
