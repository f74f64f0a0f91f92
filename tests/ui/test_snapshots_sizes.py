"""Key screens at 80x24 (the smallest terminal we support) and at 120x40.

Same determinism as test_snapshots_compare: seeded rows, a fixed status line, no heavy
loads, notifications cleared before the picture is taken.
"""

from __future__ import annotations

import pytest

from tests.ui.test_snapshots_compare import FIXED_STATUS, _wait
from tests.ui.test_snapshots_compare import _settle as _settle_workers
from tests.ui.test_history import seed_history
from workbench.ui.app import WorkbenchApp

SIZES = [(80, 24), (120, 40)]
SIZE_IDS = ["80x24", "120x40"]


async def _settle(pilot) -> None:
    """Workers done, notifications gone, and text cursors steady (a blink is a coin toss)."""
    from textual.widgets import Input, TextArea

    await _settle_workers(pilot)
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await pilot.pause(0.1)


def _app(db_file, tmp_path) -> tuple[WorkbenchApp, dict]:
    ids = seed_history(db_file)
    empty = tmp_path / "models.toml"
    empty.write_text("")  # built-in models only, whatever the machine has installed
    app = WorkbenchApp(db_path=db_file, config_path=empty, load_heavy=False)
    app.status_text = lambda: FIXED_STATUS  # type: ignore[method-assign]
    from workbench.config import builtin_models

    app.config.models = {k: v for k, v in builtin_models().items() if k == "local/smollm2-135m-instruct"}
    return app, ids


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("screen", ["home", "ice", "rse", "jobs"])
def test_screen_fits(snap_compare, db_file, tmp_path, screen, size):
    app, _ = _app(db_file, tmp_path)

    async def run_before(pilot) -> None:
        app.action_open_screen(screen)
        await pilot.pause(0.3)
        if screen == "home":
            await _wait(pilot, lambda: bool(app.screen.query("#sessions")))
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_compare_fits(snap_compare, db_file, tmp_path, size):
    app, ids = _app(db_file, tmp_path)

    async def run_before(pilot) -> None:
        from workbench.store import open_db
        from workbench.store.exchanges import get_exchange
        from workbench.ui.screens.compare import CompareScreen

        app.install_screen(CompareScreen(embeddings=False), name="compare")
        app.action_open_screen("compare")
        await pilot.pause()
        compare = app.screen
        compare.show_exchange(get_exchange(open_db(db_file), ids["What is the capital of France?"]))
        await _wait(pilot, lambda: compare.strip.lexical is not None)
        # No widget holds the focus, so no cursor is drawn whatever finished last (a cursor cell
        # came and went between runs).
        app.set_focus(None)
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_compare_with_three_columns_at_80(snap_compare, db_file, tmp_path):
    """Each column keeps its model's name on one line, cut with an ellipsis."""
    app, _ = _app(db_file, tmp_path)

    async def run_before(pilot) -> None:
        from workbench.ui.screens.compare import CompareScreen

        app.install_screen(CompareScreen(embeddings=False), name="compare")
        app.action_open_screen("compare")
        await pilot.pause()
        await app.screen.action_add_column()
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_review_fits(snap_compare, db_file, tmp_path, size):
    from tests.review.fixtures import make_ice_run
    from workbench.store import open_db

    app, _ = _app(db_file, tmp_path)
    db = open_db(db_file)
    app.review_run_id = make_ice_run(db)[0]
    db.close()

    async def run_before(pilot) -> None:
        app.action_open_screen("review")
        await pilot.pause(0.3)
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_new_job_dialog_fits(snap_compare, db_file, tmp_path, size):
    app, _ = _app(db_file, tmp_path)

    async def run_before(pilot) -> None:
        app.action_open_screen("jobs")
        await pilot.pause(0.3)
        await app.screen.run_action("new_job")
        await _wait(pilot, lambda: app.screen.is_modal and bool(app.screen.query("#new-teacher")))
        # The default teacher is the best one installed, which differs between machines.
        app.screen.query_one("#new-teacher").value = "local/smollm2-135m-instruct"
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_help_fits_at_80(snap_compare, db_file, tmp_path):
    app, _ = _app(db_file, tmp_path)

    async def run_before(pilot) -> None:
        app.action_open_screen("review")
        await pilot.pause(0.3)
        while app.screen.is_modal:  # the run picker
            await pilot.press("escape")
            await pilot.pause(0.2)
        await pilot.press("question_mark")
        await _wait(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_new_job_form_with_every_error_fits_80x24(snap_compare, db_file, tmp_path):
    """The form lists all its problems at once, with its buttons on screen, at 80x24."""
    app, _ = _app(db_file, tmp_path)

    async def run_before(pilot) -> None:
        app.action_open_screen("jobs")
        await pilot.pause(0.3)
        await app.screen.run_action("new_job")
        await _wait(pilot, lambda: app.screen.is_modal and bool(app.screen.query("#new-teacher")))
        dialog = app.screen
        dialog.query_one("#new-teacher").value = "local/smollm2-135m-instruct"  # whatever is installed
        for fid, value in (("rounds", "many"), ("shots", "0"), ("lr", "fast"), ("epochs", "0")):
            dialog.query_one(f"#new-{fid}").value = value
        await pilot.press("ctrl+s")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
