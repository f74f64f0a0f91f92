"""'Report of ...' in the TUI palette: written by a worker into $WORKBENCH_REPORTS, and the app says where."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.support.ui import Notes, wait_for
from workbench.store import open_db
from workbench.ui.app import WorkbenchApp

from .fixtures import make_ice_run


async def _palette(pilot, app, query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*query)
    await pilot.pause(0.5)
    await pilot.press("enter")


async def test_palette_reports_a_run_by_id_into_the_reports_folder(db_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_REPORTS", str(tmp_path / "reports"))
    db = open_db(db_file)
    run_id, _ = make_ice_run(db, target="deepseek-chat")
    db.close()
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test() as pilot:
        notes = Notes(app)
        await pilot.pause()
        await _palette(pilot, app, f"report of ice run {run_id}")
        await wait_for(pilot, lambda: any("report written" in m for _, m in notes.items) or notes.errors(),
                       timeout=60, what="the report worker")
        assert not notes.errors()
        html = app.report_written
        assert html.parent.parent == tmp_path / "reports" and html.name == "report.html"
        assert str(html) in notes.last()
        assert "deepseek-chat" in html.read_text() and (html.parent / "figures" / "ice-scores.png").exists()


async def test_palette_reports_the_run_the_ice_screen_shows(db_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_REPORTS", str(tmp_path / "reports"))
    db = open_db(db_file)
    run_id, _ = make_ice_run(db, target="qwen2.5-72b")
    db.close()
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test() as pilot:
        notes = Notes(app)
        await pilot.pause()
        app.action_open_screen("ice")
        await pilot.pause(0.3)
        app.screen.open_run(run_id)
        await pilot.pause(0.3)
        await _palette(pilot, app, f"report of run {run_id}")
        await wait_for(pilot, lambda: any("report written" in m for _, m in notes.items) or notes.errors(),
                       timeout=60, what="the report worker")
        assert not notes.errors() and "qwen2.5-72b" in app.report_written.read_text()


async def test_a_missing_run_is_one_line_and_the_app_stays(db_file, tmp_path, monkeypatch):
    from workbench.report import Ref
    from workbench.ui.report_action import start_report

    monkeypatch.setenv("WORKBENCH_REPORTS", str(tmp_path / "reports"))
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test() as pilot:
        notes = Notes(app)
        await pilot.pause()
        start_report(app, [Ref("run", 77)])
        await wait_for(pilot, lambda: bool(notes.errors()), timeout=30, what="the error")
        assert notes.errors() == ["no report: no run 77: list runs with `workbench ice runs` or `workbench rse runs`"]
        assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())
        assert type(app.screen).__name__ == "HomeScreen"


async def test_the_jobs_list_offers_the_report_of_the_highlighted_job(db_file, tmp_path, monkeypatch):
    from .fixtures import make_job

    monkeypatch.setenv("WORKBENCH_REPORTS", str(tmp_path / "reports"))
    db = open_db(db_file)
    job_id = make_job(db, "evokd", 0, (0.5, 0.6))
    db.close()
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(120, 40)) as pilot:
        notes = Notes(app)
        await pilot.pause()
        app.action_open_screen("jobs")
        from workbench.ui.report_action import screen_refs

        await wait_for(pilot, lambda: [str(r) for r in screen_refs(app.screen)] == [f"job {job_id}"], timeout=20,
                       what="the job row")
        await _palette(pilot, app, f"report of job {job_id}")
        await wait_for(pilot, lambda: any("report written" in m for _, m in notes.items) or notes.errors(),
                       timeout=60, what="the report worker")
        assert not notes.errors()
        md = (app.report_written.parent / "report.md").read_text()
        assert "| evokd | bbc-news | 1 | 1 | 0.600 |" in md
