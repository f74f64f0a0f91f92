"""One job, live: its round table, loss curve, accuracy/F1 plot, the teacher's latest
analysis, the latest generated samples with their labels, device load and ETA.

A thread worker reads a snapshot once a second (new metrics only) and hands it to the UI
thread; the job itself runs in its own process, so leaving this screen changes nothing.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from workbench.ui.keys import action_binding
from workbench.ui.widgets.job_actions import JobActions
from workbench.ui.widgets.job_header import JobHeader
from workbench.ui.widgets.job_plots import LossPlot, ScorePlot
from workbench.ui.widgets.job_tables import AccountingTable, RoundsTable, SamplesTable
from workbench.ui.widgets.screen_base import WorkbenchScreen

POLL_S = 1.0
ENDED = ("done", "failed", "cancelled", "interrupted")


class JobScreen(JobActions, WorkbenchScreen):
    DEFAULT_CSS = """
    JobScreen #job-body { height: 1fr; }
    JobScreen #job-top { height: 1fr; min-height: 20; }
    /* Narrow terminals: the panes stack and the body scrolls, so plots and analysis stay. */
    JobScreen.-narrow #job-top { layout: vertical; height: auto; }
    JobScreen.-narrow #job-left { width: 1fr; height: auto; }
    JobScreen.-narrow RoundsTable { height: 8; }
    JobScreen.-narrow #job-plots { height: auto; }
    JobScreen.-narrow LossPlot, JobScreen.-narrow ScorePlot { height: 12; }
    JobScreen #job-left { width: 62; }
    JobScreen .pane-title { height: 1; padding: 0 1; text-style: bold; color: $accent; }
    JobScreen RoundsTable { height: 1fr; min-height: 5; }
    JobScreen AccountingTable { height: 7; }
    JobScreen #job-analysis { height: 8; padding: 0 1; border: round $panel-lighten-2; overflow-y: auto; }
    JobScreen #job-plots { width: 1fr; }
    JobScreen LossPlot, JobScreen ScorePlot { height: 1fr; min-height: 8; }
    JobScreen SamplesTable { height: 12; }
    JobScreen #job-log { height: 3; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        action_binding("stop", "cancel", "Cancel job", id="job.cancel"),
        action_binding("resume", "resume", "Resume job", id="job.resume"),
        Binding("escape,backspace", "back", "Back", id="job.back"),
    ]
    PALETTE_ACTIONS = (
        ("Job: cancel", "stop this job cleanly", "cancel"),
        ("Job: resume", "continue this job from its last finished round", "resume"),
    )

    def __init__(self, *, job_id: int) -> None:
        super().__init__()
        self.job_id = job_id
        self.snapshot: Any = None
        self.losses: list[float] = []
        self.scores: dict[int, dict[str, float]] = {}
        self.last_metric_id = 0
        self._shown_key: tuple | None = None

    def compose_body(self) -> ComposeResult:
        yield JobHeader("loading…", id="job-header")
        with VerticalScroll(id="job-body"):
            with Horizontal(id="job-top"):
                with Vertical(id="job-left"):
                    yield Static("Rounds", classes="pane-title")
                    yield RoundsTable(id="job-rounds")
                    # relab: kept with another label than the teacher meant; fresh: the student's
                    # accuracy on the round's new samples before training on them.
                    yield Static("Teacher budget per round: asked → kept", classes="pane-title")
                    yield AccountingTable(id="job-accounting")
                    yield Static("Teacher's latest analysis", classes="pane-title")
                    yield Static("", id="job-analysis")
                with Vertical(id="job-plots"):
                    yield LossPlot(id="job-loss")
                    yield ScorePlot(id="job-scores")
            yield Static("Latest generated samples (newest first)", classes="pane-title")
            yield SamplesTable(id="job-samples")
            yield Static("", id="job-log")

    def on_mount(self) -> None:
        self.title = f"Job {self.job_id}"
        self.refresh_data()
        self.set_interval(POLL_S, self.refresh_data)

    # -- polling --------------------------------------------------------------------------
    def refresh_data(self) -> None:
        self._poll(self.last_metric_id)

    @work(thread=True, exclusive=True, group="job-poll", name="read job")
    def _poll(self, after_metric_id: int) -> None:
        from workbench.jobs.snapshot import read_snapshot

        # A connection per poll: one kept on the screen was closed by on_unmount while a
        # poll thread was still reading it, which crashed the process.
        db = self.app.read_db()
        try:
            snap = read_snapshot(db, self.job_id, after_metric_id)
        finally:
            db.close()
        self.app.call_from_thread(self._show, snap)

    def _show(self, snap: Any) -> None:
        if snap is None:
            self.query_one("#job-header", JobHeader).update(f"job {self.job_id} does not exist")
            return
        if self.snapshot is not None and snap.job.pid != self.snapshot.job.pid and snap.job.pid:
            # A new worker (resume) rewrites the unfinished round: read the curves afresh.
            self.snapshot = snap
            self.losses, self.scores, self.last_metric_id = [], {}, 0
            self.refresh_data()
            return
        self.snapshot = snap
        if snap.last_metric_id > self.last_metric_id:
            self._add_metrics(snap.new_metrics)
            self.last_metric_id = snap.last_metric_id
        self.query_one("#job-header", JobHeader).show(snap)
        key = (len(snap.rounds), snap.samples[0].id if snap.samples else 0, bool(snap.full_shot), snap.analysis,
               len(self.losses), len(snap.accounting))
        if key != self._shown_key:
            # Tables and plots redraw only when something new arrived: no flicker, no lost cursor.
            self._shown_key = key
            self.query_one("#job-rounds", RoundsTable).show(snap.rounds, snap.full_shot)
            self.query_one("#job-accounting", AccountingTable).show(snap.accounting)
            self.query_one("#job-samples", SamplesTable).show(snap.samples)
            self.query_one("#job-analysis", Static).update(snap.analysis or "(no analysis yet)")
            self.query_one("#job-loss", LossPlot).show(self.losses)
            rounds = sorted(r for r in self.scores if {"accuracy", "macro_f1"} <= set(self.scores[r]))
            self.query_one("#job-scores", ScorePlot).show(
                rounds, [self.scores[r]["accuracy"] for r in rounds], [self.scores[r]["macro_f1"] for r in rounds],
                snap.full_shot["accuracy"] if snap.full_shot else None)
        log = "\n".join(f"{e.ts[11:19]} {e.level}: {e.message[:160]}" for e in snap.events[-3:])
        self.query_one("#job-log", Static).update(log)

    def _add_metrics(self, metrics: list[Any]) -> None:
        for m in metrics:
            if m.name == "loss":
                self.losses.append(m.value)
            elif m.round is not None:
                self.scores.setdefault(m.round, {})[m.name] = m.value

    # -- actions --------------------------------------------------------------------------
    def after_job_action(self) -> None:
        self.refresh_data()

    def action_cancel(self) -> None:
        self.cancel_job(self.job_id)

    def action_resume(self) -> None:
        self.resume_job(self.job_id)

    def action_back(self) -> None:
        self.app.pop_screen()
