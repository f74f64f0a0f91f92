"""The ICE score panel: progress, the three scores with 95% intervals, review counts."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from workbench.ui.hints import bound_key, with_resume_key

BAR_WIDTH = 20


def _cell(x: float, width: int) -> int:
    return min(width - 1, max(0, int(x * width)))


def _bar(value: float, lo: float, hi: float, width: int = BAR_WIDTH) -> Text:
    """A share on a 0–1 scale: ``●`` is the score, ``├──┤`` its 95% interval, ``·`` the rest.

    A filled bar would read the interval of 0/12 (0 to 0.24) as a score of a quarter, so
    the score is one marker and the interval a bracket around it.
    """
    score, left, right = _cell(value, width), _cell(lo, width), _cell(hi, width)
    out = Text()
    for i in range(width):
        if i == score:
            out.append("●", style="bold")
        elif i == left:
            out.append("├", style="cyan")
        elif i == right:
            out.append("┤", style="cyan")
        elif left < i < right:
            out.append("─", style="cyan")
        else:
            out.append("·", style="dim")
    return out


LEGEND = Text.assemble(("●", "bold"), " score  ", ("├─┤", "cyan"), " 95% interval  (0 to 1)")


def render_scores(summary: dict[str, Any] | None, live: dict[str, Any] | None = None,
                  start_key: str = "ctrl+s", resume_key: str = "ctrl+r") -> Text:
    text = Text()
    if not summary:
        text.append("No run yet. Pick a target, a judge and a helper (or none), set the budget, "
                    f"then press {start_key} or Start.", style="dim")
        return text
    status = (live or {}).get("status") or summary.get("status")
    text.append(f"run {summary['run_id']}", style="bold")
    text.append(f" · {summary.get('target')} · judge {summary.get('judge')} · {status}\n")
    if summary.get("fact"):
        text.append(f"fact: {summary['fact']}\n", style="dim")
    n = summary.get("n", 0)
    for name in ("loose", "strict", "hard"):
        value = summary.get(name) or 0.0
        lo, hi = summary.get(f"{name}_ci") or (0.0, 0.0)
        text.append(f"{name:<7}", style="bold")
        text.append(f"{value:6.3f}  ({summary.get(f'{name}_count', 0)}/{n})  ")
        text.append_text(_bar(value, lo, hi))
        text.append(f"  {lo:.2f}–{hi:.2f}\n")
    text.append_text(LEGEND)
    text.append("\n")
    adj = summary.get("human_adjusted") or {}
    text.append(f"needs review {summary.get('needs_review', 0)} · reviewed by hand "
                f"{summary.get('reviewed', 0)}", style="dim")
    if summary.get("reviewed") and adj:
        text.append(f" · human-adjusted loose {adj.get('loose', 0):.3f} strict {adj.get('strict', 0):.3f}",
                    style="dim")
    if summary.get("errors"):
        text.append(f" · failed queries {summary['errors']}", style="red")
    if summary.get("mutants") is not None:
        text.append(f"\nsearch: {summary.get('fuzz_steps', 0)} selections, {summary['mutants']} mutants, "
                    f"{summary.get('queries_used', 0)}/{summary.get('budget')} queries", style="dim")
    if summary.get("error"):
        text.append(f"\n{with_resume_key(summary['error'], resume_key)}", style="yellow")
    return text


class ICEScores(Static):
    DEFAULT_CSS = """
    ICEScores { height: auto; min-height: 6; padding: 0 1; border: round $primary-darken-2; }
    """

    def show(self, summary: dict[str, Any] | None, live: dict[str, Any] | None = None) -> None:
        self.summary = summary
        self.update(render_scores(summary, live, start_key=bound_key(self.app, "ice.start", "ctrl+s"),
                                  resume_key=bound_key(self.app, "ice.resume", "ctrl+r")))
