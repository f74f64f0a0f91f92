"""The ICE run form: target, judge, helper, budget and the small-run knobs."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from workbench.ui.widgets.select_options import reoffer

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


def _int(raw: str, name: str, *, optional: bool, most: int | None = None) -> int | None:
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
    if most is not None and value > most:
        raise ValueError(f"{name}: only {most} exist, so at most {most}")
    return value


# The number fields: (id, name, optional). Their text is not restricted as typed (a field
# that silently drops a typed letter then starts with its default); it is checked instead,
# every field at once, and the form says what is wrong.
NUMBER_FIELDS = (("ice-budget", "budget", False), ("ice-questions", "questions", True),
                 ("ice-templates", "templates", True), ("ice-max-tokens", "max tokens", True))


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
    ICERunForm Input.-invalid { color: $error; text-style: bold reverse; }
    ICERunForm #ice-form-errors { color: $error; height: auto; display: none; }
    ICERunForm #ice-form-errors.-shown { display: block; }
    """

    def __init__(self, models: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.models = models
        # How many exist (read off the UI thread once mounted): a count above it is refused.
        self.limits: dict[str, int] = {}
        self.judge_folders: list[str] = []

    def compose(self) -> ComposeResult:
        models = [(m, m) for m in self.models]
        with Horizontal():
            with Vertical(classes="field target"):
                yield Label("target")
                yield Select(models, id="ice-target", allow_blank=False, compact=True)
            with Vertical(classes="field"):
                yield Label("judge")
                yield Select([("rule (no model)", RULE), *_model_judge_options(self.models)], id="ice-judge",
                             allow_blank=False,
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
                yield Input("40", id="ice-budget", compact=True)
            with Vertical(classes="narrow"):
                yield Label("questions", id="ice-questions-label")
                yield Input("", id="ice-questions", placeholder="all", compact=True)
            with Vertical(classes="narrow"):
                yield Label("templates", id="ice-templates-label")
                yield Input("", id="ice-templates", placeholder="all", compact=True)
            with Vertical(classes="narrow"):
                yield Label("max tokens")
                # Empty: the target's models.toml max_tokens, else none (the one rule, as the CLI).
                yield Input("", id="ice-max-tokens", placeholder="model's", compact=True)
            yield Button("Start", id="ice-start", variant="primary", compact=True)
            yield Button("Stop", id="ice-stop", variant="error", disabled=True, compact=True)
        yield Static("", id="ice-form-errors", markup=False)

    def on_mount(self) -> None:
        self._count_what_exists()

    @work(thread=True, exclusive=True, group="ice-form-limits")
    def _count_what_exists(self) -> None:
        from probes.ice.templates import load_seed_templates

        from workbench.runs.ice_plan import ICERunConfig, load_all_questions

        limits = {"templates": len(load_seed_templates()),
                  "questions": len(load_all_questions(ICERunConfig(target="").langs))}
        self.app.call_from_thread(self._set_limits, limits)

    def _set_limits(self, limits: dict[str, int]) -> None:
        self.limits = limits
        for name, count in limits.items():
            self.query_one(f"#ice-{name}", Input).placeholder = f"all {count}"
        self.check()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in {f for f, _, _ in NUMBER_FIELDS}:
            self.check()

    def problems(self) -> dict[str, str]:
        """Every number field that cannot be used, by id, with what to fix."""
        found: dict[str, str] = {}
        for field_id, name, optional in NUMBER_FIELDS:
            try:
                _int(self.query_one(f"#{field_id}", Input).value, name, optional=optional,
                     most=self.limits.get(name))
            except ValueError as exc:
                found[field_id] = str(exc)
        return found

    def check(self) -> dict[str, str]:
        """Mark the wrong fields and list every problem under the form (all at once)."""
        found = self.problems()
        for field_id, _, _ in NUMBER_FIELDS:
            self.query_one(f"#{field_id}", Input).set_class(field_id in found, "-invalid")
        errors = self.query_one("#ice-form-errors", Static)
        errors.update("✗ " + " · ".join(found.values()) if found else "")
        errors.set_class(bool(found), "-shown")
        return found

    def set_judges(self, folders: list[str]) -> None:
        """Offer the distilled judges found on disk and in the store beside rule and the models."""
        self.judge_folders = folders
        self.set_models(self.models)

    def set_models(self, models: list[str]) -> None:
        """Offer ``models`` (models.toml read again): a choice still offered is kept."""
        self.models = models
        offered = [(m, m) for m in models]
        distilled = _distilled_options(self.judge_folders)
        judges = [("rule (no model)", RULE), *distilled, *_model_judge_options(models)]
        reoffer(self.query_one("#ice-target", Select), offered)
        reoffer(self.query_one("#ice-judge", Select), judges)
        reoffer(self.query_one("#ice-helper", Select), [("none (seeds only)", NO_HELPER), *offered])

    def values(self) -> ICEFormValues:
        """What the form says; ValueError naming every wrong field when any is wrong."""
        found = self.check()
        if found:
            raise ValueError("; ".join(found.values()))
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


def _distilled_options(folders: list[str]) -> list[tuple[str, str]]:
    from pathlib import Path

    from workbench.judging import BUILTIN

    # Built-in judges come by name ("learned"), the user's by folder.
    return [(f"{f} (built in)" if f in BUILTIN else f"distilled: {Path(f).name}", f) for f in folders]


def _model_judge_options(models: list[str]) -> list[tuple[str, str]]:
    """Each model as a judge with our prompts, then each asked the ICE paper's loose question,
    labelled as the CLI spells it (a longer label wraps in the judge column)."""
    from workbench.judging import PAPER_PREFIX

    return [*((m, m) for m in models), *((f"{PAPER_PREFIX}{m}", f"{PAPER_PREFIX}{m}") for m in models)]
