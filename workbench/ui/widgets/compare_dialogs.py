"""Small modal dialogs of the compare and history screens: confirm, export to a file."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

FORMATS = {"md": "Markdown", "jsonl": "JSONL"}

_DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 95%; height: auto; border: thick $accent; background: $surface;
    padding: 1 2;
}}
{name} .dialog-title {{ text-style: bold; padding: 0 0 1 0; }}
{name} .dialog-buttons {{ height: auto; align-horizontal: right; padding: 1 0 0 0; }}
{name} .dialog-buttons Button {{ margin: 0 0 0 1; }}
"""


class ConfirmDialog(ModalScreen[bool]):
    """Yes / no. ``y`` or enter on Yes confirms; ``n`` or escape declines."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="ConfirmDialog")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, *, yes: str = "Delete", title: str = "Are you sure?") -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.question)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes_label} (y)", variant="error", id="confirm-yes")
                yield Button("Keep (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # the safe choice has the focus

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


@dataclass
class ExportChoice:
    fmt: str  # md | jsonl
    path: Path  # absolute, not yet written
    whole_session: bool = False  # the dialog offered "this exchange" and the user chose the session


def resolve_export_path(typed: str, default_name: str, cwd: Path | None = None) -> Path:
    """Where an export goes: a typed file, a typed folder (default name inside), or ``cwd``
    (the exports folder unless given)."""
    base = cwd or _exports_dir()
    typed = typed.strip()
    if not typed:
        return (base / default_name).resolve()
    path = Path(typed).expanduser()
    if not path.is_absolute():
        path = base / path
    if path.is_dir():
        path = path / default_name
    return path.resolve()


def _exports_dir() -> Path:
    from workbench.config import exports_dir

    return exports_dir()


class ExportDialog(ModalScreen[ExportChoice | None]):
    """Pick Markdown or JSONL and a path (relative paths are under the exports folder)."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="ExportDialog") + """
    ExportDialog RadioSet { width: 100%; layout: horizontal; height: auto; margin: 0 0 1 0; }
    ExportDialog .dialog-help { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, what: str, stem: str, *, fmt: str = "md", cwd: Path | None = None,
                 session: tuple[str, str] | None = None) -> None:
        """``session`` = (what, stem) of the whole session, offered beside one exchange."""
        super().__init__()
        self.scopes = {"exchange": (what, stem)}
        if session is not None:
            self.scopes["session"] = session
        self.scope = "exchange"
        self.fmt = fmt
        self.cwd = cwd or _exports_dir()

    @property
    def what(self) -> str:
        return self.scopes[self.scope][0]

    @property
    def stem(self) -> str:
        return self.scopes[self.scope][1]

    def _default_name(self) -> str:
        return f"{self.stem}.{self.fmt}"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Export {self.what}", classes="dialog-title", id="export-title")
            if len(self.scopes) > 1:
                with RadioSet(id="export-scope"):
                    yield RadioButton("this exchange", value=True, id="export-scope-exchange")
                    yield RadioButton("the whole session", id="export-scope-session")
            with RadioSet(id="export-format"):
                for fmt, label in FORMATS.items():
                    yield RadioButton(label, value=fmt == self.fmt, id=f"export-{fmt}")
            yield Input(self._default_name(), id="export-path", placeholder="file or folder")
            yield Static(f"relative paths are under {self.cwd}", classes="dialog-help", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export (enter)", variant="primary", id="export-ok")
                yield Button("Cancel (esc)", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(RadioSet.Changed, "#export-scope")
    def _scope_chosen(self, event: RadioSet.Changed) -> None:
        event.stop()
        path_input = self.query_one("#export-path", Input)
        old_default = self._default_name()
        self.scope = (event.pressed.id or "").removeprefix("export-scope-") or "exchange"
        self.query_one("#export-title", Static).update(f"Export {self.what}")
        if path_input.value in ("", old_default):
            path_input.value = self._default_name()

    @on(RadioSet.Changed, "#export-format")
    def _format_chosen(self, event: RadioSet.Changed) -> None:
        event.stop()
        path_input = self.query_one("#export-path", Input)
        old_default = self._default_name()
        new_fmt = (event.pressed.id or "export-md").removeprefix("export-")
        self.fmt = new_fmt
        # Follow the format in the file name unless the user typed a name of their own.
        if path_input.value in ("", old_default):
            path_input.value = self._default_name()
        elif path_input.value.endswith(f".{'jsonl' if new_fmt == 'md' else 'md'}"):
            stem = path_input.value.rsplit(".", 1)[0]
            path_input.value = f"{stem}.{new_fmt}"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    @on(Button.Pressed, "#export-ok")
    def _ok_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._submit()

    @on(Button.Pressed, "#export-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _submit(self) -> None:
        path = resolve_export_path(self.query_one("#export-path", Input).value, self._default_name(), self.cwd)
        if path.exists():
            self.notify(f"{path} already exists: type another file name", severity="error")
            return
        if not path.parent.is_dir():
            if path.parent != self.cwd:
                self.notify(f"folder {path.parent} does not exist", severity="error")
                return
            try:  # the default exports folder is made on first use
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self.notify(f"cannot create {path.parent}: {exc.strerror or exc}", severity="error")
                return
        self.dismiss(ExportChoice(self.fmt, path, whole_session=self.scope == "session"))


def write_export(db_path: Path | str, session_id: int, choice: ExportChoice, exchange_id: int | None = None) -> Path:
    """Write one exchange (or the whole session) to ``choice.path``; call from a worker thread.

    Opens its own connection (threads never share the app's) and never overwrites a file.
    """
    from workbench.store import open_db
    from workbench.store.export import export_session

    db = open_db(db_path)
    try:
        content = export_session(db, session_id, choice.fmt, exchange_id=exchange_id)
    finally:
        db.close()
    with open(choice.path, "x", encoding="utf-8") as fh:  # "x": a file created meanwhile is kept
        fh.write(content)
    return choice.path


def start_export(screen: Screen, session_id: int, exchange_id: int | None = None) -> None:
    """Ask for scope, format and path, then write the file in a thread and say where it went.

    With an exchange, the dialog also offers its whole session.
    """
    session = (f"session {session_id}", f"session-{session_id}")
    app: Any = screen.app
    if exchange_id:
        dialog = ExportDialog(f"exchange {exchange_id} of session {session_id}",
                              f"session-{session_id}-exchange-{exchange_id}", session=session)
    else:
        dialog = ExportDialog(*session)

    def chosen(choice: ExportChoice | None) -> None:
        if choice is not None:
            one = None if choice.whole_session else exchange_id
            what = f"exchange {one} of session {session_id}" if one else f"session {session_id}"
            screen.run_worker(partial(_export_job, app, app.db_path, session_id, choice, one, what),
                              thread=True, group="export", name=f"export {what}", exit_on_error=False)

    app.push_screen(dialog, chosen)


def _export_job(app: Any, db_path: Path, session_id: int, choice: ExportChoice, exchange_id: int | None,
                what: str) -> None:
    try:
        path = write_export(db_path, session_id, choice, exchange_id)
    except FileExistsError:
        app.call_from_thread(app.notify, f"{choice.path} already exists: nothing written", severity="error")
        return
    except Exception as exc:  # unknown session, unwritable folder: one line, nothing half-written
        app.call_from_thread(app.notify, f"export failed: {exc}", severity="error")
        return
    app.call_from_thread(app.notify, f"exported {what} ({FORMATS[choice.fmt]}) to {path}", timeout=10)
