"""Issue 27's leftovers from the newcomer walk, each seen at 80x24 as a user sees it:
Compare's parameter fields at three columns, Help on Compare, the status line's database
path, and the diff picker's labels."""

from __future__ import annotations

from pathlib import Path

from tests.support.ui import wait_for
from tests.ui.settle import settle_workers
from tests.ui.test_palette_keys_help import _palette
from workbench.ui.app import WorkbenchApp


def _app(db_file: Path, tmp_path: Path) -> WorkbenchApp:
    config = tmp_path / "models.toml"
    config.write_text("")  # the built-in models only
    return WorkbenchApp(db_path=db_file, config_path=config, load_heavy=False)


def _visible_line(widget) -> str:
    return "".join(seg.text for seg in widget.render_line(0))


async def _open_compare(app: WorkbenchApp, pilot):
    app.action_open_screen("compare")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "CompareScreen", 5, "compare screen")
    await pilot.pause()
    return app.screen


async def test_three_columns_at_80_show_no_cut_word_in_their_parameter_fields(db_file, tmp_path):
    from workbench.ui.widgets.param_input import ParamInput

    app = _app(db_file, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_compare(app, pilot)
        fields = list(screen.query(ParamInput))
        # Two columns: each field is wide enough for the whole word.
        assert [f.placeholder for f in fields] == ["default"] * 4
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: len(screen.columns) == 3, 5, "a third column")
        await pilot.pause()
        fields = list(screen.query(ParamInput))
        assert len(fields) == 6
        for field in fields:
            shown = _visible_line(field).strip()
            # The whole placeholder, or an ellipsis: never "defaul", which read as a model's name.
            assert shown in ("default", "…"), (shown, field.content_size.width)
            assert field.hint == "default"
        assert any(_visible_line(f).strip() == "…" for f in fields)  # a field too narrow for the word
        await pilot.press("ctrl+w")
        await wait_for(pilot, lambda: len(screen.columns) == 2, 5, "two columns again")
        await pilot.pause()
        assert [f.placeholder for f in screen.query(ParamInput)] == ["default"] * 4


async def test_help_on_compare_lists_the_screen_s_keys_not_the_text_area_s(db_file, tmp_path):
    from workbench.ui.screens.help import HelpScreen

    app = _app(db_file, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_compare(app, pilot)
        assert app.focused is screen.query_one("#prompt")
        await _palette(pilot, app, "help")  # "?" in the prompt is a character: Help from the palette
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "help")
        text = app.screen.text()
        groups = dict(app.screen.groups)
        assert "Send" in text and "Add column" in text
        editor = groups["In the focused PromptEditor"]
        # The prompt box's own meaning of up and down, and one line for TextArea's editing keys.
        assert [keys for keys, _ in editor] == ["↑", "↓", "…"], editor
        assert "earlier prompt" in editor[0][1]
        assert "editing keys of Textual's TextArea" in editor[2][1]
        assert "Cursor word left" not in text and "Delete line" not in text
        assert len(text.splitlines()) < 40  # was ~65: thirty TextArea keys after the screen's


async def test_the_status_line_cuts_a_long_database_path_from_the_left(tmp_path):
    from workbench.ui.widgets.status_bar import StatusBar

    db_file = tmp_path / ("a-folder-with-a-long-name-" * 3) / "nested" / "my-project.db"
    db_file.parent.mkdir(parents=True)
    app = _app(db_file, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.startup_s is not None, 5, "the first frame")
        await pilot.pause()
        bar = app.screen.query_one(StatusBar)
        status = app.status_text()
        assert status.endswith(f"db {db_file}") and len(status) > 80
        line = _visible_line(bar).rstrip()
        # The file's name stays in view; the path gives way at its start, with an ellipsis.
        assert line.endswith("/my-project.db"), line
        assert "db …" in line and line.lstrip().startswith("started in"), line
        await pilot.resize_terminal(len(status) + 10, 24)
        await pilot.pause()
        assert _visible_line(bar).rstrip().endswith(f"db {db_file}")


async def test_the_diff_picker_keeps_long_labels_on_one_line_at_80(db_file, tmp_path):
    from textual.widgets import Select

    from workbench.ui.screens.diff_view import DiffScreen

    app = _app(db_file, tmp_path)
    labels = ["1 · local/smollm2-135m-instruct-with-a-long-name", "2 · openai/a-model-with-an-even-longer-name"]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(DiffScreen([(labels[0], "Paris is the capital."), (labels[1], "The capital is Paris.")]))
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen), 5, "the diff screen")
        await pilot.pause()
        for select_id, label in zip(("#diff-left", "#diff-right"), labels):
            select = app.screen.query_one(select_id, Select)
            shown = select.query_one("SelectCurrent #label")
            assert shown.size.height == 1, (select_id, shown.size)
            line = _visible_line(shown).rstrip()
            assert line.endswith("…") and label.startswith(line[:-1].strip()), line
        # The panes start right under the pickers and the summary, as at any width.
        assert app.screen.query_one("#diff-panes").region.y == app.screen.query_one("#diff-summary").region.y + 1


def test_a_path_too_long_even_for_its_file_name_cuts_the_message_before_it():
    from rich.cells import cell_len

    from workbench.ui.widgets.status_bar import fit_tail

    path = "/home/someone/a-rather-long-folder-name-for-the-database-file/walk.db"
    head = "started in 0.73s  ·  loading torch, transformers in the background…  ·  db "
    line = fit_tail(head + path, path, 78)
    assert cell_len(line) == 78 and line.endswith("  ·  db …/walk.db"), line
    assert line.startswith("started in 0.73s  ·  loading torch") and "…  ·  db" in line
    # Room for more of the path: only the path gives way, from its left.
    line = fit_tail("models ready  ·  db " + path, path, 60)
    assert cell_len(line) == 60 and line.startswith("models ready  ·  db …") and line.endswith("/walk.db")
    assert fit_tail("db " + path, path, 200) == "db " + path


async def test_a_model_added_to_models_toml_is_offered_on_open_ice_and_rse_screens(db_file, tmp_path):
    from textual.widgets import Select, SelectionList

    app = _app(db_file, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        for name in ("rse", "ice"):  # both installed; ICE is the one on top
            app.action_open_screen(name)
            await wait_for(pilot, lambda n=name: bool(app.screen.query(f"#{n}-form, #{n}-setup")), 5, name)
        ice_target = app.screen.query_one("#ice-target", Select)
        ice_target.value = next(iter(app.config.models))
        chosen = ice_target.value
        app.config_path.write_text('[models.mine]\nmodel = "openai/gpt-4o-mini"\n')
        app._check_config_file()  # the app's own file watch, called now instead of on its timer
        await pilot.pause()

        def offered(select: Select) -> set:
            return {value for _, value in select._options}

        assert "mine" in offered(ice_target)
        assert "mine" in offered(app.screen.query_one("#ice-helper", Select))
        assert ice_target.value == chosen  # a choice still offered is kept
        rse = app.get_screen("rse")
        assert "mine" in offered(rse.query_one("#rse-reference", Select))
        assert "mine" in {o.value for o in rse.query_one("#rse-targets", SelectionList).options}


async def test_the_ice_judge_list_names_a_built_in_judge_apart_from_the_users_folders(db_file, tmp_path, monkeypatch):
    from textual.widgets import Select

    # A judge folder where the screen itself looks, so however often the screen reloads its
    # list (on mount and on resume), the answer is the same and the test does not race it.
    mine = tmp_path / "judges" / "mine"
    mine.mkdir(parents=True)
    (mine / "judge.json").write_text("{}")
    monkeypatch.setenv("WORKBENCH_JUDGES", str(tmp_path / "judges"))

    app = _app(db_file, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_open_screen("ice")
        await wait_for(pilot, lambda: bool(app.screen.query("#ice-form")), 5, "ice form")

        def labels() -> list[str]:
            return [str(label) for label, _ in app.screen.query_one("#ice-judge", Select)._options]

        await wait_for(pilot, lambda: "distilled: mine" in labels(), 10, "the user's judge offered")
        await settle_workers(app)
        assert labels()[:3] == ["rule (no model)", "learned (built in)", "distilled: mine"]
