"""One ICE answer in full: the prompt, the answer and every verdict with its rationale."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def _value(v: float | None) -> str:
    return "needs review" if v is None else ("positive" if v >= 0.5 else "negative")


def render_answer(d: dict[str, Any] | None) -> Text:
    if d is None:
        return Text("This answer is no longer in the database.", style="red")
    meta = d.get("meta") or {}
    t = Text()
    t.append(f"item {d['item_id']} · run {d['run_id']} · {d['key']}\n", style="bold")
    t.append(f"template {meta.get('template_id')} · question {meta.get('question_id')} · "
             f"{meta.get('category')} · {meta.get('lang')} · {d.get('status')}\n\n", style="dim")
    t.append("Prompt\n", style="bold underline")
    t.append(d.get("prompt") or "")
    t.append("\n\nAnswer", style="bold underline")
    r = d.get("response")
    if r is None:
        t.append("\n(no answer stored)\n", style="dim")
    else:
        t.append(f"  ({r['model']}, {r.get('completion_tokens') or '?'} tokens, {r['status']})\n", style="dim")
        t.append(r.get("text") or "")
        if r.get("error"):
            t.append(f"\nerror: {r['error']}", style="red")
    t.append("\n\nVerdicts", style="bold underline")
    t.append("  (oldest first; rows are never changed, later rows win)\n", style="dim")
    for v in d.get("verdicts") or []:
        who = v["judge"] + (f" ({v['author']})" if v.get("author") else "")
        style = "yellow" if v["value"] is None else ("red" if v["value"] >= 0.5 else "green")
        t.append(f"• {v['kind']:<6} {who}: ", style="bold")
        t.append(_value(v["value"]) if v.get("retracts") is None else f"undo of #{v['retracts']}",
                 style=style)
        claimed = (v.get("detail") or {}).get("claimed")
        if claimed:
            t.append(f"  claimed {', '.join(map(str, claimed))}")
        t.append(f"  #{v['id']} {str(v['created'])[:19].replace('T', ' ')}\n", style="dim")
        for label in ("rationale", "reason"):
            if v.get(label):
                t.append(f"    {label}: {v[label]}\n")
        raw = v.get("raw")
        if raw and v["judge"] not in ("rule", "published"):
            t.append("    raw: ", style="dim")
            t.append(raw.strip()[:4000] + "\n", style="dim")
        elif raw and v["judge"] == "rule":
            try:
                extra = {k: x for k, x in json.loads(raw).items() if x and k not in ("loose", "strict", "rationale")}
            except ValueError:
                extra = {}
            if extra:
                t.append(f"    {json.dumps(extra, ensure_ascii=False)}\n", style="dim")
    return t


if TYPE_CHECKING:
    from textual import getters

    from workbench.ui.app import WorkbenchApp


class ICEAnswerScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ICEAnswerScreen { align: center middle; }
    ICEAnswerScreen > Vertical {
        width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    ICEAnswerScreen #answer-help { color: $text-muted; height: 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="ice_answer.close"),
        Binding("q", "dismiss", "Close", show=False, id="ice_answer.close_q"),
    ]

    if TYPE_CHECKING:  # a typed self.app for the type checker (see WorkbenchScreen)
        app = getters.app(WorkbenchApp)

    def __init__(self, item_id: int) -> None:
        super().__init__()
        self.item_id = item_id
        self.detail: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll(id="answer-scroll"):
                yield Static("loading…", id="answer-body")
            yield Static("esc closes · ↑↓ pgup pgdn scroll", id="answer-help")

    def on_mount(self) -> None:
        self.query_one("#answer-scroll").focus()
        self._load()

    @work(thread=True, exclusive=True, group="ice-answer")
    def _load(self) -> None:
        from workbench.runs.ice_summary import answer_detail

        db = self.app.read_db()
        try:
            detail = answer_detail(db, self.item_id)
        finally:
            db.close()
        self.app.call_from_thread(self._show, detail)

    def _show(self, detail: dict[str, Any] | None) -> None:
        self.detail = detail
        self.query_one("#answer-body", Static).update(render_answer(detail))
