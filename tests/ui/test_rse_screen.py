"""The RSE screen, driven by Pilot against the test server: set up, run, switch away, read results."""

from __future__ import annotations

from tests.support.ui import Notes
from tests.ui.settle import settle_workers
import json
import time
from pathlib import Path

from textual.widgets import DataTable, Input, ProgressBar, Select, SelectionList

from workbench.devtools.openai_server import Behavior
from workbench.store import open_db
from workbench.store.runs import get_run
from workbench.ui.app import WorkbenchApp
from workbench.ui.widgets.heatmap import heat_rgb, heat_style

GOOD_VERDICT = json.dumps({"rationale": "Both answers echo the request in the same words.",
                           "style": 2, "logic": 2, "content": 2, "overall": 4})


def _config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "models.toml"
    path.write_text("".join(f'[models.{n}]\nmodel = "openai/{n}"\napi_base = "{url}"\ntimeout = 30\n'
                            f"max_retries = 1\n\n" for n in ("echo", "echo-b", "judge")) + extra,
                    encoding="utf-8")
    return path


async def _wait(pilot, condition, timeout: float = 90.0, notes=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        # What the app told the user says why a run never started or never ended.
        assert time.monotonic() < deadline, f"timed out waiting; the app said: {notes.items if notes else '?'}"
        await pilot.pause(0.2)


def _setup(screen, *, reference: str, targets: list[str], judge: str, limit: str) -> None:
    screen.query_one("#rse-reference", Select).value = reference
    chooser = screen.query_one("#rse-targets", SelectionList)
    for t in targets:
        chooser.select(t)
    screen.query_one("#rse-judge", Select).value = judge
    screen.query_one("#rse-limit", Input).value = limit
    screen.query_one("#rse-max-tokens", Input).value = "32"


async def test_rse_screen_runs_a_tiny_run_and_shows_results(tmp_path, server, db_file):
    server.default = Behavior(text=GOOD_VERDICT, latency_s=0.3)
    app = WorkbenchApp(db_path=db_file, config_path=_config(tmp_path, server.url), load_heavy=False)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.press("f5")
        await pilot.pause(0.3)
        screen = app.screen
        assert type(screen).__name__ == "RSEScreen"
        _setup(screen, reference="echo", targets=["echo-b"], judge="judge", limit="2")
        screen.query_one("#rse-target-temperature", Input).value = "0.7"
        await pilot.pause()
        await pilot.click("#rse-start")
        # The shown run's id, not the active one: a fast run can end between two looks, and
        # then the active id is None again.
        await _wait(pilot, lambda: screen.run_id is not None)
        run_id = screen.run_id

        # Leave while it runs: the run is the app's worker and goes on without the screen.
        await pilot.press("f1")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "HomeScreen"
        db = open_db(db_file)
        await _wait(pilot, lambda: get_run(db, run_id).status != "running")
        assert get_run(db, run_id).status == "done"
        assert get_run(db, run_id).config["target_params"] == {"temperature": 0.7}
        await pilot.press("f5")
        await _wait(pilot, lambda: screen.active_run_id is None and screen.report is not None
                    and screen.report["status"] == "done")
        assert app.screen is screen

        assert screen.query_one("#rse-progress").query_one(ProgressBar).progress == 2
        assert "2/2 items" in str(screen.query_one("#run-progress-text").render())
        results = screen.query_one("#rse-results", DataTable)
        assert results.row_count == 2  # arena and the avg row
        row = results.get_row_at(0)
        assert row[0] == "echo-b" and row[1] == "arena" and row[3].startswith("4.00")
        items = screen.query_one("#rse-items", DataTable)
        assert items.row_count == 2

        # The matrix: reference and target, coloured cells.
        screen.query_one("#rse-matrix-metric", Select).value = "lexical"
        screen.query_one("#rse-tabs").active = "rse-tab-matrix"
        heatmap = screen.query_one("#rse-heatmap")
        await _wait(pilot, lambda: heatmap.result is not None and heatmap.result["metric"] == "lexical")
        assert heatmap.result["models"] == ["echo", "echo-b"]
        assert heatmap.result["matrix"][0][1] == 1.0

        # Open an item: reference and target side by side, with the judge's scores.
        screen.query_one("#rse-tabs").active = "rse-tab-items"
        await pilot.pause(0.2)
        items.focus()
        await pilot.press("enter")
        await _wait(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        item_screen = app.screen
        assert type(item_screen).__name__ == "RSEItemScreen"
        assert item_screen.detail["verdict"]["value"] == 4
        assert item_screen.detail["reference"]["text"] == GOOD_VERDICT
        assert "Both answers echo" in str(item_screen.query_one("#item-verdict-text").content.renderables[-1])
        first = item_screen.item_id
        await pilot.press("n")
        await _wait(pilot, lambda: item_screen.detail["item_id"] != first)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert app.screen is screen


async def test_rse_screen_refuses_self_judge_and_cancels(tmp_path, server, db_file):
    server.default = Behavior(latency_s=0.5)
    # The user has moved "resume" to f9: messages must name f9, and f9 must resume.
    config = _config(tmp_path, server.url, '[workbench.keymap]\n"rse.resume" = "f9"\n')
    app = WorkbenchApp(db_path=db_file, config_path=config, load_heavy=False)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.press("f5")
        await pilot.pause(0.3)
        screen = app.screen
        # Nothing ticked yet: ctrl+s from inside a text field says what to tick, in the form's words.
        await pilot.click("#rse-limit")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("tick at least one target model" in n.message for n in app._notifications)
        assert screen.active_run_id is None
        screen.set_focus(None)  # single-letter keys below act on the screen, not the field
        _setup(screen, reference="echo", targets=["echo-b"], judge="echo", limit="2")
        await pilot.pause()
        screen.action_start()
        await pilot.pause(0.2)
        assert screen.active_run_id is None
        assert not list(open_db(db_file).query("select id from runs"))
        refusal = [n.message for n in app._notifications if "rate its own" in n.message][-1]
        assert "tick 'allow the reference to judge'" in refusal and "--" not in refusal

        screen.query_one("#rse-judge", Select).value = "none"
        screen.query_one("#rse-limit", Input).value = "8"
        screen.query_one("#rse-fresh").value = True
        await pilot.pause()
        screen.action_start()
        # The run's row is created by the app's store writer, off the UI loop: wait for it.
        from workbench.ui.screens.rse import STARTING

        await _wait(pilot, lambda: screen.active_run_id not in (None, STARTING))
        run_id = screen.active_run_id
        assert run_id is not None
        db = open_db(db_file)
        screen.query_one("#rse-limit", Input).focus()  # stop works from inside a text field too
        await _wait(pilot, lambda: db.execute("select count(*) from run_items where status = 'answered'")
                    .fetchone()[0] >= 1)
        await pilot.press("ctrl+x")
        await _wait(pilot, lambda: screen.active_run_id is None)
        run = get_run(db, run_id)
        assert run.status == "interrupted"
        status = str(screen.query_one("#rse-status").render())
        assert "press f9 to resume" in status and "workbench rse run" not in status
        answered = db.execute("select count(*) from run_items where status = 'answered'").fetchone()[0]
        assert answered < 8

        # Resume with the user's key: the run finishes without asking answered items again.
        server.default = Behavior()
        server.requests.clear()
        screen.run_id = run_id
        screen.set_focus(None)
        await pilot.press("f9")
        await _wait(pilot, lambda: get_run(db, run_id).status == "done" and screen.active_run_id is None)
        assert len({json.dumps(r.messages) for r in server.requests}) <= 8 - answered
        # A reload that a newer one replaced (exclusive workers) ends cancelled: wait again.
        from textual.worker import WorkerCancelled

        for _ in range(50):
            try:
                await settle_workers(app)
                break
            except WorkerCancelled:
                await pilot.pause(0.1)


def test_heat_colours_run_from_cool_to_warm():
    low, mid, high = heat_rgb(0.0), heat_rgb(0.5), heat_rgb(1.0)
    assert low == (37, 52, 148) and high == (255, 237, 160) and low != mid != high
    assert heat_rgb(2.0) == high and heat_rgb(-1.0) == low  # clipped
    assert heat_rgb(3, 1, 5) == mid
    assert heat_style(None) == "dim"
    assert heat_style(1.0).startswith("black on") and heat_style(0.0).startswith("white on")


async def test_rse_form_left_alone_sends_each_models_own_params(tmp_path, server, db_file):
    # Before: the form sent temperature 0 and max_tokens 512 as if typed, overriding a sampled
    # variant's models.toml params. Empty fields now follow the one rule, as the CLI does.
    server.default = Behavior(text="an answer", latency_s=0.05)
    hot = f'[models.hot]\nmodel = "openai/hot"\napi_base = "{server.url}"\nmax_retries = 1\n' \
          'params = { temperature = 0.9, max_tokens = 7 }\n'
    app = WorkbenchApp(db_path=db_file, config_path=_config(tmp_path, server.url, hot), load_heavy=False)
    notes = Notes(app)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.press("f5")
        await pilot.pause(0.3)
        screen = app.screen
        screen.query_one("#rse-reference", Select).value = "echo"
        screen.query_one("#rse-targets", SelectionList).select("hot")
        screen.query_one("#rse-limit", Input).value = "2"
        await pilot.pause()
        screen.action_start()
        # The shown run's id: this run (two answers from a 0.05 s server) can be over before
        # the next look, and then the active id is None again.
        await _wait(pilot, lambda: screen.run_id is not None, notes=notes)
        run_id = screen.run_id
        db = open_db(db_file)
        await _wait(pilot, lambda: get_run(db, run_id).status != "running", notes=notes)
    assert get_run(db, run_id).status == "done"
    sent = {(r.model, r.body.get("temperature"), r.body.get("max_tokens")) for r in server.requests}
    assert sent == {("hot", 0.9, 7), ("echo", 0.0, 512)}
    resolved = get_run(db, run_id).config["resolved"]
    assert resolved["target:hot"]["temperature"] == {"value": 0.9, "source": "models.toml"}
    assert resolved["reference"]["max_tokens"] == {"value": 512, "source": "default"}


async def test_rse_form_with_a_missing_key_or_a_dead_judge_starts_nothing(tmp_path, server, db_file, monkeypatch):
    # As `workbench rse run` does: the pre-flight check says what to fix in one line, and no run
    # is created (before: the run started and every item came back an auth or connection error).
    from tests.support.ui import notifications
    from workbench.models.llama_server import free_port
    from workbench.store.runs import list_runs

    monkeypatch.delenv("WB_TEST_RSE_KEY", raising=False)
    extra = (f'[models.keyed]\nmodel = "openai/keyed"\napi_base = "{server.url}"\napi_key_env = "WB_TEST_RSE_KEY"\n'
             f'[models.gone]\nmodel = "openai/gone"\napi_base = "http://127.0.0.1:{free_port()}/v1"\n'
             'timeout = 3\nmax_retries = 0\n')
    app = WorkbenchApp(db_path=db_file, config_path=_config(tmp_path, server.url, extra), load_heavy=False)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.press("f5")
        await pilot.pause(0.3)
        screen = app.screen
        for reference, judge, expected in (("keyed", "judge", "WB_TEST_RSE_KEY is not set"),
                                           ("echo", "gone", "cannot reach")):
            _setup(screen, reference=reference, targets=["echo-b"], judge=judge, limit="1")
            await pilot.pause()
            await pilot.click("#rse-start")
            await _wait(pilot, lambda e=expected: any(e in n for n in notifications(app)), timeout=20)
            await settle_workers(app)
            await pilot.pause()
            assert screen.active_run_id is None
            assert not screen.query_one("#rse-start").disabled
    assert not server.requests
    db = open_db(db_file)
    assert list_runs(db) == []
    db.close()
