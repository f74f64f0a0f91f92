"""A small form that starts an EvoKD job (the same options as `workbench evokd run`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from workbench.ui.hints import in_form_words

FIELDS = (
    # id, label, default, help
    ("dataset", "dataset", "bbc-news", "bbc-news, a folder with train/test files, or a train file"),
    ("shots", "shots", "1", "seed examples per class"),
    ("rounds", "rounds", "3", "teacher rounds"),
    ("per_round", "per round", "10", "texts asked of the teacher per batch"),
    ("budget", "budget", "", "teacher tokens per round (blank: one batch)"),
    ("teacher", "teacher", "", "any model from `workbench models`"),  # default: default_teacher()
    ("student", "student", "", "encoder folder (blank: all-MiniLM-L6-v2)"),
    ("seed", "seed", "0", ""),
)


class NewJobDialog(ModalScreen[dict | None]):
    DEFAULT_CSS = """
    NewJobDialog { align: center middle; }
    NewJobDialog > Vertical { width: 90; height: auto; border: thick $accent; background: $surface; padding: 1 2; }
    NewJobDialog Grid { grid-size: 2; grid-columns: 14 1fr; grid-rows: 3; height: auto; }
    NewJobDialog Label { padding: 1 0; }
    NewJobDialog #new-job-error { color: $error; height: auto; }
    NewJobDialog Horizontal { height: auto; align: right middle; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="jobs.new.cancel"),
        Binding("ctrl+s", "start", "Start", priority=True, id="jobs.new.start"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("[b]New EvoKD job[/b] — runs in its own process; closing the app does not stop it")
            with Grid():
                for fid, label, default, help_text in FIELDS:
                    if fid == "teacher":
                        from workbench.distill.options import default_teacher

                        default = default_teacher()
                    yield Label(label)
                    yield Input(value=default, placeholder=help_text, id=f"new-{fid}")
                yield Label("method")
                yield Select([("EvoKD", "evokd"), ("baseline: static", "static"), ("baseline: none", "none")],
                             value="evokd", allow_blank=False, id="new-method")
                yield Label("device")
                yield Select([("auto", "auto"), ("cpu", "cpu"), ("cuda", "cuda")], value="auto",
                             allow_blank=False, id="new-device")
            yield Checkbox("also train the full-shot reference", id="new-full-shot")
            yield Static("", id="new-job-error")
            with Horizontal():
                yield Button("Start", variant="primary", id="new-start")
                yield Button("Cancel", id="new-cancel")

    def _value(self, fid: str) -> str:
        return self.query_one(f"#new-{fid}", Input).value.strip()

    def options(self) -> dict[str, Any]:
        """The form as validated EvoKD options; a ValueError (OptionsError is one) says what to fix."""
        from workbench.distill.data import DatasetError, check_dataset
        from workbench.distill.options import EvoKDOptions

        def number(fid: str) -> int:
            try:
                return int(self._value(fid))
            except ValueError as exc:
                raise ValueError(f"{fid.replace('_', ' ')} must be a whole number") from exc

        def path_or_name(value: str) -> str:
            # The worker may run from another directory: store folders as absolute paths.
            return str(Path(value).expanduser().resolve()) if value and Path(value).expanduser().exists() else value

        budget = self._value("budget")
        opts = EvoKDOptions(
            dataset=path_or_name(self._value("dataset")), shots=number("shots"), rounds=number("rounds"),
            per_round=number("per_round"), budget=int(budget) if budget else None,
            teacher=self._value("teacher"), student=path_or_name(self._value("student")) or None, seed=number("seed"),
            method=str(self.query_one("#new-method", Select).value),
            device=str(self.query_one("#new-device", Select).value),
            full_shot=self.query_one("#new-full-shot", Checkbox).value,
        )
        opts.validate()
        try:
            # Before any job row exists, as `evokd run` does: a refused dataset leaves no failed job.
            check_dataset(opts.dataset)
        except DatasetError as exc:
            raise ValueError(str(exc)) from exc
        return opts.to_dict()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "new-cancel":
            self.dismiss(None)
            return
        self.action_start()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter in any field starts the job, as ctrl+s does: no tabbing to the button.
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        try:
            options = self.options()
        except ValueError as exc:  # OptionsError is a ValueError
            self.query_one("#new-job-error", Static).update(in_form_words(str(exc)))
            return
        self.dismiss(options)

    def action_cancel(self) -> None:
        self.dismiss(None)
