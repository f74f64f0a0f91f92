"""The TUI never writes SQLite on its event loop: with another process holding the write
lock, keys are handled at once and the writes land once the lock is free, in order; quitting
with writes still queued loses none of them."""

from __future__ import annotations

from tests.ui.settle import settle_workers
import threading

import pytest

from tests.review.fixtures import make_ice_run
from tests.support.lock import HeldLock
from tests.support.ui import fill_ice_form, wait_for, writes_landed
from workbench.store import open_db
from workbench.store.runs import HUMAN, run_verdicts
from workbench.ui.app import WorkbenchApp
from workbench.ui.review_saving import is_provisional

SIZE = (170, 48)


@pytest.fixture()
def cfg(tmp_path):
    path = tmp_path / "models.toml"
    path.write_text('[workbench]\nauthor = "pilot"\n', encoding="utf-8")
    return path


def _humans(db_file, run_id):
    # A reader in WAL mode is never blocked by the writer's lock.
    db = open_db(db_file, writable=False)
    try:
        return [v for v in run_verdicts(db, run_id) if v.judge == HUMAN]
    finally:
        db.close()


async def _review_app(db_file, cfg, pilot_size=SIZE):
    db = open_db(db_file)
    run_id, ids = make_ice_run(db)
    db.close()
    app = WorkbenchApp(db_path=db_file, config_path=cfg, load_heavy=False, start_screen="review")
    app.review_run_id = run_id
    return app, run_id


async def _loaded(app, pilot):
    await settle_workers(app)
    await pilot.pause()
    screen = app.screen
    assert type(screen).__name__ == "ReviewScreen" and screen.review_run is not None
    return screen


async def test_review_key_is_handled_while_another_process_holds_the_lock(db_file, cfg):
    app, run_id = await _review_app(db_file, cfg)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _loaded(app, pilot)
        first = screen.current()
        with HeldLock(db_file) as lock:
            await pilot.press("y")
            # Handled now: the next item is shown and the verdict stands (provisionally)...
            assert screen.current().id != first.id
            assert first.reviewed and first.human.value == 1.0 and is_provisional(first.human)
            assert screen.stats["reviewed"] == 1
            # ...while its insert still waits for the lock, on the writer thread.
            assert screen.saving == {first.id: 1} and app.writer.pending == 1
            assert _humans(db_file, run_id) == []
            second = screen.current()
            await pilot.press("n")
            assert screen.current().id not in (first.id, second.id) and app.writer.pending == 2
            lock.release()
        await writes_landed(app, pilot)
        rows = _humans(db_file, run_id)
        assert [(r.item_id, r.value, r.author) for r in rows] == [(first.id, 1.0, "pilot"),
                                                                  (second.id, 0.0, "pilot")]
        # The stored rows replaced the provisional ones.
        assert screen.saving == {} and first.human.id == rows[0].id and not is_provisional(first.human)
        assert screen.stats["reviewed"] == 2
        await pilot.press("ctrl+q")


async def test_verdict_then_undo_land_in_order(db_file, cfg):
    app, run_id = await _review_app(db_file, cfg)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _loaded(app, pilot)
        first = screen.current()
        with HeldLock(db_file) as lock:
            await pilot.press("y")
            await pilot.press("u")  # undoes the verdict whose insert has not run yet
            assert screen.current().id == first.id and not first.reviewed
            assert screen.stats["reviewed"] == 0 and app.writer.pending == 2
            await pilot.press("n")  # and reviews it again
            assert first.reviewed and first.human.value == 0.0
            lock.release()
        await writes_landed(app, pilot)
        rows = _humans(db_file, run_id)
        assert [(r.value, r.retracts) for r in rows] == [(1.0, None), (None, rows[0].id), (0.0, None)]
        assert all(r.item_id == first.id for r in rows)
        assert first.human.id == rows[2].id and screen.stats["reviewed"] == 1
        assert screen.undo_stack and screen.undo_stack[-1].verdict_id == rows[2].id
        await pilot.press("ctrl+q")


async def test_quitting_with_queued_writes_loses_none(db_file, cfg):
    app, run_id = await _review_app(db_file, cfg)
    lock: HeldLock | None = None
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _loaded(app, pilot)
            lock = HeldLock(db_file)
            reviewed = []
            for key in "yny":
                reviewed.append(screen.current().id)
                await pilot.press(key)
            assert app.writer.pending == 3 and _humans(db_file, run_id) == []
            # Let the lock go a moment after the quit key: the app must wait for its writes.
            threading.Timer(1.0, lock.release).start()
            await pilot.press("ctrl+q")
        assert app.writer.pending == 0
        rows = _humans(db_file, run_id)
        assert [(r.item_id, r.value) for r in rows] == list(zip(reviewed, (1.0, 0.0, 1.0)))
    finally:
        if lock is not None:
            lock.__exit__(None, None, None)


async def test_compare_send_waits_for_the_lock_off_the_loop(server, db_file):
    from tests.conftest import server_config
    from workbench.devtools.openai_server import Behavior
    from workbench.store.exchanges import get_exchange
    from workbench.ui.screens.compare import CompareScreen

    server.default = Behavior(text="Paris.")
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    app.config = server_config(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = CompareScreen(embeddings=False)
        app.install_screen(screen, name="compare")
        app.action_open_screen("compare")
        await pilot.pause()
        columns = screen.columns
        for column in columns:
            column.set_model("echo")
        with HeldLock(db_file) as lock:
            screen.query_one("#prompt").text = "What is the capital of France?"
            screen.action_send()
            await pilot.pause()
            # Handled at once: the columns wait for the stored exchange; nothing is asked yet.
            assert screen.running and screen.exchange_id is None and app.writer.pending >= 1
            assert all("storing the prompt" in str(c.query_one(".col-stats").render()) for c in columns)
            assert server.requests == [] and screen.query_one("#prompt").text == ""
            lock.release()
        await wait_for(pilot, lambda: not screen.running, 60, "the answers")
        await writes_landed(app, pilot)
        assert [c.response.status for c in columns] == ["ok"] * len(columns)
        assert len(server.requests) == len(columns) and screen.exchange_id is not None
        exchange_id = screen.exchange_id
        await pilot.press("ctrl+q")
    db = open_db(db_file, writable=False)
    try:
        exchange = get_exchange(db, exchange_id)
    finally:
        db.close()
    assert exchange.prompt == "What is the capital of France?"
    assert [r.text for r in exchange.responses] == ["Paris."] * len(columns)


async def test_ice_run_started_while_locked_runs_once_the_lock_is_free(server, db_file, tmp_path):
    from tests.conftest import write_models_toml
    from workbench.devtools.openai_server import Behavior
    from workbench.store.runs import list_runs, run_items
    from workbench.ui.screens.ice import STARTING

    server.default = Behavior(text="I am ChatGPT, developed by OpenAI.")
    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    app = WorkbenchApp(db_path=db_file, config_path=cfg, start_screen="ice", load_heavy=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        await fill_ice_form(pilot, screen, budget="4", templates="2", max_tokens="16")
        with HeldLock(db_file) as lock:
            screen.action_start()
            await pilot.pause()
            # The run's row waits for the lock on the store writer; a second start is refused.
            assert screen.active_run_id == STARTING and app.writer.pending == 1
            screen.action_start()
            assert app.writer.pending == 1
            lock.release()
        # The run shown, not the active one: four quick answers can be over between two looks.
        await wait_for(pilot, lambda: screen.view_run_id is not None, 60, "the run's row")
        await wait_for(pilot, lambda: screen.active_run_id is None, 60, "the run")
        await settle_workers(app)
        await pilot.press("ctrl+q")
    db = open_db(db_file, writable=False)
    try:
        (run,) = list_runs(db, "ice")
        items = run_items(db, run.id)
    finally:
        db.close()
    assert run.status == "done" and len(items) == 4 and all(i.status == "answered" for i in items)


async def test_quitting_during_an_ice_run_records_it_interrupted(server, db_file, tmp_path):
    from tests.conftest import write_models_toml
    from workbench.devtools.openai_server import Behavior
    from workbench.store.runs import list_runs
    from workbench.ui.screens.ice import STARTING

    # Slow answers: the run is still going when the app quits.
    server.default = Behavior(text="I am ChatGPT, developed by OpenAI.", latency_s=1.0)
    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    app = WorkbenchApp(db_path=db_file, config_path=cfg, start_screen="ice", load_heavy=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        await fill_ice_form(pilot, screen, budget="8", templates="4", max_tokens="16")
        screen.action_start()
        await wait_for(pilot, lambda: screen.active_run_id not in (None, STARTING), 60, "the run's row")
        await wait_for(pilot, lambda: len(server.requests) >= 1, 60, "the first question")
        assert app.run_threads
        await pilot.press("ctrl+q")
    assert not app.run_threads
    db = open_db(db_file, writable=False)
    try:
        (run,) = list_runs(db, "ice")
    finally:
        db.close()
    assert run.status == "interrupted" and "resume" in (run.error or "")


async def test_quitting_mid_stream_under_the_lock_keeps_the_partial_answers(server, db_file):
    from tests.conftest import server_config
    from workbench.devtools.openai_server import Behavior
    from workbench.store.exchanges import get_exchange
    from workbench.ui.screens.compare import CompareScreen

    server.default = Behavior(text=" ".join(f"word{i}" for i in range(400)), chunk_delay_s=0.05)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    app.config = server_config(server.url)
    lock: HeldLock | None = None
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            screen = CompareScreen(embeddings=False)
            app.install_screen(screen, name="compare")
            app.action_open_screen("compare")
            await pilot.pause()
            columns = screen.columns
            for column in columns:
                column.set_model("echo")
            screen.query_one("#prompt").text = "Count."
            screen.action_send()
            await wait_for(pilot, lambda: all("word3" in c.text for c in columns), 60, "some words")
            exchange_id = screen.exchange_id
            assert exchange_id is not None
            # Quit mid-stream while another process holds the lock: the partial answers are
            # queued, and the app waits for them.
            lock = HeldLock(db_file)
            threading.Timer(1.0, lock.release).start()
            await pilot.press("ctrl+q")
        db = open_db(db_file, writable=False)
        try:
            exchange = get_exchange(db, exchange_id)
        finally:
            db.close()
        assert [r.status for r in exchange.responses] == ["cancelled"] * len(columns)
        assert all(r.text.startswith("word0 word1 word2 word3") for r in exchange.responses)
    finally:
        if lock is not None:
            lock.__exit__(None, None, None)
