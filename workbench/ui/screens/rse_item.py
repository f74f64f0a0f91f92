"""One RSE item: the conversation, reference and target side by side, measures and verdicts."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from workbench.ui.widgets.screen_base import WorkbenchScreen


def _score(value: Any, scale: str) -> str:
    return "–" if value is None else f"{value:g}/{scale}"


def verdict_renderable(detail: dict[str, Any]) -> Group:
    """Scores, rationale and history of an item (``item_detail``'s dict) as Rich renderables."""
    parts: list[Any] = []
    m = detail["metrics"]
    sims = Table.grid(padding=(0, 2))
    sims.add_row(*(Text(f"{name} {m[key]:.3f}" if m.get(key) is not None else f"{name} –")
                   for name, key in (("lexical", "lexical"), ("2-gram", "ngram2"), ("embedding", "embedding"))))
    parts.append(sims)
    if m.get("error"):
        parts.append(Text(f"error: {m['error']}", style="red"))
    v = detail.get("verdict")
    if detail.get("judge") is None:
        parts.append(Text("no judge in this run: similarity measures only", style="dim"))
    elif v is None:
        parts.append(Text(f"judge {detail['judge']}: no verdict yet", style="dim"))
    else:
        d = v["detail"] or {}
        head = Text(f"judge {detail['judge']}: ", style="bold")
        if v["value"] is None:
            head.append("needs review", style="bold yellow")
            if d.get("error"):
                head.append(f" ({d['error']})", style="yellow")
        else:
            head.append(f"overall {_score(v['value'], '5')}  style {_score(d.get('style'), '2')}  "
                        f"logic {_score(d.get('logic'), '2')}  content {_score(d.get('content'), '2')}")
        if "swapped" in d:
            head.append("  (both orders averaged)", style="dim")
        parts.append(head)
        if v.get("rationale"):
            parts.append(Text(v["rationale"]))
        if v["value"] is None and v.get("raw"):
            # What the judge actually said is the evidence a reviewer needs.
            raw = v["raw"] if len(v["raw"]) <= 1200 else v["raw"][:1200] + "…"
            parts.append(Text("judge output: ", style="bold dim") + Text(raw, style="dim"))
    h = detail.get("human")
    if h is not None:
        parts.append(Text(f"human review by {h.get('author') or 'someone'}: overall {_score(h['value'], '5')}"
                          + (f" — {h['reason']}" if h.get("reason") else ""), style="bold green"))
    return Group(*parts)


def conversation_text(messages: list[dict]) -> Text:
    text = Text()
    for msg in messages:
        text.append(f"{msg.get('role', 'user')}: ", style="bold")
        text.append(str(msg.get("content", "")) + "\n")
    return text


class RSEItemScreen(WorkbenchScreen):
    """Opened from the RSE screen's items table; ``item_ids`` lets n / p step through the run."""

    DEFAULT_CSS = """
    RSEItemScreen #item-head { height: auto; padding: 0 1; text-style: bold; }
    RSEItemScreen #item-prompt { height: auto; max-height: 30%; padding: 0 1; border: round $primary-darken-2; }
    RSEItemScreen #item-columns { height: 1fr; }
    RSEItemScreen .item-col { width: 1fr; border: round $accent-darken-2; padding: 0 1; }
    RSEItemScreen #item-verdict { height: auto; max-height: 35%; padding: 0 1; border: round $secondary; }
    """

    BINDINGS = [
        Binding("escape", "close", "Back", id="rse_item.close"),
        Binding("n", "step(1)", "Next item", id="rse_item.next"),
        Binding("p", "step(-1)", "Previous item", id="rse_item.previous"),
    ]

    def __init__(self, item_id: int, item_ids: list[int] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.item_id = item_id
        self.item_ids = item_ids or [item_id]
        self.detail: dict[str, Any] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("loading…", id="item-head")
        with VerticalScroll(id="item-prompt"):
            yield Static("", id="item-prompt-text")
        with Horizontal(id="item-columns"):
            with VerticalScroll(classes="item-col", id="item-ref-col"):
                yield Static("", id="item-reference")
            with VerticalScroll(classes="item-col", id="item-tgt-col"):
                yield Static("", id="item-target")
        with VerticalScroll(id="item-verdict"):
            yield Static("", id="item-verdict-text")

    def on_mount(self) -> None:
        self._load(self.item_id)

    @work(thread=True, exclusive=True, group="rse-item-load")
    def _load(self, item_id: int) -> None:
        from workbench.runs.rse import item_detail

        db = self.app.read_db()
        try:
            detail = item_detail(db, item_id)
        except Exception as exc:  # a deleted item or a broken row: say so instead of crashing
            self.app.call_from_thread(self._show_error, f"{type(exc).__name__}: {exc}")
            return
        finally:
            db.close()
        self.app.call_from_thread(self._show, detail)

    def _show_error(self, message: str) -> None:
        self.query_one("#item-head", Static).update(Text(message, style="red"))

    def _show(self, detail: dict[str, Any]) -> None:
        self.detail = detail
        meta = detail["meta"]
        pos = self.item_ids.index(detail["item_id"]) + 1 if detail["item_id"] in self.item_ids else 0
        where = f"  ({pos}/{len(self.item_ids)})" if pos else ""
        self.query_one("#item-head", Static).update(Text(
            f"run {detail['run_id']} · item {detail['item_id']} · {meta.get('set')}/{meta.get('prompt_id')} · "
            f"{detail['status']}{where}"))
        self.query_one("#item-prompt-text", Static).update(conversation_text(detail["messages"]))
        for side, widget_id, col in (("reference", "#item-reference", "#item-ref-col"),
                                     ("target", "#item-target", "#item-tgt-col")):
            s = detail[side]
            self.query_one(col).border_title = f"{side}: {s['model']}"
            body = Text(s["text"]) if s["text"] is not None else Text(
                s.get("error") or "no answer yet", style="dim")
            self.query_one(widget_id, Static).update(body)
        self.query_one("#item-verdict-text", Static).update(verdict_renderable(detail))
        self.query_one("#item-verdict").border_title = "measures and verdict"

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_step(self, delta: int) -> None:
        if self.item_id not in self.item_ids:
            return
        i = self.item_ids.index(self.item_id) + delta
        if 0 <= i < len(self.item_ids):
            self.item_id = self.item_ids[i]
            self._load(self.item_id)
