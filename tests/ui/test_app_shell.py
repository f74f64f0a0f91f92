"""The app shell: starts, opens the palette, reaches screens, quits."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.support.ui import wait_for
from workbench.ui.app import WorkbenchApp


async def test_starts_on_home_and_opens_palette(db_file):
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert app.startup_s is not None
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"history")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen.__class__.__name__ in ("HistoryScreen", "HomeScreen")
        await pilot.press("ctrl+q")


async def test_broken_config_still_opens_with_a_message(tmp_path, db_file):
    bad = tmp_path / "models.toml"
    bad.write_text("not = [valid")
    app = WorkbenchApp(db_path=db_file, config_path=bad, load_heavy=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.config_error and "not valid TOML" in app.config_error
        assert "local/smollm2-135m-instruct" in app.config.models


async def test_home_names_the_keys_of_the_user_keymap(tmp_path, db_file):
    config = tmp_path / "models.toml"
    config.write_text('[workbench.keymap]\n"app.open.compare" = "f12"\n"app.palette" = "ctrl+k"\n')
    app = WorkbenchApp(db_path=db_file, config_path=config, load_heavy=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        keys = str(app.screen.query_one("#home-keys").render())
        assert "f12 Compare" in keys and "ctrl+k palette" in keys and "f2 " not in keys
        assert "Press f12 to compare" in str(app.screen.query_one("#home-empty").render())
        await pilot.press("f12")
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "CompareScreen"


async def test_background_loading_reports_in_status(db_file):
    app = WorkbenchApp(db_path=db_file, load_heavy=True)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "loading" in app.status_text() or "ready" in app.status_text()
        # The loads start only once the first frame is on screen.
        await wait_for(pilot, lambda: "similarity" in app.loaded, timeout=120,
                       what="the background loads")
        assert {"litellm", "torch", "transformers", "similarity"} <= set(app.loaded)


def test_run_messages_name_the_screen_key_instead_of_the_cli_command():
    from workbench.ui.hints import with_resume_key

    stored = "cancelled; resume with `workbench ice run --resume 12`"
    assert with_resume_key(stored, "ctrl+e") == "cancelled; press ctrl+e to resume"
    assert with_resume_key("interrupted; resume with `workbench rse run --resume 3`", "u") == \
        "interrupted; press u to resume"
    assert with_resume_key("judge failed: bad JSON", "u") == "judge failed: bad JSON"


def test_resume_key_follows_the_user_keymap():
    from types import SimpleNamespace

    from workbench.ui.hints import bound_key

    app = SimpleNamespace(config=SimpleNamespace(keymap={"rse.resume": " f9 , ctrl+u", "ice.resume": ""}))
    assert bound_key(app, "rse.resume", "u") == "f9"
    assert bound_key(app, "ice.resume", "ctrl+e") == "ctrl+e"  # empty: the default
    assert bound_key(object(), "rse.resume", "u") == "u"


def test_flag_names_become_the_form_s_words():
    from workbench.ui.hints import in_form_words

    assert in_form_words("--per-round must be at least 1") == "per round must be at least 1"
    assert in_form_words("choose another --judge, or pass --allow-self-judge to do it anyway",
                         {"allow-self-judge": "allow the reference to judge", "judge": "judge"}) == \
        "choose another judge, or tick 'allow the reference to judge' to do it anyway"


async def test_a_database_that_cannot_be_created_closes_the_app_with_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = WorkbenchApp(db_path=blocker / "wb.db", load_heavy=False)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.fatal_message is not None, what="the database check")
    assert app.return_code == 2
    assert app.fatal_message.startswith("workbench: error: cannot create the folder for database")
    assert "\n" not in app.fatal_message and "WORKBENCH_DB" in app.fatal_message


async def test_a_file_that_is_not_a_database_closes_every_screen_with_one_line(tmp_path):
    for screen in ("home", "history", "ice", "rse", "review", "jobs"):
        bad = tmp_path / f"{screen}.db"
        bad.write_bytes(b"this is not sqlite" * 100)
        app = WorkbenchApp(db_path=bad, load_heavy=False, start_screen=screen)
        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: app.fatal_message is not None, what=f"{screen}'s database error")
        assert app.return_code == 2, screen
        assert "is not a" in app.fatal_message and "\n" not in app.fatal_message, app.fatal_message


async def test_the_palette_finds_runs_by_id_and_offers_actions(db_file):
    from workbench.store import open_db
    from workbench.store.runs import create_run

    db = open_db(db_file)
    run_id = create_run(db, "ice", target="echo", judge="rule", status="done",
                        config={"target": "echo", "judge": "rule"})
    db.close()
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.press(*f"review run {run_id}")
        await wait_for(pilot, lambda: any(f"Review run {run_id}" in str(o.prompt)
                                          for o in app.screen.query("CommandList").first()._options),
                       what="the run's palette entry")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.is_screen_installed("review")
                       and getattr(app.get_screen("review").review_run, "id", None) == run_id,
                       what="the run opened for review")
        while type(app.screen).__name__ != "ReviewScreen":  # a run picker may sit on top
            await pilot.press("escape")
            await pilot.pause(0.2)

        await pilot.press("ctrl+p")
        await pilot.press(*"new compare session")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CompareScreen", what="compare screen")
