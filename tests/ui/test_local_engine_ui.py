"""The local engine in the TUI: a local model llama.cpp cannot run is one line naming the file
and what to do, in its Compare column (the other column answers); the model picker shows each
local model's engine."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import server_config
from tests.support.ui import Notes, send_and_wait_started, wait_for
from workbench.config import ModelSpec
from workbench.devtools.openai_server import Behavior
from workbench.models.local import builtin_gguf_path
from workbench.ui.app import WorkbenchApp


def huge_gguf(tmp_path: Path) -> Path:
    """The built-in model's real header in a sparse 2 TiB file: bigger than any memory here."""
    with open(builtin_gguf_path(), "rb") as f:
        header = f.read(8 << 20)
    path = tmp_path / "huge.gguf"
    with open(path, "wb") as f:
        f.write(header)
        f.truncate(2 << 40)
    return path


async def test_too_large_local_model_is_one_line_in_its_column(server, db_file, tmp_path):
    from workbench.ui.screens.compare import CompareScreen

    server.default = Behavior(text="Paris.")
    path = huge_gguf(tmp_path)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    app.config = server_config(server.url)
    app.config.models["local/huge"] = ModelSpec(name="local/huge", model="local/huge", path=str(path),
                                                max_retries=0)
    notes = Notes(app)
    async with app.run_test(size=(160, 48)) as pilot:
        app.install_screen(CompareScreen(), name="compare")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), 5, "compare screen")
        screen = app.screen
        huge, echo = screen.columns[:2]
        huge.set_model("local/huge")
        echo.set_model("echo")
        await pilot.click("#prompt")
        await pilot.press(*"What is the capital of France?")
        # Both columns can be over before a poll sees `running`: the stored exchange says it started.
        await send_and_wait_started(pilot, screen, notes)
        await wait_for(pilot, lambda: not screen.running, 60, "both columns")
        assert echo.response.status == "ok"
        assert huge.response.status == "error"
        shown = str(huge.query_one(".col-error").render())
        assert str(path) in shown and "smaller quantisation" in shown and "\n" not in huge.response.error
        assert huge.query_one(".col-error").has_class("-shown")
        assert "Traceback" not in " ".join(m for _, m in notes.items)


async def test_the_model_picker_shows_each_local_models_engine(server, db_file):
    from textual.widgets import OptionList

    from workbench.ui.screens.compare import CompareScreen
    from workbench.ui.screens.model_picker import ModelPickerScreen

    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    app.config = server_config(server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        app.install_screen(CompareScreen(), name="compare")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), 5, "compare screen")
        await pilot.click(f"#{app.screen.columns[0].id} .col-body")
        await pilot.press("ctrl+k")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPickerScreen), 5, "the picker")
        picker = app.screen
        await wait_for(pilot, lambda: bool(picker.engines), 30, "engine descriptions")
        options = picker.query_one(OptionList)
        labels = {options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
                  for i in range(options.option_count)}
        assert "llama.cpp Q4_1" in labels["local/smollm2-135m-instruct"]
        assert "threads" in labels["local/smollm2-135m-instruct"]
        assert "llama.cpp" not in labels["echo"]  # a server model: no local engine
