"""The review screen's top lines: run, order, filter, position and the counter."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

KEYS_HELP = ("y/n verdict · 1-5 score · c comment · s skip · u undo · / filter · "
             "o order · ←/→ move · r runs · pgup/pgdn scroll")


@dataclass
class BarState:
    title: str = ""
    order: str = ""
    order_label: str = ""
    filter: str = "none"
    position: int = 0  # 1-based; 0 = nothing in the queue
    queue_len: int = 0
    group: str = ""
    reviewed: int = 0  # in the queue as filtered
    remaining: int = 0
    run_reviewed: int = 0
    run_total: int = 0
    session_reviews: int = 0
    session_seconds: float = 0.0


def render_bar(s: BarState, *, compact: bool = False) -> Text:
    """The bar's lines; ``compact`` (a narrow terminal) is two lines: no key list (``?`` shows
    the keys) and no spelled-out order."""
    out = Text()
    out.append(s.title or "no run", style="bold")
    out.append("  │  order ", style="dim")
    out.append(s.order, style="bold cyan")
    if s.order_label and not compact:
        out.append(f" ({s.order_label})", style="dim")
    out.append("  │  filter ", style="dim")
    out.append(s.filter, style="bold magenta" if s.filter != "none" else "dim")
    out.append("\n")
    if s.queue_len:
        out.append(f"item {s.position}/{s.queue_len}", style="bold")
        if s.group:
            out.append(f" [{s.group}]", style="yellow")
    else:
        out.append("queue empty", style="bold yellow")
    out.append("  │  ", style="dim")
    out.append(f"reviewed {s.reviewed}", style="bold green")
    out.append(" · ")
    out.append(f"remaining {s.remaining}", style="bold")
    if s.filter != "none":
        out.append(f"  (run: {s.run_reviewed}/{s.run_total} reviewed)", style="dim")
    if s.session_reviews:
        rate = f", {s.session_seconds / s.session_reviews:.1f}s each" if s.session_reviews > 1 else ""
        out.append(f"  │  this session {s.session_reviews} in {s.session_seconds:.0f}s{rate}", style="dim")
    if compact:
        out.append("  │  ? keys", style="dim")
        return out
    out.append("\n")
    out.append(KEYS_HELP, style="dim")
    return out


# Below this many columns the bar keeps to two lines (the item under review needs the rows).
COMPACT_BELOW = 120


class ReviewBar(Static):
    DEFAULT_CSS = "ReviewBar { height: auto; max-height: 6; padding: 0 1; background: $boost; }"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.state: BarState | None = None

    def show(self, state: BarState) -> None:
        self.state = state
        self.update(render_bar(state, compact=self.app.size.width < COMPACT_BELOW))

    def on_resize(self) -> None:
        if self.state is not None:
            self.show(self.state)
