"""The ICE run form: target, judge, helper, budget and the small-run knobs."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

NO_HELPER = "none"
RULE = "rule"


@dataclass
class ICEFormValues:
    target: str
    judge: str
    helper: str | None
    budget: int
    questions: int | None
    templates: int | None
    max_tokens: int | None


def _int(raw: str, name: str, *, optional: bool) -> int | None:
    raw = raw.strip()
    if not raw:
        if optional:
            return None
        raise ValueError(f"{name} is required")
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value


class ICERunForm(Vertical):
    DEFAULT_CSS = """
    ICERunForm { height: auto; padding: 0 1; }
    ICERunForm Horizontal { height: auto; }
    ICERunForm .field { width: 2fr; height: auto; padding-right: 1; }
    ICERunForm .field.target { width: 3fr; }  /* model names are long; judge and helper often short */
    ICERunForm .narrow { width: 12; height: auto; padding-right: 1; }
    ICERunForm Label { color: $text-muted; }
    ICERunForm Button { margin: 1 0 0 1; min-width: 8; }
    ICERunForm .gap { width: 1; }
    """

    def __init__(self, models: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.models = models

    def compose(self) -> ComposeResult:
        models = [(m, m) for m in self.models]
        with Horizontal():
            with Vertical(classes="field target"):
                yield Label("target")
                yield Select(models, id="ice-target", allow_blank=False, compact=True)
            with Vertical(classes="field"):
                yield Label("judge")
                yield Select([("rule (no model)", RULE), *models], id="ice-judge", allow_blank=False,
                             value=RULE, compact=True)
            with Vertical(classes="field"):
                yield Label("helper (fuzzing)")
                yield Select([("none (seeds only)", NO_HELPER), *models], id="ice-helper",
                             allow_blank=False, value=NO_HELPER, compact=True)
        # Numbers and buttons on a row of their own: in one row, an 80-120 column terminal left
        # the model pickers a dozen columns wide and model names wrapped over six lines.
        with Horizontal():
            with Vertical(classes="narrow"):
                yield Label("budget")
                yield Input("40", id="ice-budget", type="integer", compact=True)
            with Vertical(classes="narrow"):
                yield Label("questions")
                yield Input("", id="ice-questions", type="integer", placeholder="all", compact=True)
            with Vertical(classes="narrow"):
                yield Label("templates")
                yield Input("", id="ice-templates", type="integer", placeholder="all", compact=True)
            with Vertical(classes="narrow"):
                yield Label("max tokens")
                yield Input("128", id="ice-max-tokens", type="integer", placeholder="default", compact=True)
            yield Button("Start", id="ice-start", variant="primary", compact=True)
            yield Button("Stop", id="ice-stop", variant="error", disabled=True, compact=True)

    def set_judges(self, folders: list[str]) -> None:
        """Offer the distilled judges found on disk and in the store beside rule and the models."""
        from pathlib import Path

        select = self.query_one("#ice-judge", Select)
        current = select.value
        options = [("rule (no model)", RULE),
                   *((f"distilled: {Path(f).name}", f) for f in folders),
                   *((m, m) for m in self.models)]
        select.set_options(options)
        if current in {v for _, v in options}:
            select.value = current

    def values(self) -> ICEFormValues:
        """What the form says; ValueError with a readable message when a field is wrong."""
        helper = self.query_one("#ice-helper", Select).value
        return ICEFormValues(
            target=str(self.query_one("#ice-target", Select).value),
            judge=str(self.query_one("#ice-judge", Select).value),
            helper=None if helper in (NO_HELPER, Select.BLANK) else str(helper),
            budget=_int(self.query_one("#ice-budget", Input).value, "budget", optional=False) or 1,
            questions=_int(self.query_one("#ice-questions", Input).value, "questions", optional=True),
            templates=_int(self.query_one("#ice-templates", Input).value, "templates", optional=True),
            max_tokens=_int(self.query_one("#ice-max-tokens", Input).value, "max tokens", optional=True),
        )

    def set_running(self, running: bool) -> None:
        self.query_one("#ice-start", Button).disabled = running
        self.query_one("#ice-stop", Button).disabled = not running
