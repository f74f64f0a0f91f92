"""The RSE screen: set up a response-similarity run, follow it live, read its results.

The run itself goes on its own event loop in its own thread (``ui/run_thread.py``: each
item's store writes may wait for another process's lock, never on the UI loop), followed by
an async worker owned by the app (not this screen), so it keeps going while you look at
other screens. The new run's row is created by the app's store writer. It reports through
messages; the screen re-reads the store (in thread workers) to draw progress, results,
items and the matrix.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import (Button, Checkbox, DataTable, Input, Label, Select, SelectionList, Static,
                             TabbedContent, TabPane)
from textual.worker import get_current_worker

from workbench.models.types import MAX_TEMPERATURE
from workbench.ui.hints import bound_key, in_form_words, with_resume_key
from workbench.ui.keys import ACTION_KEYS, action_binding
from workbench.ui.run_thread import RunThread, start_run_thread
from workbench.ui.widgets.heatmap import Heatmap
from workbench.ui.widgets.marked_toggles import MarkedCheckbox, MarkedSelectionList
from workbench.ui.widgets.rse_results import RSEResultsTable
from workbench.ui.widgets.run_export import export_run_verdicts
from workbench.ui.widgets.run_progress import RunProgress
from workbench.ui.widgets.screen_base import WorkbenchScreen

NO_JUDGE = "none"
REFRESH_S = 0.5  # at most two store reloads a second while items stream in
STARTING = -1  # active_run_id while the new run's row is being stored or checked
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


class RSERunEvent(Message):
    """A run's engine event (progress, item, state, finished), forwarded from the worker."""

    def __init__(self, event: Any):
        super().__init__()
        self.event = event


class RSERunEnded(Message):
    def __init__(self, run_id: int, status: str, error: str | None = None):
        super().__init__()
        self.run_id = run_id
        self.status = status
        self.error = error


class RSEScreen(WorkbenchScreen):
    DEFAULT_CSS = """
    RSEScreen #rse-main { height: 1fr; }
    RSEScreen #rse-setup { width: 46; border-right: solid $primary-darken-2; padding: 0 1; }
    RSEScreen #rse-setup Label { margin-top: 1; color: $text-muted; }
    RSEScreen #rse-setup SelectionList { height: auto; max-height: 8; }
    RSEScreen #rse-setup .row { height: auto; }
    RSEScreen #rse-setup .field { width: 1fr; height: auto; margin-right: 1; }
    RSEScreen #rse-setup Input.-invalid { color: $error; text-style: bold reverse; }
    RSEScreen #rse-setup Button { width: 1fr; margin-top: 1; }
    RSEScreen.-short #rse-setup Button { margin-top: 0; }
    RSEScreen #rse-right { width: 1fr; }
    RSEScreen #rse-status { height: auto; padding: 0 1; }
    RSEScreen.-narrow #rse-setup { width: 38; }
    RSEScreen #rse-setup { scrollbar-size-vertical: 1; }
    RSEScreen.-short #rse-setup Label { margin-top: 0; }
    RSEScreen #rse-matrix-controls { height: auto; }
    RSEScreen #rse-matrix-controls Select { width: 30; }
    """

    BINDINGS = [
        action_binding("start", "start", "Start", id="rse.start"),
        action_binding("stop", "cancel_run", "Stop", id="rse.cancel"),
        action_binding("resume", "resume", "Resume", id="rse.resume"),
        action_binding("open", "open_selected", "Open", id="rse.open_item"),
        action_binding("export", "export", "Export", show=False, id="rse.export"),
        Binding("h", "toggle_human", "Judge/human", id="rse.human"),
        Binding("r", "reload", "Refresh", show=False, id="rse.reload"),
    ]
    PALETTE_ACTIONS = (
        ("RSE: start run", "start a run with the chosen models and sets", "start"),
        ("RSE: cancel run", "stop the running run (resumable)", "cancel_run"),
        ("RSE: resume run", "continue the shown run if it was interrupted or had failures", "resume"),
        ("RSE: open the selected run or item", "a past run's results, or one item in full", "open_selected"),
        ("RSE: export the shown run", "every item with its scores and verdicts as JSONL, into the exports folder",
         "export"),
        ("RSE: toggle human-adjusted scores", "judge-only or human-adjusted judge scores", "toggle_human"),
        ("RSE: refresh", "read the runs and the shown run again", "reload"),
    )

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.run_id: int | None = None  # the run shown
        self.active_run_id: int | None = None  # the run going now, if any
        self.report: dict[str, Any] | None = None
        self.human = False
        self._cancel: RunThread | None = None  # the run going now; stop() stops it
        self._refresh_pending = False
        self._item_ids: list[int] = []

    # -- layout -----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        from probes.rse.sets import builtin_sets

        models = list(self.app.config.models)
        with Horizontal(id="rse-main"):
            with VerticalScroll(id="rse-setup"):
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
            with Vertical(id="rse-right"):
                yield Static("Choose a reference, targets and sets, then start. Past runs are listed below.",
                             id="rse-status")
                yield RunProgress("items", id="rse-progress")
                with TabbedContent(id="rse-tabs", initial="rse-tab-runs"):
                    with TabPane("Runs", id="rse-tab-runs"):
                        yield DataTable(id="rse-runs", cursor_type="row", zebra_stripes=True)
                    with TabPane("Results", id="rse-tab-results"):
                        yield RSEResultsTable(id="rse-results")
                    with TabPane("Items", id="rse-tab-items"):
                        yield DataTable(id="rse-items", cursor_type="row", zebra_stripes=True)
                    with TabPane("Matrix", id="rse-tab-matrix"):
                        with Horizontal(id="rse-matrix-controls"):
                            yield Select([(m, m) for m in ("embedding", "lexical", "ngram2", "judge")],
                                         id="rse-matrix-metric", value="embedding", allow_blank=False)
                            yield Select([], id="rse-matrix-set", prompt="set")
                        with VerticalScroll():
                            yield Heatmap(id="rse-heatmap")

    def on_mount(self) -> None:
        self.query_one("#rse-runs", DataTable).add_columns("run", "status", "items", "reference", "targets",
                                                           "judge", "sets", "created")
        self.query_one("#rse-items", DataTable).add_columns("item", "target", "set", "prompt", "status",
                                                            "lexical", "2-gram", "embedding", "judge")
        self._load_runs()

    def on_screen_resume(self) -> None:
        # Coming back from another screen: the store has whatever happened meanwhile.
        self.action_reload()

    # -- starting and stopping --------------------------------------------------------------
    def _form_options(self) -> Any:
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
        numbers = self._check_numbers()
        problems += numbers.values()
        if problems:
            raise RSEError("; ".join(problems))
        limit = _number(self.query_one("#rse-limit", Input).value, int)
        # An empty field sends nothing: each model's models.toml params, else the run's
        # defaults (runs/rse.py), as the CLI does when a flag is left out.
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

    def _check_numbers(self) -> dict[str, str]:
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
        self._check_numbers()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "rse-start":
            self.action_start()
        elif event.button.id == "rse-cancel":
            self.action_cancel_run()

    def action_start(self) -> None:
        from workbench.runs.rse import RSEError, prepare, start_run

        if self.active_run_id is not None:
            stop = bound_key(self.app, "rse.cancel", ACTION_KEYS["stop"])
            self.notify(f"{self._active_name()} is still going: stop it ({stop}) or wait", severity="warning")
            return
        try:
            prepared = prepare(self._form_options(), self.app.gateway)
        except RSEError as exc:
            self.notify(in_form_words(str(exc), FORM_LABELS), title="RSE", severity="error", timeout=8)
            return
        for warning in prepared.warnings:
            self.notify(warning, severity="warning", timeout=8)
        self.active_run_id = STARTING  # a second start waits for this one
        self.query_one("#rse-start", Button).disabled = True
        created = self.app.writer.submit(lambda db: start_run(db, prepared), name="create RSE run")
        self.run_worker(self._start_created(created, prepared), group="rse-create", exit_on_error=False)

    async def _start_created(self, created: Future, prepared: Any) -> None:
        try:
            run_id = await asyncio.wrap_future(created)
        except Exception as exc:  # the store could not take the run: say so, start nothing
            self.active_run_id = None
            self.query_one("#rse-start", Button).disabled = False
            self.notify(f"could not create the run: {exc}", title="RSE", severity="error")
            return
        self.start_prepared(run_id, prepared)

    def start_prepared(self, run_id: int, prepared: Any) -> None:
        """Run (or resume) a stored run in an app-owned worker."""
        self.active_run_id = run_id
        self.run_id = run_id
        db_path, gateway = self.app.db_path, self.app.gateway
        on_event = lambda e: self.post_message(RSERunEvent(e))  # noqa: E731  (thread-safe)

        async def main(cancel: asyncio.Event) -> str:
            from workbench.runs.rse import RSERunner

            # In the run's thread, on its own loop: every store read and write of every item.
            runner = RSERunner(db_path, run_id, prepared, gateway, on_event=on_event, cancel=cancel)
            return await runner.run()

        self._cancel = start_run_thread(self.app, f"RSE run {run_id}", main)
        self.query_one("#rse-start", Button).disabled = True
        self.query_one("#rse-cancel", Button).disabled = False
        self.query_one(RunProgress).show(0, prepared.total, running=True)
        self._set_status(f"run {run_id}: starting {prepared.total} items…")
        self.query_one("#rse-tabs", TabbedContent).active = "rse-tab-items"
        # Owned by the app, so switching screens never cancels the run.
        self.app.run_worker(self._execute(run_id, prepared, self._cancel), name=f"rse run {run_id}",
                            group="rse-run", exit_on_error=False)
        self.action_reload()

    async def _execute(self, run_id: int, prepared: Any, run: RunThread) -> None:
        from workbench.runs.rse import RSEError

        status, error = "failed", None
        try:
            status = await asyncio.wrap_future(run.future)
        except asyncio.CancelledError:  # the app is closing: it stops the run and waits for it
            status = "interrupted"
            raise
        except RSEError as exc:  # a one-line reason (e.g. the run is busy elsewhere)
            error = str(exc)
        except Exception as exc:  # reported on screen; the run row keeps the error too
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self.post_message(RSERunEnded(run_id, status, error))

    def action_cancel_run(self) -> None:
        if self._cancel is None or self.active_run_id in (None, STARTING):
            self.notify("no run is going", severity="information")
            return
        self._cancel.stop()
        self._set_status(f"run {self.active_run_id}: cancelling…")

    def action_resume(self) -> None:
        """Continue the shown run if it was interrupted (palette / runs table)."""
        if self.active_run_id is not None:
            self.notify(f"{self._active_name()} is still going", severity="warning")
            return
        if self.run_id is None:
            self.notify("open a run first (Runs tab, Enter)", severity="warning")
            return
        self.active_run_id = STARTING
        self._load_for_resume(self.run_id)

    @work(thread=True, exclusive=True, group="rse-resume")
    def _load_for_resume(self, run_id: int) -> None:
        from workbench.runs.rse import RSEError, load_run
        db = self.app.read_db()
        try:
            run, prepared = load_run(db, run_id, self.app.gateway)
        except RSEError as exc:
            self.app.call_from_thread(self._not_resumable, str(exc))
            return
        finally:
            db.close()
        self.app.call_from_thread(self.start_prepared, run.id, prepared)

    def _not_resumable(self, reason: str) -> None:
        self.active_run_id = None
        self.notify(reason, severity="warning")

    def _active_name(self) -> str:
        return "a run" if self.active_run_id == STARTING else f"run {self.active_run_id}"

    # -- run events -------------------------------------------------------------------------
    def _resume_key(self) -> str:
        return bound_key(self.app, "rse.resume", ACTION_KEYS["resume"])

    @on(RSERunEvent)
    def _on_run_event(self, message: RSERunEvent) -> None:
        e = message.event
        if e.run_id != self.run_id:
            return
        if e.kind in ("progress", "item"):
            self.query_one(RunProgress).show(e.done, e.total, running=e.run_id == self.active_run_id)
            last = ""
            if e.kind == "item":
                d = e.data
                last = f" · last: {d.get('target')} {d.get('set')}/{d.get('prompt_id')}"
                if d.get("error"):
                    last += f" (error: {d['error']})"
            self._set_status(f"run {e.run_id}: {e.done}/{e.total} items{last}")
            self._schedule_refresh()

    @on(RSERunEnded)
    def _on_run_ended(self, message: RSERunEnded) -> None:
        if message.run_id == self.active_run_id:
            self.active_run_id = None
            self._cancel = None
            self.query_one("#rse-start", Button).disabled = False
            self.query_one("#rse-cancel", Button).disabled = True
        error = with_resume_key(message.error, self._resume_key()) if message.error else ""
        text = f"run {message.run_id} {message.status}" + (f": {error}" if error else "")
        by_status: dict[str, SeverityLevel] = {"done": "information", "interrupted": "warning"}
        severity = by_status.get(message.status, "error")
        self.notify(text, title="RSE", severity=severity, timeout=8)
        if message.run_id == self.run_id:
            self._set_status(text)
            self.query_one("#rse-tabs", TabbedContent).active = "rse-tab-results"
        self.action_reload()

    def _schedule_refresh(self) -> None:
        if not self._refresh_pending:
            self._refresh_pending = True
            self.set_timer(REFRESH_S, self._refresh_now)

    def _refresh_now(self) -> None:
        self._refresh_pending = False
        self.action_reload()

    def _set_status(self, text: str) -> None:
        self.query_one("#rse-status", Static).update(Text(text))

    # -- loading from the store -------------------------------------------------------------
    def action_reload(self) -> None:
        self._load_runs()
        if self.run_id is not None:
            self._load_run(self.run_id)

    @work(thread=True, exclusive=True, group="rse-runs-load")
    def _load_runs(self) -> None:
        from workbench.runs.rse import list_rse_runs

        db = self.app.read_db()
        try:
            runs = list_rse_runs(db)
        finally:
            db.close()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._fill_runs, runs)

    def _fill_runs(self, runs: list[dict[str, Any]]) -> None:
        table = self.query_one("#rse-runs", DataTable)
        cursor = table.cursor_row
        table.clear()
        for r in runs:
            table.add_row(str(r["run_id"]), r["status"], f"{r['answered']}/{r['total']}", r["reference"],
                          ", ".join(r["targets"]), r["judge"], ", ".join(r["sets"]),
                          (r["created"] or "")[:19].replace("T", " "), key=str(r["run_id"]))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    @work(thread=True, exclusive=True, group="rse-run-load")
    def _load_run(self, run_id: int) -> None:
        from workbench.runs.rse import item_rows, run_report

        db = self.app.read_db()
        try:
            report = run_report(db, run_id)
            items = item_rows(db, run_id)
        finally:
            db.close()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._fill_run, report, items)

    def _fill_run(self, report: dict[str, Any], items: list[dict[str, Any]]) -> None:
        if report["run_id"] != self.run_id or not self.is_mounted:  # late, or the app is closing
            return
        self.report = report
        self.query_one("#rse-results", RSEResultsTable).show_report(report, human=self.human)
        if self.active_run_id != report["run_id"]:
            p = report["progress"]
            self.query_one(RunProgress).show(p["answered"], p["total"], running=False)
            view = "human-adjusted" if self.human else "judge-only"
            self._set_status(f"run {report['run_id']} · {report['status']} · {p['answered']}/{p['total']} items · "
                             f"reference {report['reference']} · judge {report['judge']} · {view} scores"
                             + (f"\n{with_resume_key(report['error'], self._resume_key())}" if report.get("error") else ""))
        table = self.query_one("#rse-items", DataTable)
        cursor = table.cursor_row
        table.clear()
        self._item_ids = []
        for it in items:
            m = it["metrics"]
            j = it.get("judge")
            h = it.get("human")
            if h is not None and self.human:
                judge = f"{h['overall']:g} (human)"
            elif j is None:
                judge = "–"
            else:
                judge = "needs review" if j["needs_review"] else f"{j['overall']:g}"
            status = it["status"] if not m.get("error") else f"error: {m['error'][:40]}"
            table.add_row(str(it["item_id"]), it.get("target", ""), it.get("set", ""), it.get("prompt_id", ""),
                          status, *(_fmt(m.get(k)) for k in ("lexical", "ngram2", "embedding")), judge,
                          key=str(it["item_id"]))
            self._item_ids.append(it["item_id"])
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        sets = report.get("sets") or []
        chooser = self.query_one("#rse-matrix-set", Select)
        options = [(s, s) for s in sets]
        if [o[0] for o in options] != getattr(self, "_matrix_sets", None):
            self._matrix_sets = [o[0] for o in options]
            chooser.set_options(options)
            if sets:
                chooser.value = sets[0]
        if self.query_one("#rse-tabs", TabbedContent).active == "rse-tab-matrix":
            self._request_matrix()

    # -- matrix -----------------------------------------------------------------------------
    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "rse-tab-matrix":
            self._request_matrix()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id in ("rse-matrix-metric", "rse-matrix-set"):
            self._request_matrix()

    def _request_matrix(self) -> None:
        if self.run_id is None:
            self.query_one("#rse-heatmap", Heatmap).show(None, note="Open a run to see its matrix.")
            return
        metric = self.query_one("#rse-matrix-metric", Select).value
        set_value = self.query_one("#rse-matrix-set", Select).value
        set_name = None if set_value is Select.BLANK else str(set_value)
        self._load_matrix(self.run_id, str(metric), set_name)

    @work(thread=True, exclusive=True, group="rse-matrix")
    def _load_matrix(self, run_id: int, metric: str, set_name: str | None) -> None:
        from workbench.runs.rse_matrix import run_matrix

        db = self.app.read_db()
        try:
            result = run_matrix(db, run_id, set_name=set_name, metric=metric, human=self.human)
            note = ("judge scores exist only for reference-vs-target pairs" if metric == "judge" else "")
        except Exception as exc:  # e.g. embeddings not installed: show why, keep the screen
            result, note = None, f"matrix unavailable: {type(exc).__name__}: {exc}"
        finally:
            db.close()
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.query_one("#rse-heatmap", Heatmap).show, result, note=note)

    # -- tables -----------------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is None:
            return
        if event.data_table.id == "rse-runs":
            self.show_run(int(key))
        elif event.data_table.id == "rse-items":
            self.open_item(int(key))

    def show_run(self, run_id: int) -> None:
        self.run_id = run_id
        self._load_run(run_id)
        self.query_one("#rse-tabs", TabbedContent).active = "rse-tab-results"

    def open_item(self, item_id: int) -> None:
        from workbench.ui.screens.rse_item import RSEItemScreen

        self.app.push_screen(RSEItemScreen(item_id, list(self._item_ids)))

    def action_open_selected(self) -> None:
        active = self.query_one("#rse-tabs", TabbedContent).active
        table_id = "#rse-runs" if active == "rse-tab-runs" else "#rse-items"
        table = self.query_one(table_id, DataTable)
        if not table.row_count:
            self.notify("nothing to open here yet", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is None:
            return
        if table_id == "#rse-runs":
            self.show_run(int(key))
        else:
            self.open_item(int(key))

    def action_export(self) -> None:
        if self.run_id is None:
            self.notify("no run shown: start one, or open one from the Runs tab", severity="warning")
            return
        export_run_verdicts(self, self.run_id)

    def action_toggle_human(self) -> None:
        self.human = not self.human
        self.notify("human-adjusted judge scores" if self.human else "judge-only scores")
        if self.report is not None:
            self._fill_run_cached()
        if self.run_id is not None:
            self._load_run(self.run_id)

    def _fill_run_cached(self) -> None:
        self.query_one("#rse-results", RSEResultsTable).show_report(self.report, human=self.human)


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"
