"""ICE screen: start identity-consistency runs and watch them; browse and reopen past runs.

The run itself goes on its own event loop in its own thread (``ui/run_thread.py``): it
writes each item to the store as it finishes, and a write may wait for seconds while another
process holds the lock, which must never stall the UI loop. It keeps going while another
screen is shown. Its events arrive as messages; the new run's row is created by the app's
store writer; scores are recomputed from the store in a thread worker at most twice a
second, and widgets change only in message handlers on the UI thread.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, DataTable, TabbedContent, TabPane

from workbench.ui.hints import bound_key
from workbench.ui.keys import ACTION_KEYS, action_binding
from workbench.ui.run_thread import RunThread, preflight_problem, start_run_thread
from workbench.ui.widgets.ice_form import ICERunForm
from workbench.ui.widgets.ice_scores import ICEScores
from workbench.ui.widgets.ice_tables import ICEAnswers, ICELeaderboard, ICERuns
from workbench.ui.widgets.run_export import export_run_verdicts
from workbench.ui.widgets.run_progress import RunProgress
from workbench.ui.widgets.screen_base import WorkbenchScreen

REFRESH_S = 0.5
STARTING = -1  # active_run_id while the new run's row is being stored or checked
ANSWERS_SHOWN = 300


class IceRunEvent(Message):
    """A RunEvent from the runner (item, mutation, template, progress, finished...)."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class IceRunDone(Message):
    def __init__(self, run_id: int, summary: dict[str, Any] | None, error: str | None) -> None:
        super().__init__()
        self.run_id = run_id
        self.summary = summary
        self.error = error


class ICEScreen(WorkbenchScreen):
    DEFAULT_CSS = """
    ICEScreen #ice-top { height: auto; max-height: 11; }
    ICEScreen #ice-scores { width: 3fr; }
    ICEScreen #ice-leaderboard { width: 2fr; height: 9; border: round $primary-darken-2; }
    ICEScreen.-narrow #ice-leaderboard { display: none; }
    ICEScreen #ice-tabs { height: 1fr; min-height: 6; }
    """
    BINDINGS = [
        action_binding("start", "start", "Start", id="ice.start"),
        action_binding("stop", "stop", "Stop", id="ice.stop"),
        action_binding("resume", "resume", "Resume", id="ice.resume"),
        action_binding("open", "open_selected", "Open", id="ice.open_answer"),
        action_binding("export", "export", "Export", show=False, id="ice.export"),
        Binding("ctrl+t", "toggle_tab", "Answers/Runs", priority=True, id="ice.tabs"),
    ]
    PALETTE_ACTIONS = (
        ("ICE: start a run", "with the target, judge, helper and budget in the form", "start"),
        ("ICE: stop the run", "what finished stays stored; resume it later", "stop"),
        ("ICE: resume the selected run", "continue an interrupted run without re-asking", "resume"),
        ("ICE: open the selected answer or run", "an answer in full, or a past run's scores", "open_selected"),
        ("ICE: export the shown run", "every answer with its verdicts as JSONL, into the exports folder",
         "export"),
        ("ICE: reload past runs", "list every ICE run in the database", "reload_runs"),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view_run_id: int | None = None  # the run whose scores and answers are shown
        self.active_run_id: int | None = None  # the run this screen is driving, if any
        self.live: dict[str, Any] = {}
        self.summary: dict[str, Any] | None = None
        self.cancel: RunThread | None = None  # the run this screen drives; stop() stops it
        self._dirty = False
        # Live answers held back while the stored ones load (see _reload_answers).
        self._pending_answers: list[dict[str, Any]] | None = None

    def compose_body(self) -> ComposeResult:
        yield ICERunForm(list(self.app.config.models), id="ice-form")
        yield RunProgress("answered", id="ice-progress")
        with Horizontal(id="ice-top"):
            yield ICEScores(id="ice-scores")
            yield ICELeaderboard(id="ice-leaderboard")
        with TabbedContent(id="ice-tabs", initial="ice-tab-answers"):
            with TabPane("Answers", id="ice-tab-answers"):
                yield ICEAnswers(id="ice-answers")
            with TabPane("Runs", id="ice-tab-runs"):
                yield ICERuns(id="ice-runs")

    def on_mount(self) -> None:
        self.query_one(ICEScores).show(None)
        self.set_interval(REFRESH_S, self._refresh_if_dirty)
        self.action_reload_runs()

    def on_screen_resume(self) -> None:
        self.action_reload_runs()
        self._dirty = True

    # -- starting and stopping ------------------------------------------------------------------
    def action_start(self) -> None:
        if self.active_run_id is not None:
            stop = bound_key(self.app, "ice.stop", ACTION_KEYS["stop"])
            self.notify(f"{self._active_name()} is still going: stop it first ({stop})", severity="warning")
            return
        from workbench.runs.ice import ICERunConfig

        try:
            v = self.query_one(ICERunForm).values()
            spec = self.app.gateway.resolve(v.target)
            cfg = ICERunConfig(target=v.target, judge=v.judge, helper=v.helper, budget=v.budget,
                               questions=v.questions, templates=v.templates, max_tokens=v.max_tokens,
                               no_fuzz=v.helper is None, concurrency=spec.max_concurrency).resolve()
        except Exception as exc:  # a form mistake or an unknown model: say so, start nothing
            self.notify(str(exc), title="ICE", severity="error")
            return
        self.active_run_id = STARTING  # a second start waits for this one
        self.query_one(ICERunForm).set_running(True)
        self.run_worker(self._preflight_then_create(cfg, cfg.models_called()), group="ice-create",
                        exit_on_error=False)

    async def _preflight_then_create(self, cfg: Any, models: list[str]) -> None:
        """As `workbench ice run` does: a missing API key or a server that answers nothing is
        said in one line before a run is created (the probe waits on the network: a thread)."""
        from workbench.runs.ice import create_ice_run

        problem = await preflight_problem(self.app.gateway, models)
        if problem:
            self._not_started(problem)
            return
        created = self.app.writer.submit(lambda db: create_ice_run(db, cfg), name="create ICE run")
        await self._launch_created(created)

    def _not_started(self, message: str) -> None:
        self.active_run_id = None
        self.query_one(ICERunForm).set_running(False)
        self.notify(message, title="ICE: nothing started", severity="error")

    async def _launch_created(self, created: Future) -> None:
        try:
            run_id = await asyncio.wrap_future(created)
        except Exception as exc:  # the store could not take the run: say so, start nothing
            self.active_run_id = None
            self.query_one(ICERunForm).set_running(False)
            self.notify(f"could not create the run: {exc}", title="ICE", severity="error")
            return
        self._launch(run_id)

    def action_resume(self) -> None:
        if self.active_run_id is not None:
            self.notify(f"{self._active_name()} is still going", severity="warning")
            return
        tabs = self.query_one("#ice-tabs", TabbedContent)
        run_id = self.query_one(ICERuns).selected_run_id() if tabs.active == "ice-tab-runs" else None
        run_id = run_id or self.view_run_id
        if run_id is None:
            self.notify("open a run first (Runs tab, Enter)", severity="warning")
            return
        self.active_run_id = STARTING
        self._check_resumable(run_id)

    @work(thread=True, exclusive=True, group="ice-resume")
    def _check_resumable(self, run_id: int) -> None:
        from workbench.runs.engine import resumable
        db = self.app.read_db()
        try:
            run = resumable(db, run_id, "ice")
            if run.config.get("source") == "import":
                raise LookupError(f"run {run_id} is an import: nothing to ask")
        except LookupError as exc:
            self.app.call_from_thread(self._not_resumable, str(exc))
            return
        finally:
            db.close()
        self.app.call_from_thread(self._launch, run_id)

    def _not_resumable(self, reason: str) -> None:
        self.active_run_id = None
        self.notify(reason, severity="warning")

    def _active_name(self) -> str:
        return "a run" if self.active_run_id == STARTING else f"run {self.active_run_id}"

    def action_stop(self) -> None:
        if self.cancel is not None and self.active_run_id not in (None, STARTING):
            self.cancel.stop()
            self.notify(f"stopping run {self.active_run_id}…")

    def _launch(self, run_id: int) -> None:
        self.active_run_id = run_id
        self.view_run_id = run_id
        self.live = {"run_id": run_id, "status": "running", "done": 0, "total": 0}
        self.query_one(ICERunForm).set_running(True)
        self.query_one("#ice-tabs", TabbedContent).active = "ice-tab-answers"
        self._reload_answers(run_id)
        db_path, gateway = self.app.db_path, self.app.gateway
        on_event = lambda e: self.post_message(IceRunEvent(e))  # noqa: E731  (thread-safe)

        async def main(cancel: asyncio.Event) -> dict[str, Any]:
            from workbench.models.gateway import load_litellm
            from workbench.runs.ice import ICERunner

            # In the run's thread: litellm's first import, claiming the run (which may wait
            # out another reader's lock probe), every store read and write of every item.
            load_litellm()
            runner = ICERunner(db_path, run_id, gateway, on_event=on_event, cancel=cancel)
            return await runner.run()

        self.cancel = start_run_thread(self.app, f"ICE run {run_id}", main)
        self.run_worker(self._drive(run_id, self.cancel), group="ice-run", name=f"ICE run {run_id}",
                        exit_on_error=False)

    async def _drive(self, run_id: int, run: RunThread) -> None:
        from workbench.runs.ice import ICERunError

        try:
            summary = await asyncio.wrap_future(run.future)
        except asyncio.CancelledError:  # the app is closing: it stops the run and waits for it
            raise
        except ICERunError as exc:  # a one-line reason (e.g. the run is busy elsewhere)
            self.post_message(IceRunDone(run_id, None, str(exc)))
            return
        except Exception as exc:  # reported on screen; the run row says "failed"
            self.post_message(IceRunDone(run_id, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(IceRunDone(run_id, summary, None))

    # -- live events ------------------------------------------------------------------------------
    def on_ice_run_event(self, message: IceRunEvent) -> None:
        e = message.event
        if e.run_id == self.active_run_id:
            self.live.update(done=e.done, total=e.total)
            if e.kind == "finished":
                self.live["status"] = e.data.get("status")
            if e.total:
                self.query_one(RunProgress).show(e.done, e.total, running=e.kind != "finished")
        if e.run_id != self.view_run_id:
            return
        if e.kind == "item" and not e.data.get("error"):
            meta = e.data.get("meta") or {}
            answer = {
                "item_id": e.item_id, "template_id": meta.get("template_id"),
                "question_id": meta.get("question_id"), "lang": meta.get("lang"),
                "loose": e.data.get("loose"), "strict": e.data.get("strict"), "text": e.data.get("text")}
            if self._pending_answers is not None:
                self._pending_answers.append(answer)
            else:
                self.query_one(ICEAnswers).add_answer(answer)
        elif e.kind == "mutation" and not e.data.get("ok"):
            self.notify(f"helper: {e.data.get('error')}", timeout=3)
        self._dirty = True
        if self.summary is not None:
            self.query_one(ICEScores).show(self.summary, self.live)

    def on_ice_run_done(self, message: IceRunDone) -> None:
        if message.run_id == self.active_run_id:
            self.active_run_id = None
            self.cancel = None
            self.query_one(ICERunForm).set_running(False)
            progress = self.query_one(RunProgress)
            if progress.running:
                done, total = self.live.get("done", 0), self.live.get("total", 0)
                progress.show(done, total, running=False)
        if message.error:
            self.notify(f"ICE run {message.run_id} failed: {message.error}", severity="error", timeout=10)
        else:
            s = message.summary or {}
            self.notify(f"ICE run {message.run_id} {s.get('status')}: loose {s.get('loose', 0):.3f}, "
                        f"strict {s.get('strict', 0):.3f}, hard {s.get('hard', 0):.3f} (n={s.get('n')})")
        self.live["status"] = None
        self._dirty = True
        self.action_reload_runs()

    def _refresh_if_dirty(self) -> None:
        if self._dirty and self.view_run_id is not None:
            self._dirty = False
            self._load_summary(self.view_run_id)

    # -- loading from the store (thread workers, results back on the UI thread) -------------------
    @work(thread=True, exclusive=True, group="ice-summary")
    def _load_summary(self, run_id: int) -> None:
        from workbench.runs.ice import summarize

        db = self.app.read_db()
        try:
            summary = summarize(db, run_id)
        except LookupError:
            summary = None
        finally:
            db.close()
        self.app.call_from_thread(self._show_summary, run_id, summary)

    def _show_summary(self, run_id: int, summary: dict[str, Any] | None) -> None:
        if run_id != self.view_run_id:
            return
        self.summary = summary
        self.query_one(ICEScores).show(summary, self.live if run_id == self.active_run_id else None)
        if summary:
            self.query_one(ICELeaderboard).show(summary.get("leaderboard") or [])

    def _reload_answers(self, run_id: int) -> None:
        """Read the run's stored answers and scores; live answers that arrive meanwhile are
        held back and added after the read, which would otherwise replace them."""
        self._pending_answers = []
        self._load_run(run_id)

    @work(thread=True, exclusive=True, group="ice-open")
    def _load_run(self, run_id: int) -> None:
        from workbench.runs.ice import recent_answers, summarize

        db = self.app.read_db()
        try:
            summary = summarize(db, run_id)
            answers = recent_answers(db, run_id, summary["judge"], ANSWERS_SHOWN)
        except LookupError:
            summary, answers = None, []
        finally:
            db.close()
        self.app.call_from_thread(self._show_run, run_id, summary, answers)

    def _show_run(self, run_id: int, summary: dict[str, Any] | None, answers: list[dict]) -> None:
        if run_id != self.view_run_id:
            return
        table = self.query_one(ICEAnswers)
        table.load(answers)
        for answer in self._pending_answers or ():
            table.add_answer(answer)  # already stored ones are skipped
        self._pending_answers = None
        self._show_summary(run_id, summary)

    def open_run(self, run_id: int) -> None:
        """Show a stored run's scores, leaderboard and answers."""
        self.view_run_id = run_id
        self.summary = None
        if run_id != self.active_run_id:
            self.query_one(RunProgress).clear()
        self.query_one(ICEAnswers).clear()
        self.query_one(ICELeaderboard).clear()
        self.query_one("#ice-tabs", TabbedContent).active = "ice-tab-answers"
        self._reload_answers(run_id)

    def action_reload_runs(self) -> None:
        self._load_runs()

    @work(thread=True, exclusive=True, group="ice-runs")
    def _load_runs(self) -> None:
        from workbench.runs.ice import run_overview
        from workbench.store.runs import list_runs

        from workbench.judging import find_judges

        db = self.app.read_db()
        try:
            rows = [run_overview(db, r) for r in list_runs(db, "ice")]
            judges = find_judges(db)
        finally:
            db.close()
        self.app.call_from_thread(self.query_one(ICERuns).show, rows)
        if judges:
            self.app.call_from_thread(self.query_one(ICERunForm).set_judges, judges)

    # -- navigation -------------------------------------------------------------------------------
    def action_toggle_tab(self) -> None:
        tabs = self.query_one("#ice-tabs", TabbedContent)
        tabs.active = "ice-tab-runs" if tabs.active == "ice-tab-answers" else "ice-tab-answers"

    def action_open_selected(self) -> None:
        if self.query_one("#ice-tabs", TabbedContent).active == "ice-tab-runs":
            run_id = self.query_one(ICERuns).selected_run_id()
            if run_id is not None:
                self.open_run(run_id)
            return
        item_id = self.query_one(ICEAnswers).selected_item_id()
        if item_id is not None:
            self._open_answer(item_id)
        else:
            self.notify("no answer to open yet", severity="warning")

    def action_export(self) -> None:
        if self.view_run_id is None:
            self.notify("no run shown: start one, or open one from the Runs tab", severity="warning")
            return
        export_run_verdicts(self, self.view_run_id)

    def _open_answer(self, item_id: int) -> None:
        from workbench.ui.screens.ice_answer import ICEAnswerScreen

        self.app.push_screen(ICEAnswerScreen(item_id))

    @on(DataTable.RowSelected, "#ice-answers")
    def _answer_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self._open_answer(int(event.row_key.value))

    @on(DataTable.RowSelected, "#ice-runs")
    def _run_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_run(int(event.row_key.value))

    @on(Button.Pressed, "#ice-start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#ice-stop")
    def _stop_pressed(self) -> None:
        self.action_stop()
