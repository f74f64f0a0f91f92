"""Issue 28: the palette knows each screen, app keys work from text fields, help from bindings,
a config error stays on screen with the bad key's line."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from tests.support.ui import wait_for
from workbench.ui.app import WorkbenchApp


def _palette_labels(app) -> list[str]:
    return [str(o.prompt) for o in app.screen.query("CommandList").first()._options]


async def _palette(pilot, app, query: str) -> list[str]:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await pilot.press(*query)
    await pilot.pause(0.5)
    await wait_for(pilot, lambda: bool(app.screen.query("CommandList")) and bool(_palette_labels(app)),
                   timeout=5, what=f"palette hits for {query!r}")
    return _palette_labels(app)


async def _open(pilot, app, key: str, screen: str) -> None:
    """Press the screen's key; close what the screen opens on top of itself (Review's run picker)."""
    await pilot.press(key)
    await wait_for(pilot, lambda: any(type(s).__name__ == screen for s in app.screen_stack), what=screen)
    await pilot.pause(0.3)
    while app.screen.is_modal:
        await pilot.press("escape")
        await pilot.pause(0.2)
    assert type(app.screen).__name__ == screen


async def test_the_palette_lists_the_actions_of_the_screen_it_was_opened_on(db_file):
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, app, "f2", "CompareScreen")
        labels = await _palette(pilot, app, "diff")
        assert any("Compare: diff columns" in label for label in labels), labels
        await pilot.press("enter")  # runs on Compare: nothing answered yet, so it says so
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CompareScreen", what="back on Compare")
        await pilot.press("escape")
        # Review's y/n are bindings without a hand-written palette line: still in the palette.
        await _open(pilot, app, "f6", "ReviewScreen")
        labels = await _palette(pilot, app, "review yes")
        assert any("Review: yes" in label for label in labels), labels
        await pilot.press("escape")
        # Compare's columns are reachable without alt+N (which many terminals cannot send).
        await _open(pilot, app, "f2", "CompareScreen")
        labels = await _palette(pilot, app, "column 2")
        assert any("Compare: column 2" in label for label in labels), labels
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CompareScreen", what="back on Compare")
        assert app.screen.selected == 1


async def test_app_keys_work_while_the_prompt_has_the_focus(db_file):
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, app, "f2", "CompareScreen")
        assert type(app.focused).__name__ == "PromptEditor"  # the default focus
        for key, screen in (("f6", "ReviewScreen"), ("f7", "JobsScreen"), ("f2", "CompareScreen"),
                            ("f5", "RSEScreen"), ("f1", "HomeScreen")):
            if type(app.screen).__name__ == "CompareScreen":
                app.screen.query_one("#prompt").focus()
                await pilot.pause()
            await pilot.press(key)
            await wait_for(pilot, lambda: any(type(s).__name__ == screen for s in app.screen_stack), timeout=5,
                           what=f"{key} from the prompt")
            await pilot.pause(0.3)
            while app.screen.is_modal:  # Review opens its run picker on top
                await pilot.press("escape")
                await pilot.pause(0.2)
        await _open(pilot, app, "f2", "CompareScreen")
        app.screen.query_one("#prompt").focus()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), timeout=5,
                       what="the palette from the prompt")
        await pilot.press("escape")
        await pilot.pause()
        # "?" in a text field is a character, not help.
        app.screen.query_one("#prompt").focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query_one("#prompt").text == "?"
        assert type(app.screen).__name__ == "CompareScreen"


async def test_help_lists_the_screen_s_keys_from_its_bindings(db_file):
    from workbench.ui.keys import ACTION_KEYS
    from workbench.ui.screens.help import HelpScreen

    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=5, what="help on Home")
        text = app.screen.text()
        assert "This screen (Home)" in text and "Refresh" in text and "Everywhere" in text
        assert "f2  Compare" in text  # the app keys
        await pilot.press("escape")
        await _open(pilot, app, "f2", "CompareScreen")
        # From the palette, with the prompt focused: the help of Compare, not of the palette.
        await _palette(pilot, app, "help")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=5, what="help from the palette")
        text = app.screen.text()
        assert "This screen (Compare)" in text
        # Each line comes from a live binding: a key's description sits beside its key.
        print(text)
        assert any(line.strip().startswith("^d") and "Diff" in line for line in text.splitlines()), text
        assert ACTION_KEYS["diff"] == "ctrl+d"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "CompareScreen"


async def test_home_hints_are_links(db_file):
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        hints = app.screen.query_one("#home-keys")
        # The first hint is "f2 Compare": click its first cell.
        await pilot.click(hints, offset=(2, 0))
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CompareScreen", timeout=5,
                       what="Compare from a click on its hint")


async def test_a_config_error_stays_on_screen_until_the_file_is_fixed(tmp_path, db_file):
    from workbench.ui.widgets.config_banner import ConfigBanner

    config = tmp_path / "models.toml"
    config.write_text('[models.fast]\nmodel = "openai/gpt-4o-mini"\ndescription = "quick"\n'
                      'tempreature = 0.5\n')
    app = WorkbenchApp(db_path=db_file, config_path=config, load_heavy=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        banner = app.screen.query_one(ConfigBanner)
        text = str(banner.render())
        assert banner.display and f"{config}:4 [models.fast]" in text and "tempreature" in text, text
        assert "errors" in app.status_text() and "models ready" not in app.status_text()
        await _open(pilot, app, "f4", "ICEScreen")
        await pilot.pause(3)  # longer than any toast's fade would be... it is still there
        assert app.screen.query_one(ConfigBanner).display
        config.write_text('[models.fast]\nmodel = "openai/gpt-4o-mini"\ndescription = "quick and fixed"\n'
                          'params = { temperature = 0.5 }\n')
        await wait_for(pilot, lambda: app.config_error is None, timeout=10, what="the fixed file read again")
        await pilot.pause()
        assert not app.screen.query_one(ConfigBanner).display
        assert "fast" in app.config.models


def test_config_errors_point_at_the_bad_key_line(tmp_path):
    from workbench.config import ConfigError, load_config

    path = tmp_path / "models.toml"
    path.write_text('[workbench]\nauthor = "me"\n\n[models.a]\nmodel = "openai/x"\nmax_concurrency = "lots"\n\n'
                    '[models.b]\ndescription = "no model here"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    problems = info.value.problems
    assert any(p.startswith(f"{path}:6 [models.a]") and "max_concurrency" in p for p in problems), problems
    # No key to point at (model is missing): the table's header.
    assert any(p.startswith(f"{path}:8 [models.b]") for p in problems), problems


async def test_the_palette_offers_no_resume_for_imported_or_finished_runs(db_file):
    from workbench.store import open_db
    from workbench.store.runs import create_run

    db = open_db(db_file)
    imported = create_run(db, "ice", target="claude", judge="rule", status="imported",
                          config={"target": "claude", "judge": "rule", "source": "import"})
    stopped = create_run(db, "ice", target="echo", judge="rule", status="cancelled",
                         config={"target": "echo", "judge": "rule"})
    db.close()
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        labels = await _palette(pilot, app, f"run {imported}")
        assert any(f"Open ICE run {imported}" in label for label in labels), labels
        assert not any(f"Resume ICE run {imported}" in label for label in labels), labels
        await pilot.press("escape")
        await pilot.pause()
        labels = await _palette(pilot, app, f"run {stopped}")
        assert any(f"Resume ICE run {stopped}" in label for label in labels), labels


async def test_the_status_line_says_while_a_local_model_loads(db_file):
    import threading

    from workbench.models.local import LocalModelHost
    from workbench.ui.widgets.status_bar import StatusBar

    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        # What LocalModelHost.get holds while it loads a model.
        lock = LocalModelHost._loading.setdefault("walk-test-model", threading.Lock())
        with lock:
            await wait_for(pilot, lambda: "loading model local/walk-test-model" in
                           str(app.screen.query_one(StatusBar).render()), 5, "the loading status")
        await wait_for(pilot, lambda: "walk-test-model" not in str(app.screen.query_one(StatusBar).render()),
                       5, "the status after the load")
        LocalModelHost._loading.pop("walk-test-model", None)


async def test_every_screen_has_a_provider_that_reaches_each_of_its_bound_actions(db_file):
    from workbench.ui.commands import SCREEN_PROVIDERS
    from workbench.ui.registry import SCREENS

    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for entry in SCREENS:
            app.action_open_screen(entry.name)
            await pilot.pause(0.3)
            screen = app.get_screen(entry.name)
            mine = [p for p in SCREEN_PROVIDERS if p.SCREEN == type(screen).__name__]
            assert len(mine) == 1, f"{entry.name}: one provider, registered in SCREEN_PROVIDERS"
            reached = {c.callback.args[0] for c in mine[0](screen).commands()}
            bound = {b.action for _, b in screen._bindings if b.description and not b.action.startswith("app.")}
            assert bound <= reached, f"{entry.name}: not in the palette: {bound - reached}"
            while app.screen.is_modal:
                await pilot.press("escape")
                await pilot.pause(0.2)
