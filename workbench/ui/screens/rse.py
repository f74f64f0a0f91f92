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
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import Button, DataTable, Select, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from workbench.ui.hints import bound_key, in_form_words, with_resume_key
from workbench.ui.keys import ACTION_KEYS, action_binding
from workbench.ui.run_thread import RunThread, preflight_problem, start_run_thread
from workbench.ui.widgets.heatmap import Heatmap
from workbench.ui.widgets.rse_form import FORM_LABELS, RSERunForm
from workbench.ui.widgets.rse_items import RSEItemsTable
from workbench.ui.widgets.rse_matrix import RSEMatrixControls
from workbench.ui.widgets.rse_results import RSEResultsTable
from workbench.ui.widgets.rse_runs import RSERunsTable
from workbench.ui.widgets.run_export import export_run_verdicts
from workbench.ui.widgets.run_progress import RunProgress
from workbench.ui.widgets.screen_base import WorkbenchScreen

REFRESH_S = 0.5  # at most two store reloads a second while items stream in
STARTING = -1  # active_run_id while the new run's row is being stored or checked


@dataclass
class RSERunEvent(Message):
    """A run's engine event (progress, item, state, finished), forwarded from the worker."""

    event: Any  # workbench.runs.engine.RunEvent


@dataclass
class RSERunEnded(Message):
    run_id: int
    status: str
    error: str | None = None


class RSEScreen(WorkbenchScreen):
    DEFAULT_CSS = """
    RSEScreen #rse-main { height: 1fr; }
    RSEScreen #rse-setup { width: 46; border-right: solid $primary-darken-2; padding: 0 1; }
    RSEScreen.-short #rse-setup Button { margin-top: 0; }
    RSEScreen #rse-right { width: 1fr; }
    RSEScreen #rse-status { height: auto; padding: 0 1; }
    RSEScreen.-narrow #rse-setup { width: 38; }
    RSEScreen.-short #rse-setup Label { margin-top: 0; }
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
        with Horizontal(id="rse-main"):
            yield RSERunForm(list(self.app.config.models), id="rse-setup")
            with Vertical(id="rse-right"):
                yield Static("Choose a reference, targets and sets, then start. Past runs are listed below.",
                             id="rse-status")
                yield RunProgress("items", id="rse-progress")
                with TabbedContent(id="rse-tabs", initial="rse-tab-runs"):
                    with TabPane("Runs", id="rse-tab-runs"):
                        yield RSERunsTable(id="rse-runs", cursor_type="row", zebra_stripes=True)
                    with TabPane("Results", id="rse-tab-results"):
                        yield RSEResultsTable(id="rse-results")
                    with TabPane("Items", id="rse-tab-items"):
                        yield RSEItemsTable(id="rse-items", cursor_type="row", zebra_stripes=True)
                    with TabPane("Matrix", id="rse-tab-matrix"):
                        yield RSEMatrixControls(id="rse-matrix-controls")
                        with VerticalScroll():
                            yield Heatmap(id="rse-heatmap")

    def on_mount(self) -> None:
        self._load_runs()

    def on_screen_resume(self) -> None:
        # Coming back from another screen: the store has whatever happened meanwhile.
        self.action_reload()

    # -- starting and stopping --------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "rse-start":
            self.action_start()
        elif event.button.id == "rse-cancel":
            self.action_cancel_run()

    def action_start(self) -> None:
        from workbench.runs.rse import RSEError, prepare

        if self.active_run_id is not None:
            stop = bound_key(self.app, "rse.cancel", ACTION_KEYS["stop"])
            self.notify(f"{self._active_name()} is still going: stop it ({stop}) or wait", severity="warning")
            return
        try:
            prepared = prepare(self.query_one(RSERunForm).options(), self.app.gateway)
        except RSEError as exc:
            self.notify(in_form_words(str(exc), FORM_LABELS), title="RSE", severity="error", timeout=8)
            return
        self.active_run_id = STARTING  # a second start waits for this one
        self.query_one("#rse-start", Button).disabled = True
        self.run_worker(self._preflight_then_create(prepared), group="rse-create", exit_on_error=False)

    async def _preflight_then_create(self, prepared: Any) -> None:
        """As `workbench rse run` does: a missing API key or a server that answers nothing is
        said in one line before a run is created (the probe waits on the network: a thread)."""
        from workbench.runs.rse import start_run

        problem = await preflight_problem(self.app.gateway, prepared.options.models_called())
        if problem:
            self._not_started(problem)
            return
        for warning in prepared.warnings:
            self.notify(warning, severity="warning", timeout=8)
        created = self.app.writer.submit(lambda db: start_run(db, prepared), name="create RSE run")
        try:
            run_id = await asyncio.wrap_future(created)
        except Exception as exc:  # the store could not take the run: say so, start nothing
            self._not_started(f"could not create the run: {exc}")
            return
        self.start_prepared(run_id, prepared)

    def _not_started(self, message: str) -> None:
        self.active_run_id = None
        self.query_one("#rse-start", Button).disabled = False
        self.notify(message, title="RSE: nothing started", severity="error")

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
        self.query_one(RSERunsTable).show(runs)

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
        self._item_ids = self.query_one(RSEItemsTable).show(items, human=self.human)
        self.query_one(RSEMatrixControls).set_sets(report.get("sets") or [])
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
        metric, set_name = self.query_one(RSEMatrixControls).choice()
        self._load_matrix(self.run_id, metric, set_name)

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
