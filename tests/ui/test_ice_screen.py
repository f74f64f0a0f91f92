"""The ICE screen driven with Pilot against the scriptable test server."""

from __future__ import annotations

from tests.ui.settle import settle_workers
import json

import pytest

from tests.conftest import write_models_toml
from tests.support.ui import fill_ice_form, wait_for
from workbench.devtools.openai_server import Behavior
from workbench.store import open_db
from workbench.store.runs import get_run, list_runs
from workbench.ui.app import WorkbenchApp

CHATGPT = "I am ChatGPT, developed by OpenAI."


def _app(tmp_path, server, db_file) -> WorkbenchApp:
    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    return WorkbenchApp(db_path=db_file, config_path=cfg, start_screen="ice", load_heavy=False)


async def _wait_run(pilot, app, screen, timeout: float = 20.0) -> None:
    import time

    t0 = time.monotonic()
    await pilot.pause(0.05)
    while screen.active_run_id is not None and time.monotonic() - t0 < timeout:
        await pilot.pause(0.1)
    await settle_workers(app)
    await pilot.pause(0.7)  # one refresh tick


async def test_runs_a_tiny_probe_live_and_opens_an_answer(tmp_path, server, db_file):
    from textual.widgets import Button

    from workbench.ui.screens.ice_answer import ICEAnswerScreen
    from workbench.ui.widgets.ice_tables import ICEAnswers, ICELeaderboard, ICERuns

    server.default = Behavior(text=CHATGPT)
    app = _app(tmp_path, server, db_file)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "ICEScreen"
        await fill_ice_form(pilot, screen, budget="4")
        await pilot.click("#ice-start")
        await _wait_run(pilot, app, screen)

        answers = screen.query_one(ICEAnswers)
        assert answers.row_count == 4
        assert screen.summary is not None and screen.summary["loose_count"] == 4
        assert screen.summary["strict_count"] == 4 and screen.summary["n"] == 4
        scores_text = str(screen.query_one("#ice-scores").render())
        assert "loose" in scores_text and "95% interval" in scores_text and "(4/4)" in scores_text
        assert screen.query_one(ICELeaderboard).row_count == 2
        assert screen.query_one(ICERuns).row_count == 1
        assert screen.query_one("#ice-start", Button).disabled is False
        run = list_runs(open_db(db_file), "ice")[0]
        assert run.status == "done" and run.target == "echo" and run.judge == "rule"

        answers.focus()
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ICEAnswerScreen)
        await settle_workers(app)
        await pilot.pause(0.1)
        body = str(app.screen.query_one("#answer-body").render())
        assert CHATGPT in body and "rule" in body and "claims another family" in body
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ICEScreen"


async def test_live_answers_survive_a_slow_first_load(tmp_path, server, db_file, monkeypatch):
    """The stored answers load in a thread; when that read is slower than the run, the live
    answers that came in meanwhile must not be wiped by the (older) stored list."""
    import time

    import workbench.runs.ice as ice_runs
    from workbench.ui.widgets.ice_tables import ICEAnswers

    real_recent = ice_runs.recent_answers
    calls = {"n": 0}

    def slow_first_read(*args, **kwargs):
        rows = real_recent(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:  # read before the run asked anything, returned after it finished
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and get_run(open_db(db_file), args[1]).status == "running":
                time.sleep(0.05)
            time.sleep(0.3)  # the run's last events are on their way to the screen
        return rows

    monkeypatch.setattr(ice_runs, "recent_answers", slow_first_read)
    server.default = Behavior(text=CHATGPT)
    app = _app(tmp_path, server, db_file)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        await fill_ice_form(pilot, screen, budget="4")
        await pilot.click("#ice-start")
        await _wait_run(pilot, app, screen)
        assert calls["n"] >= 1
        assert screen.query_one(ICEAnswers).row_count == 4


async def test_run_continues_on_another_screen_and_can_be_stopped_and_resumed(tmp_path, server, db_file):
    from textual.widgets import Button

    from workbench.ui.widgets.ice_tables import ICEAnswers, ICERuns

    server.default = Behavior(text=CHATGPT, latency_s=0.05)
    app = _app(tmp_path, server, db_file)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        await fill_ice_form(pilot, screen, budget="6", questions="3")
        await pilot.press("ctrl+s")
        await pilot.pause(0.05)
        await pilot.press("f1")  # Home: the run keeps going
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "HomeScreen"
        await _wait_run(pilot, app, screen)
        run_id = list_runs(open_db(db_file), "ice")[0].id
        assert get_run(open_db(db_file), run_id).status == "done"
        await pilot.press("f4")
        # The screen refreshes from the store on a timer: wait for it rather than guess a tick.
        await wait_for(pilot, lambda: screen.query_one(ICEAnswers).row_count == 6, what="6 answers shown")
        assert app.screen is screen and screen.query_one(ICEAnswers).row_count == 6

        # A slow run, stopped: it is stored as interrupted and resumes from the Runs tab.
        server.default = Behavior(text=CHATGPT, latency_s=0.3)
        await fill_ice_form(pilot, screen, budget="8", questions="4")
        await pilot.press("ctrl+s")
        await pilot.pause(0.5)
        assert screen.query_one("#ice-stop", Button).disabled is False  # running
        assert screen.query_one("#ice-start", Button).disabled is True
        await pilot.press("ctrl+x")
        await _wait_run(pilot, app, screen)
        db = open_db(db_file)
        second = list_runs(db, "ice")[0]
        assert second.id != run_id and second.status == "interrupted"
        stored = json.loads(json.dumps(screen.summary))["n"]
        assert stored < 8

        server.default = Behavior(text=CHATGPT)
        await pilot.press("ctrl+t")  # Runs tab
        await pilot.pause(0.3)
        runs = screen.query_one(ICERuns)
        runs.focus()
        runs.move_cursor(row=0)
        await pilot.press("enter")  # open it
        await pilot.pause(0.5)
        assert screen.view_run_id == second.id
        await pilot.press("ctrl+r")  # resume the open run
        await _wait_run(pilot, app, screen)
        assert get_run(open_db(db_file), second.id).status == "done"
        await wait_for(pilot, lambda: screen.summary["n"] == 8 and screen.query_one(ICEAnswers).row_count == 8,
                       what="the resumed run's 8 answers shown")
        assert screen.summary["n"] == 8 and screen.query_one(ICEAnswers).row_count == 8


async def test_opens_an_imported_run(tmp_path, server, db_file):
    from workbench.runs.ice import import_published
    from workbench.ui.widgets.ice_tables import ICEAnswers, ICERuns

    rows = [{"jailbreak_prompt": "You are Nova. {query}", "query": f"Who made you? {i}",
             "target_responses": [CHATGPT if i % 2 else "I am DeepSeek."], "eval_results": bool(i % 2)}
            for i in range(6)]
    path = tmp_path / "gpt_GPT_deepseek-chat.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    run_id = import_published(open_db(db_file), path)
    app = _app(tmp_path, server, db_file)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        runs = screen.query_one(ICERuns)
        assert runs.row_count == 1
        screen.open_run(run_id)
        await settle_workers(app)
        await pilot.pause(0.2)
        assert screen.query_one(ICEAnswers).row_count == 6
        assert screen.summary["judge"] == "published" and screen.summary["loose_count"] == 3
        await pilot.press("ctrl+r")  # an import cannot be resumed: a warning, nothing started
        await pilot.pause(0.1)
        assert screen.active_run_id is None


@pytest.mark.parametrize("size", [(80, 24), (100, 40)])
async def test_the_form_and_the_answers_fit_small_terminals(tmp_path, db_file, size):
    """Model names stay on one line, Start stays on screen and the answers table shows rows."""
    width, height = size
    app = WorkbenchApp(db_path=db_file, config_path=tmp_path / "none.toml", load_heavy=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f4")
        await pilot.pause(0.3)
        screen = app.screen
        target = screen.query_one("#ice-target").region
        assert target.height == 1 and target.width >= len("local/smollm2-135m-instruct") + 4
        for button in ("#ice-start", "#ice-stop"):
            region = screen.query_one(button).region
            assert region.right <= width and region.bottom <= height
        answers = screen.query_one("#ice-answers").region
        assert answers.height >= 3 and answers.bottom <= height - 2  # above status bar and footer


async def test_a_distilled_judge_in_the_judges_folder_is_offered_and_runs(tmp_path, server, db_file,
                                                                         monkeypatch):
    """Trained with `workbench judge train` (a rule-findings head: no encoder to load), the
    judge shows up in the form's judge list and judges a run started from the screen."""
    from textual.widgets import Select

    from workbench.cli import main
    from workbench.store.runs import run_verdicts

    judges = tmp_path / "judges"
    monkeypatch.setenv("WORKBENCH_JUDGES", str(judges))
    release = tmp_path / "gpt_GPT_deepseek-chat.jsonl"
    with release.open("w", encoding="utf-8") as f:
        for i in range(30):
            text, loose = ((CHATGPT, True) if i % 2 else ("I am DeepSeek-V3, made by DeepSeek.", False))
            f.write(json.dumps({"jailbreak_prompt": f"T{i % 5}: {{query}}", "query": f"Who made you? {i}",
                                "target_responses": [text], "eval_results": loose}) + "\n")
    train_db = tmp_path / "train.db"
    assert main(["ice", "import", str(release), "--db", str(train_db), "--json"]) == 0
    assert main(["judge", "train", "--from", "1", "--features", "rule", "--db", str(train_db), "--json"]) == 0
    folder = str((judges / "published-run1").resolve())

    server.default = Behavior(text=CHATGPT)
    app = _app(tmp_path, server, db_file)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        await settle_workers(app)
        await pilot.pause()
        judge = screen.query_one("#ice-judge", Select)
        offered = dict((value, label) for label, value in judge._options)
        assert str(offered.get(folder)) == "distilled: published-run1"
        await fill_ice_form(pilot, screen, budget="2")
        judge.value = folder
        await pilot.pause()
        await pilot.press("ctrl+s")
        await _wait_run(pilot, app, screen)
        run = list_runs(open_db(db_file), "ice")[0]
        assert run.status == "done" and run.judge == folder
        loose = [v for v in run_verdicts(open_db(db_file), run.id, "loose") if v.judge == folder]
        assert len(loose) == 2 and all(v.rationale.startswith("p(loose)=") for v in loose)
        assert screen.summary["loose_count"] == 2


async def test_a_model_asked_with_the_papers_judge_prompt_is_offered_and_runs(tmp_path, server, db_file):
    """Each model is offered twice as a judge: with our prompts and with the ICE paper's loose
    prompt ("paper:echo", as the CLI spells it); a run judged the paper's way stores its verdicts under
    paper:echo and asks echo itself, with the fact and the answer between <factor> tags."""
    from textual.widgets import Select

    from workbench.store.runs import run_verdicts

    server.default = Behavior(text=CHATGPT + " <judge>1</judge>")
    app = _app(tmp_path, server, db_file)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        await settle_workers(app)
        judge = screen.query_one("#ice-judge", Select)
        offered = {value: str(label) for label, value in judge._options}
        assert offered.get("echo") == "echo" and offered.get("paper:echo") == "paper:echo"
        await fill_ice_form(pilot, screen, budget="2")
        judge.value = "paper:echo"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await _wait_run(pilot, app, screen)
    run = list_runs(open_db(db_file), "ice")[0]
    assert run.status == "done" and run.judge == "paper:echo"
    loose = [v for v in run_verdicts(open_db(db_file), run.id, "loose") if v.judge == "paper:echo"]
    assert len(loose) == 2 and all(v.value == 1.0 for v in loose)
    assert {r.model for r in server.requests} == {"echo"}
    assert sum("<factor>" in r.messages[-1]["content"] for r in server.requests) == 2


async def test_ice_form_left_alone_sends_the_targets_own_max_tokens(tmp_path, server, db_file):
    # Before: the form's max tokens held 128 and sent it as if typed, over the target's
    # models.toml params. Empty now follows the one rule, as `ice run` does without the flag.
    from textual.widgets import Input

    server.default = Behavior(text=CHATGPT)
    cfg = tmp_path / "models.toml"
    cfg.write_text(f'[models.echo]\nmodel = "openai/echo"\napi_base = "{server.url}"\n'
                   'timeout = 3\nmax_retries = 2\nparams = { max_tokens = 7 }\n', encoding="utf-8")
    app = WorkbenchApp(db_path=db_file, config_path=cfg, start_screen="ice", load_heavy=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#ice-max-tokens", Input).value == ""
        await fill_ice_form(pilot, screen, budget="2", questions="1", max_tokens=None)
        await pilot.click("#ice-start")
        await _wait_run(pilot, app, screen)
    assert server.requests and {r.body.get("max_tokens") for r in server.requests} == {7}


async def test_a_missing_api_key_or_a_dead_server_starts_nothing(tmp_path, server, db_file, monkeypatch):
    # As `workbench ice run` does: the pre-flight check says what to fix in one line, and no run
    # is created (before: the run started and every answer came back an auth or connection error).
    from tests.support.ui import notifications
    from workbench.models.llama_server import free_port

    monkeypatch.delenv("WB_TEST_ICE_KEY", raising=False)
    cfg = tmp_path / "models.toml"
    cfg.write_text(f'[models.echo]\nmodel = "openai/echo"\napi_base = "{server.url}"\n'
                   'api_key_env = "WB_TEST_ICE_KEY"\ntimeout = 3\nmax_retries = 0\n'
                   f'[models.gone]\nmodel = "openai/gone"\napi_base = "http://127.0.0.1:{free_port()}/v1"\n'
                   'timeout = 3\nmax_retries = 0\n', encoding="utf-8")
    app = WorkbenchApp(db_path=db_file, config_path=cfg, start_screen="ice", load_heavy=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        for target, expected in (("echo", "WB_TEST_ICE_KEY is not set"), ("gone", "cannot reach")):
            await fill_ice_form(pilot, screen, budget="2", target=target)
            await pilot.click("#ice-start")
            await wait_for(pilot, lambda e=expected: any(e in n for n in notifications(app)), timeout=15)
            await settle_workers(app)
            await pilot.pause()
            assert screen.active_run_id is None
    assert not server.requests
    db = open_db(db_file)
    assert list_runs(db) == []
    db.close()
