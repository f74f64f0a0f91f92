"""Pilot tests of the Jobs screen and a job's screen following a real running job process."""

from __future__ import annotations

import time

import pytest

from tests.distill.fixtures import teacher, teacher_config, teacher_server, tiny_student, toy_data  # noqa: F401
from tests.distill.support import good_answer
from workbench.devtools.openai_server import Behavior
from workbench.distill.options import EvoKDOptions
from workbench.jobs import launcher
from workbench.jobs.monitor import pid_is_worker
from workbench.store import jobs as store
from workbench.store.db import open_db

SIZE = (170, 50)


async def wait_until(pilot, predicate, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.3)
    raise AssertionError(f"timed out waiting for {predicate}")


@pytest.mark.slow  # a real worker process (imports torch) runs behind the app
async def test_job_screen_follows_a_running_job_and_reattaches(tmp_path, teacher, teacher_config,
                                                               tiny_student, toy_data):
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.screens.job import JobScreen
    from workbench.ui.screens.jobs import JobsScreen

    def slow(prompt: str, seed: int):
        text = good_answer(prompt, seed)
        # Each analysis and generation takes a while: the job is surely still running when we
        # look, and when we cancel it (the last round has no analysis, so generation waits too).
        slow_call = "two or three sentences" in prompt or "Write" in prompt
        return Behavior(text=text, latency_s=4.0) if slow_call else text

    teacher.responder = slow
    db_path = tmp_path / "wb.db"
    db = open_db(db_path)
    opts = EvoKDOptions(dataset=str(toy_data), student=str(tiny_student), teacher="teacher", rounds=3,
                        per_round=3, device="cpu", threads=1, lr=3e-3)
    job_id, proc = launcher.submit(db, db_path, "evokd", {"options": opts.to_dict(),
                                                         "config_path": str(teacher_config)})

    app = WorkbenchApp(db_path=db_path, config_path=teacher_config, load_heavy=False, start_screen="jobs")
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        await wait_until(pilot, lambda: jobs.rows and jobs.rows[0]["job_id"] == job_id)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JobScreen) and screen.job_id == job_id

        # Live: round 0 lands in the table, the loss curve fills, scores are plotted.
        await wait_until(pilot, lambda: screen.snapshot is not None and len(screen.snapshot.rounds) >= 1
                         and screen.losses and 0 in screen.scores)
        assert screen.snapshot.status in ("running", "queued")
        assert screen.query_one("#job-rounds").row_count >= 1
        assert screen.query_one("#job-samples").row_count >= 3  # the seed examples
        # The header shows progress, ETA and the device load the worker reports.
        await wait_until(pilot, lambda: "load" in (screen.snapshot.job.progress or {}))
        header = str(screen.query_one("#job-header").render())
        assert "running" in header and "ETA" in header and "CPU" in header and "RAM" in header

        # The teacher's analysis shows up while round 1 is still going.
        await wait_until(pilot, lambda: "confuses" in (screen.snapshot.analysis or ""))
        # Round 1's budget accounting is on screen: asked, parsed, ..., kept, tokens.
        await wait_until(pilot, lambda: screen.query_one("#job-accounting").row_count >= 1)
        row = screen.query_one("#job-accounting").get_row_at(0)
        assert row[0] == "1" and int(row[1]) >= int(row[2]) >= int(row[5]) > 0 and int(row[7]) > 0
        # The worker's own CPU is measured (it was always 0% before), and once round 1 trains
        # or has finished there is an ETA.
        await wait_until(pilot, lambda: (screen.snapshot.job.progress or {}).get("load", {})
                         .get("proc_cpu_percent", 0) > 0)
        await wait_until(pilot, lambda: screen.snapshot.eta_s is not None)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)

    # Closing the app does not stop the job...
    pid = store.get_job(db, job_id).pid
    assert pid_is_worker(pid, job_id)
    assert store.get_job(db, job_id).status == "running"

    # ...and a new app re-attaches to it; ctrl+x cancels it cleanly.
    app = WorkbenchApp(db_path=db_path, config_path=teacher_config, load_heavy=False, start_screen="jobs")
    async with app.run_test(size=SIZE) as pilot:
        jobs = app.screen
        await wait_until(pilot, lambda: jobs.rows and jobs.rows[0]["status"] == "running")
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        await wait_until(pilot, lambda: screen.snapshot is not None and screen.losses)
        await pilot.press("ctrl+x")
        await wait_until(pilot, lambda: screen.snapshot.status == "cancelled", timeout=60)
        assert "cancelled" in str(screen.query_one("#job-header").render())
    assert store.get_job(db, job_id).status == "cancelled"
    proc.wait(timeout=30)
    db.close()


async def test_new_job_dialog_validates_before_starting(tmp_path, teacher_config):
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.widgets.job_new import NewJobDialog

    app = WorkbenchApp(db_path=tmp_path / "wb.db", config_path=teacher_config, load_heavy=False,
                       start_screen="jobs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewJobDialog)
        dialog.query_one("#new-rounds").value = "many"
        await pilot.click("#new-start")
        await pilot.pause()
        assert "rounds must be a whole number" in str(dialog.query_one("#new-job-error").render())
        dialog.query_one("#new-rounds").value = "2"
        dialog.query_one("#new-shots").value = "0"
        await pilot.click("#new-shots")
        await pilot.press("enter")  # enter in a field starts, as the button does
        await pilot.pause()
        error = str(dialog.query_one("#new-job-error").render())
        assert "shots must be at least 1" in error and "--" not in error  # the field's name, not a flag
        dialog.query_one("#new-shots").value = "1"
        dialog.query_one("#new-per_round").value = "0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "per round must be at least 1" in str(dialog.query_one("#new-job-error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, NewJobDialog)
    db = open_db(tmp_path / "wb.db")
    assert store.list_jobs(db) == []  # nothing was started
    db.close()


async def test_new_job_dialog_at_80x24_lists_every_error_with_its_buttons_on_screen(tmp_path, teacher_config):
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.widgets.job_new import NewJobDialog

    app = WorkbenchApp(db_path=tmp_path / "wb.db", config_path=teacher_config, load_heavy=False,
                       start_screen="jobs")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewJobDialog)
        # The training options of issue 23 are in the form, with the command's defaults.
        d = EvoKDOptions(dataset="")
        assert dialog.query_one("#new-lr").value == f"{d.lr:g}"
        assert dialog.query_one("#new-epochs").value == str(d.epochs)
        assert dialog.query_one("#new-batch_size").value == str(d.batch_size)
        assert dialog.query_one("#new-replay").value == ""  # blank: every kept sample
        for fid, value in (("rounds", "many"), ("shots", "0"), ("lr", "fast"), ("epochs", "0"),
                           ("batch_size", "-1"), ("replay", "-2")):
            dialog.query_one(f"#new-{fid}").value = value
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = dialog.query_one("#new-job-error")
        text = str(error.render())
        for expected in ("rounds must be a whole number", "shots must be at least 1", "lr must be a number",
                         "epochs must be at least 1", "batch size must be at least 1",
                         "replay must be 0 or more"):
            assert expected in text, expected
        screen = app.screen.region
        for wid in ("#new-job-error", "#new-start", "#new-cancel"):
            region = dialog.query_one(wid).region
            assert region.height > 0 and screen.contains_region(region), wid  # on screen, not cut
        # Fixed, the same form starts a job with those options.
        for fid, value in (("rounds", "2"), ("shots", "1"), ("lr", "3e-5"), ("epochs", "4"),
                           ("batch_size", "4"), ("replay", "6")):
            dialog.query_one(f"#new-{fid}").value = value
        dialog.query_one("#new-dataset").value = "no-such-dataset"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "unknown dataset" in str(error.render())
        dialog.query_one("#new-dataset").value = "bbc-news"
        assert dialog.options()["lr"] == 3e-5 and dialog.options()["replay"] == 6
        assert dialog.options()["epochs"] == 4 and dialog.options()["batch_size"] == 4


async def test_jobs_table_shows_scores_whole_at_80_columns(tmp_path):
    from textual.widgets import DataTable

    from workbench.ui.app import WorkbenchApp

    db = open_db(tmp_path / "wb.db")
    job_id = store.create_job(db, "evokd", {"options": {"dataset": "bbc-news", "method": "evokd", "rounds": 1}})
    store.update_job(db, job_id, status="done")
    store.save_round(db, job_id, {"round": 0, "train_size": 5, "generated": 0, "kept": 0, "teacher_tokens": 0,
                                  "accuracy": 0.7531, "macro_f1": 0.4119, "loss": 1.0, "seconds": 1.0})
    db.close()
    app = WorkbenchApp(db_path=tmp_path / "wb.db", load_heavy=False, start_screen="jobs")
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#jobs-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, 20)
        assert table.get_row_at(0)[5] == "0.753" and table.get_row_at(0)[6] == "0.412"
        # Both score columns end inside the visible table: nothing cut to "0.4".
        right = 0
        for key in list(table.columns)[:7]:
            right += table.columns[key].get_render_width(table)
        assert right <= table.scrollable_content_region.width


async def test_job_view_keeps_plots_and_analysis_at_80x24(tmp_path):
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.screens.job import JobScreen

    db = open_db(tmp_path / "wb.db")
    job_id = store.create_job(db, "evokd", {"dataset": "bbc-news"})
    db.close()
    app = WorkbenchApp(db_path=tmp_path / "wb.db", load_heavy=False, start_screen="jobs")
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JobScreen(job_id=job_id))
        await pilot.pause(0.5)
        screen = app.screen
        for pane in ("#job-rounds", "#job-analysis", "#job-loss", "#job-scores", "#job-samples"):
            widget = screen.query_one(pane)
            assert widget.display and widget.size.width >= 60, pane  # stacked, full width
            widget.scroll_visible(animate=False)
            await pilot.pause()
            assert widget.region.height > 0, pane  # reachable by scrolling


async def test_the_timer_waits_for_a_poll_still_reading_but_a_reload_asked_for_supersedes_it(tmp_path, monkeypatch):
    import threading

    from workbench.ui.app import WorkbenchApp

    open_db(tmp_path / "wb.db").close()
    app = WorkbenchApp(db_path=tmp_path / "wb.db", load_heavy=False, start_screen="jobs")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen

        def polls():
            return [w for w in app.workers if w.group == "jobs-poll" and w.node is screen]

        await wait_until(pilot, lambda: all(w.is_finished for w in polls()), 20)
        # A poll that outlasts the interval, as on a slow machine: its reap waits for us.
        release = threading.Event()
        monkeypatch.setattr(launcher, "reap", lambda: release.wait(20))
        screen.action_reload()
        await wait_until(pilot, lambda: any(w.is_running for w in polls()), 20)
        slow = next(w for w in polls() if w.is_running)

        screen._poll_unless_reading()  # the timer's tick
        await pilot.pause()
        assert not slow.is_cancelled and [w for w in polls() if not w.is_finished] == [slow]

        screen.action_reload()  # a key or an action asked for fresh rows
        await pilot.pause()
        assert slow.is_cancelled
        release.set()
        await wait_until(pilot, lambda: all(w.is_finished for w in polls()), 20)
