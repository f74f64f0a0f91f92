"""Jobs: every EvoKD job in the database, live, with keys to open, start, cancel and resume.

Jobs are separate processes; this screen only reads their rows (from a thread worker with
its own connection, once a second), so it re-attaches to whatever is running, whether it
was started here, from the CLI, or before the app was last closed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from workbench.jobs.monitor import format_eta
from workbench.ui.hints import bound_key
from workbench.ui.keys import ACTION_KEYS, action_binding
from workbench.ui.widgets.job_actions import JobActions
from workbench.ui.widgets.job_header import STATUS_STYLE
from workbench.ui.widgets.screen_base import WorkbenchScreen

POLL_S = 1.0
# Scores are shown whole (0.412): their columns are wide enough for three decimals.
COLUMNS = (("id", 4), ("status", 11), ("method", 16), ("dataset", 14), ("rounds", 6), ("acc", 5),
           ("F1", 5), ("note", 40), ("created", 16))


class JobsScreen(JobActions, WorkbenchScreen):
    DEFAULT_CSS = """
    JobsScreen #jobs-table { height: 1fr; }
    JobsScreen #jobs-help { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        action_binding("open", "open_job", "Open", id="jobs.open"),
        Binding("enter", "open_job", "Open", show=False, id="jobs.open_enter"),
        action_binding("new", "new_job", "New job", id="jobs.new"),
        action_binding("stop", "cancel_job", "Cancel", id="jobs.cancel"),
        action_binding("resume", "resume_job", "Resume", id="jobs.resume"),
    ]
    PALETTE_ACTIONS = (
        ("Jobs: new EvoKD job", "start a distillation job in its own process", "new_job"),
        ("Jobs: open job", "follow the highlighted job live", "open_job"),
        ("Jobs: cancel job", "stop the highlighted job cleanly", "cancel_job"),
        ("Jobs: resume job", "continue an interrupted, failed or cancelled job", "resume_job"),
        ("Jobs: refresh", "read the jobs again (they refresh every second anyway)", "reload"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        keys = " · ".join(f"{bound_key(self.app, f'jobs.{name}', ACTION_KEYS[kind])} {label}"
                          for name, kind, label in (("open", "open", "open"), ("new", "new", "new job"),
                                                    ("cancel", "stop", "cancel"), ("resume", "resume", "resume")))
        yield Static(f"{keys} — jobs keep running when the app closes", id="jobs-help")
        table: DataTable[Any] = DataTable(id="jobs-table", cursor_type="row", zebra_stripes=True)
        for label, width in COLUMNS:
            table.add_column(label, width=width, key=label)
        yield table

    def on_mount(self) -> None:
        self.query_one("#jobs-table", DataTable).focus()
        self.action_reload()
        self.set_interval(POLL_S, self._poll_unless_reading)

    # -- data -----------------------------------------------------------------------------
    def action_reload(self) -> None:
        # Asked for (a key, or after cancel/resume): the newest read wins, so it supersedes one
        # still going.
        self._poll()

    def _poll_unless_reading(self) -> None:
        # The timer's read waits its turn instead: on a slow machine a poll can outlast the
        # interval, and cancelling it would throw its read away only to start the same one.
        if not any(w.group == "jobs-poll" and w.node is self and not w.is_finished for w in self.app.workers):
            self._poll()

    @work(thread=True, exclusive=True, group="jobs-poll", name="read jobs")
    def _poll(self) -> None:
        from workbench.jobs.launcher import reap
        from workbench.jobs.results import job_summary
        from workbench.store.jobs import list_jobs

        reap()
        # A connection per poll, as every screen's worker does: one kept on the screen was
        # closed by on_unmount while a poll thread was still reading it (a segfault in CI).
        db = self.app.read_db()
        try:
            rows = [job_summary(db, j) for j in list_jobs(db)]
        finally:
            db.close()
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one("#jobs-table", DataTable)
        if rows == self.rows:
            return
        keep = table.cursor_row
        self.rows = rows
        table.clear()
        for r in rows:
            done = f"{max(r['rounds_done'], 0)}/{r['rounds']}" if r["rounds_done"] >= 0 else f"-/{r['rounds']}"
            note = r["error"] or ""
            if r["phase"]:
                note = f"{r['phase']}, ETA {format_eta(r['eta_s'])}"
            table.add_row(str(r["job_id"]), Text(r["status"], style=STATUS_STYLE.get(r["status"], "")),
                          r["method"], Path(str(r["dataset"] or "-")).name[:14], done,
                          "-" if r["accuracy"] is None else f"{r['accuracy']:.3f}",
                          "-" if r["macro_f1"] is None else f"{r['macro_f1']:.3f}",
                          note[:40], (r["created"] or "")[:16].replace("T", " "), key=str(r["job_id"]))
        if rows:
            table.move_cursor(row=min(max(keep, 0), len(rows) - 1))

    def selected_job(self) -> int | None:
        table = self.query_one("#jobs-table", DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return int(self.rows[table.cursor_row]["job_id"])

    def after_job_action(self) -> None:
        self.action_reload()

    # -- actions --------------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_job()

    def action_open_job(self) -> None:
        job_id = self.selected_job()
        if job_id is None:
            self.notify(f"no job selected: press {bound_key(self.app, 'jobs.new', ACTION_KEYS['new'])} to start one")
            return
        from workbench.ui.screens.job import JobScreen

        self.app.push_screen(JobScreen(job_id=job_id))

    def action_cancel_job(self) -> None:
        job_id = self.selected_job()
        if job_id is not None:
            self.cancel_job(job_id)

    def action_resume_job(self) -> None:
        job_id = self.selected_job()
        if job_id is not None:
            self.resume_job(job_id)

    def action_new_job(self) -> None:
        from workbench.ui.widgets.job_new import NewJobDialog

        def started(options: dict | None) -> None:
            if options:
                self.start_job(options)

        self.app.push_screen(NewJobDialog(), started)
