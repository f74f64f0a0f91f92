"""Snapshots of Compare (finished answers), History, the exchange view and the diff view.

Deterministic on purpose: a fixed terminal size, rows seeded with fixed timestamps and
stats (tests.ui.test_history.SEED), answers shown from storage rather than timed live, no
embedding model, and a status bar without start-up time or temporary paths.
"""

from __future__ import annotations

from tests.ui.settle import settle_workers
import time

from tests.ui.test_history import seed_history
from workbench.ui.app import WorkbenchApp

SIZE = (180, 44)


FIXED_STATUS = "models load on first use  ·  db workbench.db"


# A bound on waiting for a state, not a speed check: a loaded 2-core CI run needed more than 15 s.
async def _wait(pilot, predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "snapshot set-up timed out"
        await pilot.pause(0.05)


def _app(db_file, ids_out: dict) -> WorkbenchApp:
    ids_out.update(seed_history(db_file))
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    # Start-up time and the temporary database path change from run to run.
    app.status_text = lambda: FIXED_STATUS  # type: ignore[method-assign]
    return app


async def _install(app: WorkbenchApp) -> None:
    from workbench.ui.screens.compare import CompareScreen
    from workbench.ui.screens.history import HistoryScreen

    app.install_screen(CompareScreen(embeddings=False), name="compare")
    app.install_screen(HistoryScreen(embeddings=False), name="history")


async def _settle(pilot) -> None:
    app = pilot.app
    await settle_workers(app)
    await pilot.pause(0.2)
    app.clear_notifications()
    await pilot.pause()


def test_compare_with_finished_answers(snap_compare, db_file):
    ids: dict = {}
    app = _app(db_file, ids)

    async def run_before(pilot) -> None:
        from workbench.store import open_db
        from workbench.store.exchanges import get_exchange

        await _install(app)
        app.action_open_screen("compare")
        await pilot.pause()
        compare = app.screen
        compare.show_exchange(get_exchange(open_db(db_file), ids["What is the capital of France?"]))
        await _wait(pilot, lambda: compare.strip.lexical is not None)
        compare.query_one("#columns").children[0].query_one(".col-body").focus()
        await _settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_history_screen(snap_compare, db_file):
    ids: dict = {}
    app = _app(db_file, ids)

    async def run_before(pilot) -> None:
        await _install(app)
        app.action_open_screen("history")
        history = app.get_screen("history")
        history.show_session(ids["Capital of France"])
        await _wait(pilot, lambda: history._loaded and len(history.exchanges) == 2)
        await _settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_history_search_results(snap_compare, db_file):
    ids: dict = {}
    app = _app(db_file, ids)

    async def run_before(pilot) -> None:
        await _install(app)
        app.action_open_screen("history")
        history = app.get_screen("history")
        await _wait(pilot, lambda: history._loaded and history.exchanges)
        await pilot.press("/", *"paris", "enter")
        await _wait(pilot, lambda: history.search_query == "paris" and len(history.exchanges) == 1)
        await _settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_exchange_view_with_an_error_column(snap_compare, db_file):
    ids: dict = {}
    app = _app(db_file, ids)

    async def run_before(pilot) -> None:
        await _install(app)
        app.action_open_screen("history")
        history = app.get_screen("history")
        await _wait(pilot, lambda: history._loaded and list(history.exchanges) == [ids["Write a haiku about rain."]])
        await pilot.press("enter", "ctrl+o")
        await _wait(pilot, lambda: type(app.screen).__name__ == "ExchangeViewScreen")
        await _wait(pilot, lambda: app.screen.query_one("SimilarityStrip").lexical is not None)
        await _settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_diff_view(snap_compare, db_file):
    ids: dict = {}
    app = _app(db_file, ids)

    async def run_before(pilot) -> None:
        from workbench.store import open_db
        from workbench.store.exchanges import get_exchange

        await _install(app)
        app.action_open_screen("compare")
        await pilot.pause()
        compare = app.screen
        compare.show_exchange(get_exchange(open_db(db_file), ids["What is the capital of France?"]))
        await _wait(pilot, lambda: compare.strip.lexical is not None)
        compare.query_one("#columns").children[0].query_one(".col-body").focus()
        await pilot.press("ctrl+d")
        await _wait(pilot, lambda: type(app.screen).__name__ == "DiffScreen")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
