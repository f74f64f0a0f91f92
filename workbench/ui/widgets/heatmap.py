"""A coloured N×N matrix (the RSE homogenization matrix): one Rich Text cell per pair."""

from __future__ import annotations

from typing import Any, Sequence

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

# Low → high: a dark blue through teal to a warm yellow; readable on dark and light themes.
_STOPS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.0, (37, 52, 148)),
    (0.35, (44, 127, 184)),
    (0.6, (65, 182, 196)),
    (0.8, (161, 218, 180)),
    (1.0, (255, 237, 160)),
)


def heat_rgb(value: float, low: float = 0.0, high: float = 1.0) -> tuple[int, int, int]:
    """The colour of ``value`` on the [low, high] scale (values outside are clipped)."""
    span = high - low
    t = 0.0 if span <= 0 else min(1.0, max(0.0, (value - low) / span))
    for (t0, c0), (t1, c1) in zip(_STOPS, _STOPS[1:]):
        if t <= t1:
            f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            red, green, blue = (round(a + (b - a) * f) for a, b in zip(c0, c1))
            return red, green, blue
    return _STOPS[-1][1]


def heat_style(value: float | None, low: float = 0.0, high: float = 1.0) -> str:
    """A Rich style: the heat colour as background, black or white text, whichever reads better."""
    if value is None:
        return "dim"
    r, g, b = heat_rgb(value, low, high)
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    fg = "black" if luminance > 140 else "white"
    return f"{fg} on rgb({r},{g},{b})"


def heat_table(models: Sequence[str], matrix: Sequence[Sequence[float | None]], *, scale: Sequence[float] = (0, 1),
               counts: Sequence[Sequence[int]] | None = None, digits: int = 2) -> Table:
    low, high = float(scale[0]), float(scale[1])
    table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 1))
    table.add_column("", justify="left", no_wrap=True)
    for i in range(len(models)):
        table.add_column(str(i + 1), justify="center", no_wrap=True)
    for i, (name, row) in enumerate(zip(models, matrix)):
        cells: list[Text] = []
        for j, value in enumerate(row):
            label = "  –  " if value is None else f" {value:.{digits}f} "
            if counts is not None and value is None and i != j and not counts[i][j]:
                label = "  ·  "  # no prompt both models answered
            cells.append(Text(label, style=heat_style(value, low, high)))
        table.add_row(Text(f"{i + 1} {name}"), *cells)
    return table


class Heatmap(Static):
    """Shows a matrix result (``models``, ``matrix``, ``scale``, ``n``) with a legend."""

    DEFAULT_CSS = """
    Heatmap { height: auto; padding: 0 1; }
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__("", *args, **kwargs)
        self.result: dict[str, Any] | None = None

    def show(self, result: dict[str, Any] | None, *, note: str = "") -> None:
        self.result = result
        if not result or not result.get("models"):
            self.update(Text(note or "No matrix yet.", style="dim"))
            return
        scale = result.get("scale") or (0, 1)
        table = heat_table(result["models"], result["matrix"], scale=scale, counts=result.get("n"))
        from rich.console import Group

        legend = Text("scale ")
        steps = 5
        for k in range(steps + 1):
            v = scale[0] + (scale[1] - scale[0]) * k / steps
            legend.append(f" {v:g} ", style=heat_style(v, scale[0], scale[1]))
        title = Text(f"{result.get('metric', '')} similarity", style="bold")
        if result.get("set"):
            title.append(f" · set {result['set']}", style="")
        parts: list[Any] = [title, table, legend]
        if note:
            parts.append(Text(note, style="dim"))
        self.update(Group(*parts))
