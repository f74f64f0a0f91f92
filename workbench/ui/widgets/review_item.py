"""The item under review: prompt, the target's answer, and (RSE) the reference answer beside it.

Texts are shown as plain ``rich.text.Text`` (no Markdown parsing, no markup): an answer may
hold brackets that look like markup, and plain text renders instantly, which keeps the next
item on screen the moment a key is pressed.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from workbench.review.queue import ReviewItem


class ReviewItemView(Vertical):
    DEFAULT_CSS = """
    ReviewItemView { width: 2fr; height: 1fr; }
    ReviewItemView #review-prompt-box { height: auto; max-height: 35%; border: round $primary-darken-2; }
    ReviewItemView #review-answers { height: 1fr; }
    ReviewItemView .review-answer { width: 1fr; height: 1fr; border: round $secondary; }
    ReviewItemView .review-answer:focus { border: round $accent; }
    ReviewItemView #review-reference-box { display: none; }
    ReviewItemView.-rse #review-reference-box { display: block; }
    ReviewItemView Static { width: 1fr; }
    """
    # (At 80x24 the prompt gets up to half the rows: see the -short rule in workbench.tcss.)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="review-prompt-box"):
            yield Static("", id="review-prompt")
        with Horizontal(id="review-answers"):
            with VerticalScroll(id="review-response-box", classes="review-answer"):
                yield Static("", id="review-response")
            with VerticalScroll(id="review-reference-box", classes="review-answer"):
                yield Static("", id="review-reference")

    def on_mount(self) -> None:
        self.query_one("#review-prompt-box").border_title = "prompt"
        self.query_one("#review-response-box").border_title = "response"
        self.query_one("#review-reference-box").border_title = "reference"

    def show(self, item: ReviewItem | None, *, kind: str, target: str | None = None,
             reference: str | None = None, empty: str = "") -> None:
        self.set_class(kind == "rse", "-rse")
        prompt_box = self.query_one("#review-prompt-box", VerticalScroll)
        response_box = self.query_one("#review-response-box", VerticalScroll)
        reference_box = self.query_one("#review-reference-box", VerticalScroll)
        if item is None:
            self.query_one("#review-prompt", Static).update(Text(empty))
            self.query_one("#review-response", Static).update("")
            self.query_one("#review-reference", Static).update("")
            return
        meta = item.meta
        tags = [f"#{item.id}", item.key]
        for key in ("category", "set", "lang", "template_id"):
            if meta.get(key):
                tags.append(str(meta[key]))
        prompt_box.border_title = "prompt · " + " · ".join(tags)
        self.query_one("#review-prompt", Static).update(Text(item.prompt or "(no prompt stored)"))
        who = meta.get("target") or target
        response_box.border_title = f"response · {who}" if who else "response"
        self.query_one("#review-response", Static).update(Text(item.response or "(no response stored)"))
        if kind == "rse":
            ref = meta.get("reference") or reference
            reference_box.border_title = f"reference · {ref}" if ref else "reference"
            self.query_one("#review-reference", Static).update(Text(item.reference or "(no reference answer)"))
        for box in (prompt_box, response_box, reference_box):
            box.scroll_home(animate=False)
