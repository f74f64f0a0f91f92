"""Every judge's verdict on the item under review, with rationale, and the human verdict."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from workbench.review.queue import ReviewItem
from workbench.store.runs import VerdictRow

RATIONALE_CHARS = 400


def ice_label(value: float | None) -> tuple[str, str]:
    if value is None:
        return "needs review", "bold yellow"
    return ("POSITIVE", "bold red") if value >= 0.5 else ("negative", "green")


def rse_label(value: float | None) -> tuple[str, str]:
    if value is None:
        return "needs review", "bold yellow"
    return f"{value:g} / 5", "bold cyan"


def _short(text: str | None, limit: int = RATIONALE_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rationale(v: VerdictRow) -> str:
    return v.rationale or str(v.detail.get("rationale") or "")


def render_verdicts(item: ReviewItem | None, kind: str, *, pending_reason: str | None = None) -> Text:
    out = Text()
    if item is None:
        return out
    label = ice_label if kind == "ice" else rse_label
    out.append("Judges\n", style="bold underline")
    standing = item.standing
    if not standing.by_judge:
        out.append("  no machine verdict\n", style="dim")
    strict = item.standing_by_kind.get("strict") if kind == "ice" else None
    # Names padded to the longest one here (at most 12), so a verdict line fits the narrow
    # side pane of an 80-column terminal without wrapping.
    names = [*standing.by_judge, *(strict.by_judge if strict is not None else ())]
    pad = min(12, max((len(n) for n in names), default=0))
    for judge, v in standing.by_judge.items():
        text, style = label(v.value)
        out.append(f"  {judge:<{pad}} ", style="bold")
        out.append(text, style=style)
        if strict is not None and judge in strict.by_judge:
            s_text, s_style = ice_label(strict.by_judge[judge].value)
            out.append("  strict ", style="dim")
            out.append(s_text.lower(), style=s_style)
        if kind == "rse" and v.detail:
            parts = [f"{k} {v.detail[k]:g}" for k in ("style", "logic", "content")
                     if isinstance(v.detail.get(k), (int, float))]
            if parts:
                out.append("  (" + ", ".join(parts) + ")", style="dim")
        claimed = v.detail.get("claimed") if kind == "ice" else None
        if claimed:
            out.append(f"  claimed {', '.join(map(str, claimed))}", style="magenta")
        out.append("\n")
        why = _rationale(v)
        if why:
            out.append(f"    {_short(why)}\n", style="italic")
        elif v.value is None and v.raw:
            out.append(f"    raw: {_short(v.raw, 200)}\n", style="dim")
    if strict is not None:
        for judge, v in strict.by_judge.items():
            if judge not in standing.by_judge:
                s_text, s_style = ice_label(v.value)
                out.append(f"  {judge:<{pad}} ", style="bold")
                out.append("strict ", style="dim")
                out.append(s_text.lower(), style=s_style)
                out.append("\n")
    out.append("\nYou\n", style="bold underline")
    human = item.human
    if human is None:
        out.append("  not reviewed yet\n", style="dim")
    else:
        text, style = label(human.value)
        out.append("  ")
        out.append(text, style=style)
        out.append(f"  by {human.author or 'unknown'} at {human.created[:19].replace('T', ' ')}\n", style="dim")
        if human.reason:
            out.append(f"  “{_short(human.reason)}”\n", style="italic")
    undone = sum(1 for v in item.rows if v.retracts is not None)
    if undone:
        out.append(f"  ({undone} earlier review{'s' if undone > 1 else ''} undone)\n", style="dim")
    if pending_reason:
        out.append(f"  comment for your next verdict: “{_short(pending_reason)}”\n", style="yellow")
    return out


class ReviewVerdicts(Static):
    DEFAULT_CSS = "ReviewVerdicts { height: auto; padding: 0 1; }"

    def show(self, item: ReviewItem | None, kind: str, *, pending_reason: str | None = None) -> None:
        self.update(render_verdicts(item, kind, pending_reason=pending_reason))
