"""A small form that starts an EvoKD job (the same options as `workbench evokd run`).

It fits 80x24: compact fields two to a row, and the errors and buttons outside the scrolling
part, so they are always on screen. Every problem with the form is listed at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from workbench.ui.hints import in_form_words

WIDE_FIELDS = (
    # id, label, default, help
    ("dataset", "dataset", "bbc-news", "bbc-news, a folder with train/test files, or a train file"),
    ("teacher", "teacher", "", "any model from `workbench models`"),  # default: default_teacher()
    ("student", "student", "", "encoder folder (blank: all-MiniLM-L6-v2)"),
)
# id, label, kind (int | float | int?: blank allowed), help; defaults come from EvoKDOptions.
NUMBER_FIELDS = (
    ("shots", "shots", "int", "seed examples per class"),
    ("rounds", "rounds", "int", "teacher rounds"),
    ("per_round", "per round", "int", "texts asked per batch"),
    ("budget", "budget", "int?", "tokens/round (blank: one batch)"),
    ("lr", "lr", "float", "student learning rate"),
    ("epochs", "epochs", "int", "passes over the data a round"),
    ("batch_size", "batch size", "int", "student batch size"),
    ("replay", "replay", "int?", "earlier samples a round (blank: all)"),
    ("seed", "seed", "int", ""),
)


class NewJobDialog(ModalScreen[dict | None]):
    DEFAULT_CSS = """
    NewJobDialog { align: center middle; }
    NewJobDialog > Vertical { width: 78; max-width: 100%; height: auto; max-height: 100%;
                              border: thick $accent; background: $surface; padding: 0 1; }
    NewJobDialog #new-fields { height: auto; max-height: 1fr; }
    NewJobDialog Grid { grid-size: 2; grid-columns: 9 1fr; grid-rows: 1; grid-gutter: 0 1; height: auto; }
    NewJobDialog #new-numbers { grid-size: 4; grid-columns: 11 1fr 11 1fr; }
    NewJobDialog Label { width: 100%; text-align: right; color: $text-muted; }
    NewJobDialog #new-job-error { color: $error; height: auto; }
    NewJobDialog #new-buttons { height: auto; align: right middle; }
    NewJobDialog #new-buttons Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="jobs.new.cancel"),
        Binding("ctrl+s", "start", "Start", priority=True, id="jobs.new.start"),
    ]

    def compose(self) -> ComposeResult:
        from workbench.distill.options import EvoKDOptions, default_teacher

        defaults = EvoKDOptions(dataset="")
        with Vertical():
            yield Static("[b]New EvoKD job[/b] — its own process; closing the app does not stop it")
            with VerticalScroll(id="new-fields"):
                with Grid():
                    for fid, label, default, help_text in WIDE_FIELDS:
                        if fid == "teacher":
                            default = default_teacher()
                        yield Label(label)
                        yield Input(value=default, placeholder=help_text, id=f"new-{fid}", compact=True)
                with Grid(id="new-numbers"):
                    for fid, label, kind, help_text in NUMBER_FIELDS:
                        value = getattr(defaults, fid)
                        yield Label(label)
                        yield Input(value="" if value is None else f"{value:g}" if kind == "float" else str(value),
                                    placeholder=help_text, id=f"new-{fid}", compact=True)
                    yield Label("method")
                    yield Select([("EvoKD", "evokd"), ("baseline: static", "static"), ("baseline: none", "none")],
                                 value="evokd", allow_blank=False, id="new-method", compact=True)
                    yield Label("device")
                    yield Select([("auto", "auto"), ("cpu", "cpu"), ("cuda", "cuda")], value="auto",
                                 allow_blank=False, id="new-device", compact=True)
                yield Checkbox("also train the full-shot reference", id="new-full-shot", compact=True)
            yield Static("", id="new-job-error")
            with Horizontal(id="new-buttons"):
                yield Button("Start", variant="primary", id="new-start", compact=True)
                yield Button("Cancel", id="new-cancel", compact=True)

    def _value(self, fid: str) -> str:
        return self.query_one(f"#new-{fid}", Input).value.strip()

    def options(self) -> dict[str, Any]:
        """The form as validated EvoKD options; a ValueError lists every problem, one a line."""
        from workbench.distill.data import DatasetError, check_dataset
        from workbench.distill.options import EvoKDOptions

        problems: list[str] = []
        numbers: dict[str, Any] = {}
        for fid, label, kind, _ in NUMBER_FIELDS:
            raw = self._value(fid)
            if not raw and kind.endswith("?"):
                numbers[fid] = None
                continue
            try:
                numbers[fid] = float(raw) if kind == "float" else int(raw)
            except ValueError:
                what = "a number such as 5e-5" if kind == "float" else "a whole number"
                problems.append(f"{label} must be {what}")

        def path_or_name(value: str) -> str:
            # The worker may run from another directory: store folders as absolute paths.
            return str(Path(value).expanduser().resolve()) if value and Path(value).expanduser().exists() else value

        opts = EvoKDOptions(
            dataset=path_or_name(self._value("dataset")), teacher=self._value("teacher"),
            student=path_or_name(self._value("student")) or None,
            method=str(self.query_one("#new-method", Select).value),
            device=str(self.query_one("#new-device", Select).value),
            full_shot=self.query_one("#new-full-shot", Checkbox).value,
            **{k: v for k, v in numbers.items() if v is not None or k in ("budget", "replay")},
        )
        problems += [in_form_words(p) for p in opts.problems()]
        if not problems:
            try:
                # Before any job row exists, as `evokd run` does: a refused dataset leaves no failed job.
                check_dataset(opts.dataset)
            except DatasetError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("\n".join(problems))
        return opts.to_dict()

    @on(Button.Pressed, "#new-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#new-start")
    def _start_pressed(self) -> None:
        self.action_start()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter in any field starts the job, as ctrl+s does: no tabbing to the button.
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        try:
            options = self.options()
        except ValueError as exc:  # OptionsError is a ValueError
            lines = str(exc).splitlines()
            self.query_one("#new-job-error", Static).update("\n".join(f"• {line}" for line in lines))
            return
        self.dismiss(options)

    def action_cancel(self) -> None:
        self.dismiss(None)
