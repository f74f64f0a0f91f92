"""Issue 28's Compare items: names at 80 columns, following the stream, live token totals,
ttft that stays put, the model's own params shown, "loading model…" while a model loads."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import LOCAL_MODEL, server_config
from tests.support.ui import Notes, wait_for
from tests.ui.test_compare import LONG_ANSWER, open_compare, send_and_wait_started, type_prompt
from workbench.devtools.openai_server import Behavior
from workbench.ui.app import WorkbenchApp


def _app(db_file, url, **spec_changes):
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    config = server_config(url)
    for name, changes in spec_changes.items():
        config.models[name] = dataclasses.replace(config.models[name], **changes)
    app.config = config
    return app, Notes(app)


def _visible_line(widget) -> str:
    return "".join(seg.text for seg in widget.render_line(0)).strip()


async def test_three_columns_at_80_show_their_model_names(server, db_file):
    app, _ = _app(db_file, server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(app, pilot)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: len(screen.columns) == 3, 5, "a third column")
        for column, model in zip(screen.columns, ("echo", "echo-b", LOCAL_MODEL)):
            column.set_model(model)
        await pilot.pause()
        lines = [_visible_line(c.query_one(".col-title")) for c in screen.columns]
        assert lines[0].startswith("1 · echo") and lines[1].startswith("2 · echo-b"), lines
        # A name too long for the column is cut with an ellipsis, on its one line.
        assert lines[2].startswith("3 · local/smollm2") and lines[2].endswith("…"), lines


async def test_the_column_follows_the_stream_and_the_totals_keep_up(server, db_file):
    fast = Behavior(text="short answer " * 5)
    slow = Behavior(text=LONG_ANSWER, chunk_delay_s=0.02)
    server.plan.extend([fast, slow])
    app, notes = _app(db_file, server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(app, pilot)
        for column, model in zip(screen.columns, ("echo", "echo-b")):
            column.set_model(model)
        await type_prompt(pilot, "Count")
        await send_and_wait_started(pilot, screen, notes)
        # One column done, the other still streaming: its tokens are in the session's total.
        await wait_for(pilot, lambda: sum(c.response is not None for c in screen.columns) == 1, 20,
                       "the first answer")
        streaming = next(c for c in screen.columns if c.response is None)
        await wait_for(pilot, lambda: screen.usage is not None and screen.usage.tokens > 0, 5, "live totals")
        assert "tokens" in str(screen.query_one("#session-line").render())
        # Mid-stream, the newest text is on screen.
        body = streaming.markdown
        await wait_for(pilot, lambda: len(body.text.split()) > 150, 20, "a long stream")
        await pilot.pause(0.3)
        lines = len(body._done_lines) + len(body._tail_lines)
        view = body.scrollable_content_region.height
        # The newest line is the bottom line of the column, no empty half page below it.
        assert body.scroll_y + view == lines, (body.scroll_y, view, lines)
        await wait_for(pilot, lambda: not screen.running, 30, "the end of the stream")
        await pilot.pause(0.3)
        assert body.scroll_y == body.max_scroll_y > 0
        assert "word399" in "".join(seg.text for y in range(body.scrollable_content_region.height)
                                    for seg in body.render_line(y))


async def test_ttft_shown_while_streaming_is_the_one_stored(server, db_file):
    server.default = Behavior(text=LONG_ANSWER[:400], latency_s=0.4, chunk_delay_s=0.05)
    app, notes = _app(db_file, server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_compare(app, pilot)
        for column, model in zip(screen.columns, ("echo", "echo-b")):
            column.set_model(model)
        await type_prompt(pilot, "Count")
        await send_and_wait_started(pilot, screen, notes)
        column = screen.columns[0]
        await wait_for(pilot, lambda: "ttft" in str(column.query_one(".col-stats").render()), 20, "live ttft")
        live = str(column.query_one(".col-stats").render()).split("ttft ")[1].split("s")[0]
        await wait_for(pilot, lambda: not screen.running, 30, "answers")
        final = column.response.ttft_s
        assert abs(float(live) - final) < 0.1, (live, final)


async def test_the_model_s_own_params_show_in_empty_fields(server, db_file):
    app, _ = _app(db_file, server.url, echo={"params": {"temperature": 1.0, "max_tokens": 300}})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(app, pilot)
        first, second = screen.columns
        first.set_model("echo")
        second.set_model("echo-b")
        await pilot.pause()
        assert first.query_one(".col-temperature").placeholder == "1"
        assert first.query_one(".col-max-tokens").placeholder == "300"
        assert second.query_one(".col-temperature").placeholder == "default"


@pytest.mark.slow
async def test_loading_a_local_model_says_so(db_file, monkeypatch):
    import workbench.ui.compare_stream as compare

    # The real load, made to wait for the test's word so the status is seen for certain.
    import threading

    release = threading.Event()
    real = compare._load_local_model

    def held_load(name: str) -> None:
        release.wait(30)
        real(name)

    monkeypatch.setattr(compare, "_load_local_model", held_load)
    monkeypatch.setattr(compare, "local_model_to_load", lambda config, model: model)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(app, pilot)
        notes = Notes(app)
        for column in screen.columns:
            column.set_model(LOCAL_MODEL)
        await type_prompt(pilot, "What is the capital of France?")
        await send_and_wait_started(pilot, screen, notes)
        stats = screen.columns[0].query_one(".col-stats")
        await wait_for(pilot, lambda: "loading model…" in str(stats.render()), 30,
                       "the loading status")
        release.set()
        await wait_for(pilot, lambda: not screen.running, 240, "the local answers")
        column = screen.columns[0]
        # What the 135M model says is not this test's subject (llama.cpp's batched greedy
        # decode of three equal requests is not bit-identical): that a real answer came is.
        # The column whose load status and ttft this test follows; one of the other two once came
        # back "error" in a full local run (not yet explained; see the stop 22 note).
        assert column.response.status == "ok", [c.response.error for c in screen.columns]
        assert column.text.strip() and column.response.completion_tokens
        # The ttft the column showed live (what its ticker prints) is the stored one: the
        # load is in neither.
        live = column._first_token_at - column._started
        assert column.response.load_s is None  # loaded before the request, not inside it
        assert abs(live - column.response.ttft_s) < 0.25, (live, column.response.ttft_s)
