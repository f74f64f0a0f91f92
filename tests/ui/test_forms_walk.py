"""Issue 28's form items: letters in number fields refused visibly, every error at once,
counts capped at what exists, checkbox states shown by a mark, nothing cut at 80x24."""

from __future__ import annotations

from tests.ui.settle import settle_workers
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
        assert screen.query_one("#ice-templates", Input).placeholder == "all 22"
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


async def test_rse_form_at_80x24_marks_ticks_and_lists_every_error(tmp_path, server, db_file):
    from textual.widgets import Input

    from tests.ui.test_rse_screen import _config

    app = WorkbenchApp(db_path=db_file, config_path=_config(tmp_path, server.url), start_screen="rse",
                       load_heavy=False)
    notes = Notes(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        # Labels whole: each is one line inside the form's width.
        setup = screen.query_one("#rse-setup")
        for label in setup.query("Label"):
            text = str(label.render())
            assert label.region.width >= len(text), text
        # A tick shows as a mark, not only a colour.
        swap = screen.query_one("#rse-swap")
        assert "▐ ▌" in swap.render().plain
        swap.value = True
        await pilot.pause()
        assert "▐✓▌" in swap.render().plain
        sets = screen.query_one("#rse-sets")
        lines = ["".join(seg.text for seg in sets.render_line(y)) for y in range(sets.option_count)]
        assert lines[0].startswith("▐✓▌ arena") and lines[1].startswith("▐ ▌ chat"), lines
        # Letters stay visible and are refused, with every other problem, in one message.
        limit = screen.query_one("#rse-limit", Input)
        limit.focus()
        await pilot.press(*"1o")
        screen.query_one("#rse-temperature", Input).value = "warm"
        await pilot.pause()
        assert limit.value == "1o" and limit.has_class("-invalid")
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        said = notes.errors()[-1]
        assert "tick at least one target model" in said and "limit per set must be a whole number, not '1o'" in said
        assert "temperature must be a number, not 'warm'" in said
        assert screen.active_run_id is None


async def test_review_at_80x24_gives_the_prompt_room_and_keeps_verdicts_on_one_line(db_file, tmp_path):
    from rich.text import Text

    from tests.review.fixtures import make_ice_run

    db = open_db(db_file)
    run_id, _ = make_ice_run(db)
    db.close()
    app = WorkbenchApp(db_path=db_file, load_heavy=False, start_screen="review")
    app.review_run_id = run_id
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_workers(app)
        await pilot.pause(0.3)
        screen = app.screen
        assert screen.query_one("#review-bar").region.height == 2  # the keys are on "?"
        screen.query_one("#review-prompt").update(Text("\n".join(f"prompt line {i}" for i in range(30))))
        await pilot.pause(0.3)
        assert screen.query_one("#review-prompt-box").region.height >= 9  # 7 lines of prompt
        verdicts = screen.query_one("#review-verdicts")
        lines = [verdicts.render_line(y).text for y in range(verdicts.region.height)]
        judged = [line for line in lines if "published" in line and ("negative" in line or "POSITIVE" in line)]
        assert judged and "strict" in judged[0], lines  # the strict verdict on the same line
