"""Issue 28's form items: letters in number fields refused visibly, every error at once,
counts capped at what exists, checkbox states shown by a mark, nothing cut at 80x24."""

from __future__ import annotations

from tests.conftest import write_models_toml
from tests.support.ui import Notes, wait_for
from workbench.store import open_db
from workbench.store.runs import list_runs
from workbench.ui.app import WorkbenchApp


async def test_ice_form_refuses_letters_and_too_many_templates_visibly_all_at_once(tmp_path, server, db_file):
    from textual.widgets import Input

    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    app = WorkbenchApp(db_path=db_file, config_path=cfg, start_screen="ice", load_heavy=False)
    notes = Notes(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        form = screen.query_one("#ice-form")
        await wait_for(pilot, lambda: form.limits.get("templates") == 22, 20, "the template count")
        assert "templates ≤22" in str(screen.query_one("#ice-templates-label").render())
        budget = screen.query_one("#ice-budget", Input)
        budget.focus()
        await pilot.press("end", "x")
        await pilot.pause()
        assert budget.value == "40x"  # the letter is there to see, not silently dropped
        assert budget.has_class("-invalid")
        screen.query_one("#ice-templates", Input).focus()
        await pilot.press(*"32")
        await pilot.pause()
        errors = screen.query_one("#ice-form-errors")
        text = str(errors.render())
        assert errors.display and "budget must be a whole number, not '40x'" in text
        assert "templates: only 22 exist" in text
        assert errors.region.bottom <= 24 and errors.region.width > 0  # on screen at 80x24
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert screen.active_run_id is None and not list_runs(open_db(db_file), "ice")
        said = notes.errors()[-1]
        assert "budget" in said and "templates" in said  # both at once, not one per try
        # Fixed, the marks go.
        budget.value = "40"
        screen.query_one("#ice-templates", Input).value = "22"
        await pilot.pause()
        assert not budget.has_class("-invalid") and not errors.display
