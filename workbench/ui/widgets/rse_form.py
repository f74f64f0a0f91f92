"""The RSE run form: reference, targets, prompt sets, judge, the number fields and the checks.

``options()`` reads it into the run's ``RSEOptions`` or raises ``RSEError`` with every problem
at once, in the form's words; the screen starts and stops the run.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList

from workbench.models.types import MAX_TEMPERATURE
from workbench.ui.hints import bound_key
from workbench.ui.keys import ACTION_KEYS
from workbench.ui.widgets.marked_toggles import MarkedCheckbox, MarkedSelectionList
from workbench.ui.widgets.select_options import reoffer

NO_JUDGE = "none"
# The CLI flags that prepare()'s messages name, as this form labels them.
FORM_LABELS = {"allow-self-judge": "allow the reference to judge", "judge": "judge", "target": "target",
               "set": "prompt set", "reference": "reference model", "limit": "limit"}


# (id, name, type) of the form's number fields; None is an empty field (its default).
NUMBER_FIELDS = (("rse-limit", "limit per set", int), ("rse-max-tokens", "max tokens", int),
                 ("rse-temperature", "temperature", float), ("rse-target-temperature", "targets' temperature", float))


def _number(raw: str, kind: type, name: str = "value") -> Any:
    """The number typed (None when empty); ValueError saying what to fix."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, not {raw!r}") from None
    if kind is int and value < 1:
        raise ValueError(f"{name} must be 1 or more")
    if kind is float and not 0 <= value <= MAX_TEMPERATURE:
        raise ValueError(f"{name} must be between 0 and {MAX_TEMPERATURE:g}")
    return value


class RSERunForm(VerticalScroll):
    """The set-up pane; its Start and Stop buttons post ``Button.Pressed`` to the screen."""

    DEFAULT_CSS = """
    RSERunForm Label { margin-top: 1; color: $text-muted; }
    RSERunForm SelectionList { height: auto; max-height: 8; }
    RSERunForm .row { height: auto; }
    RSERunForm .field { width: 1fr; height: auto; margin-right: 1; }
    RSERunForm Input.-invalid { color: $error; text-style: bold reverse; }
    RSERunForm Button { width: 1fr; margin-top: 1; }
    RSERunForm { scrollbar-size-vertical: 1; }
    """

    def __init__(self, models: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.models = models

    def compose(self) -> ComposeResult:
        from probes.rse.sets import builtin_sets

        models = self.models
        # Compact widgets, and each number with a short label of its own: at 80x24 the
        # bordered widgets and two-field labels ("Temperature: both · targets only")
        # were cut and pushed the form off screen.
        yield Label("Reference model")
        yield Select([(m, m) for m in models], id="rse-reference", allow_blank=True,
                     value=models[0] if models else Select.BLANK, prompt="reference", compact=True)
        yield Label("Target models (space ticks)")
        yield MarkedSelectionList(*[(m, m) for m in models], id="rse-targets", compact=True)
        yield Label("Prompt sets")
        yield MarkedSelectionList(*[(s, s, s == "arena") for s in builtin_sets()], id="rse-sets",
                                       compact=True)
        yield Input(placeholder="or a .jsonl file path", id="rse-set-path", compact=True)
        yield Label("Judge")
        yield Select([("none (similarity only)", NO_JUDGE), *[(m, m) for m in models]], id="rse-judge",
                     allow_blank=False, value=NO_JUDGE, compact=True)
        # Number fields keep what was typed (no silent dropping) and are checked instead.
        with Horizontal(classes="row"):
            with Vertical(classes="field"):
                yield Label("limit per set")
                yield Input(placeholder="all", id="rse-limit", compact=True)
            with Vertical(classes="field"):
                yield Label("max tokens")
                # Empty: the model's models.toml max_tokens, else 512 (the one rule).
                yield Input(placeholder="model's", id="rse-max-tokens", compact=True)
        with Horizontal(classes="row"):
            with Vertical(classes="field"):
                yield Label("temperature")
                yield Input(placeholder="model's", id="rse-temperature", compact=True)
            with Vertical(classes="field"):
                yield Label("targets' temp.")
                yield Input(placeholder="same", id="rse-target-temperature", compact=True)
        yield MarkedCheckbox("judge both orders (swap)", id="rse-swap", compact=True)
        yield MarkedCheckbox("fresh answers (no reuse)", id="rse-fresh", compact=True)
        yield MarkedCheckbox("allow the reference to judge", id="rse-self-judge", compact=True)
        yield Button(f"Start ({bound_key(self.app, 'rse.start', ACTION_KEYS['start'])})",
                     id="rse-start", variant="primary", compact=True)
        yield Button(f"Stop ({bound_key(self.app, 'rse.cancel', ACTION_KEYS['stop'])})",
                     id="rse-cancel", variant="error", disabled=True, compact=True)

    def set_models(self, models: list[str]) -> None:
        """Offer ``models`` (models.toml read again): choices and ticks still offered are kept."""
        self.models = models
        offered = [(m, m) for m in models]
        for select_id, fixed in (("#rse-reference", []), ("#rse-judge", [("none (similarity only)", NO_JUDGE)])):
            reoffer(self.query_one(select_id, Select), [*fixed, *offered])
        targets = self.query_one("#rse-targets", SelectionList)
        ticked = set(targets.selected)
        targets.clear_options()
        targets.add_options([(m, m, m in ticked) for m in models])

    def options(self) -> Any:
        from workbench.runs.rse import RSEError, RSEOptions

        reference = self.query_one("#rse-reference", Select).value
        if reference is Select.BLANK or reference is None:
            raise RSEError("choose a reference model")
        targets = list(self.query_one("#rse-targets", SelectionList).selected)
        sets = list(self.query_one("#rse-sets", SelectionList).selected)
        path = self.query_one("#rse-set-path", Input).value.strip()
        if path:
            sets.append(path)
        judge = self.query_one("#rse-judge", Select).value
        # Said here in the form's words; prepare() words the same checks for the CLI's flags.
        # Every problem at once, so one round of edits fixes the form.
        problems = []
        if not targets:
            problems.append("tick at least one target model (space ticks the highlighted one)")
        if not sets:
            problems.append("tick at least one prompt set, or give a .jsonl file path")
        numbers = self.check_numbers()
        problems += numbers.values()
        if problems:
            raise RSEError("; ".join(problems))
        limit = _number(self.query_one("#rse-limit", Input).value, int)
        # An empty field sends nothing: each model's models.toml params, else the run's
        # defaults (runs/rse/options.py), as the CLI does when a flag is left out.
        max_tokens = _number(self.query_one("#rse-max-tokens", Input).value, int)
        temperature = _number(self.query_one("#rse-temperature", Input).value, float)
        target_temperature = _number(self.query_one("#rse-target-temperature", Input).value, float)
        # A sampled variant of the reference: same model, targets alone at another temperature.
        target_params = {"temperature": target_temperature} if target_temperature is not None else {}
        return RSEOptions(
            reference=str(reference), targets=targets, sets=sets,
            judge=None if judge in (NO_JUDGE, Select.BLANK) else str(judge), limit=limit,
            swap=self.query_one("#rse-swap", Checkbox).value, fresh=self.query_one("#rse-fresh", Checkbox).value,
            params={k: v for k, v in (("temperature", temperature), ("max_tokens", max_tokens)) if v is not None},
            target_params=target_params,
            allow_self_judge=self.query_one("#rse-self-judge", Checkbox).value)

    def check_numbers(self) -> dict[str, str]:
        """Mark every number field that cannot be used; {field id: what to fix}."""
        found: dict[str, str] = {}
        for field_id, name, kind in NUMBER_FIELDS:
            box = self.query_one(f"#{field_id}", Input)
            try:
                _number(box.value, kind, name)
            except ValueError as exc:
                found[field_id] = str(exc)
            box.set_class(field_id in found, "-invalid")
        return found

    @on(Input.Changed, "#rse-limit, #rse-max-tokens, #rse-temperature, #rse-target-temperature")
    def _number_changed(self) -> None:
        self.check_numbers()
