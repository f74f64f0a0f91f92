"""The Compare screen driven as a user would: keys, clicks, real models, real storage."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.conftest import LOCAL_MODEL, server_config
from tests.support.ui import Notes, send_and_wait_started, wait_for
from workbench.devtools.openai_server import Behavior
from workbench.ui.app import WorkbenchApp

ANSWER = "Paris is the capital of France and its largest city, home to the zebra crossing museum."
LONG_ANSWER = " ".join(f"word{i}" for i in range(400))


def make_app(db_file: Path, url: str) -> tuple[WorkbenchApp, Notes]:
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    app.config = server_config(url)
    return app, Notes(app)


async def open_compare(app: WorkbenchApp, pilot, *, embeddings: bool = False):
    from workbench.ui.screens.compare import CompareScreen

    app.install_screen(CompareScreen(embeddings=embeddings), name="compare")
    await pilot.press("f2")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "CompareScreen", 5, "compare screen")
    await pilot.pause()
    return app.screen


async def pick_model(pilot, screen, column: int, query: str) -> None:
    """Select a column with its number key (from a column), open the picker with ctrl+k, type, enter."""
    await pilot.click(f"#{screen.columns[0].id} .col-body")
    await pilot.press(str(column))
    assert screen.selected == column - 1
    await pilot.press("ctrl+k")
    await pilot.pause()
    await pilot.press(*query)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def type_prompt(pilot, text: str) -> None:
    await pilot.click("#prompt")
    await pilot.press(*text)


# ---------------------------------------------------------------------------------------


@pytest.mark.slow
async def test_local_model_and_server_model_side_by_side(server, db_file):
    server.default = Behavior(text=ANSWER, chunk_delay_s=0.01)
    app, notes = make_app(db_file, server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(app, pilot, embeddings=True)
        first, second = screen.columns
        assert first.model == LOCAL_MODEL  # the built-in model comes first
        await pick_model(pilot, screen, 2, "echo")
        assert second.model == "echo"
        # Short and greedy: the local model answers in a few seconds on a CPU.
        await pilot.click(f"#{first.id} .col-temperature")
        await pilot.press("0")
        await pilot.click(f"#{first.id} .col-max-tokens")
        await pilot.press("1", "6")
        await type_prompt(pilot, "Name the capital of France.")
        await send_and_wait_started(pilot, screen, notes)
        await wait_for(pilot, lambda: not screen.running, 300, "both answers")

        assert first.response.status == "ok", first.response.error
        assert first.text.strip()  # not its words: a near tie cached prefixes tip (see test_local_model)
        assert second.text == ANSWER and second.response.status == "ok"
        stats = str(second.query_one(".col-stats").render())
        assert "ttft" in stats and "tok/s" in stats and "tok" in stats
        assert "tok" in str(first.query_one(".col-stats").render())

        strip = screen.strip
        await wait_for(pilot, lambda: strip.lexical is not None, 30, "lexical similarity")
        await wait_for(pilot, lambda: strip.embedding is not None, 120, "embedding similarity")
        (a, b, lex, emb), = strip.pair_scores()
        assert (a, b) == ("1", "2") and 0.0 <= lex <= 1.0 and 0.0 <= emb <= 1.0
        assert emb > 0.3  # both answers say Paris is the capital of France
        rendered = str(strip.render())
        assert "1↔2" in rendered and "lex" in rendered and "emb" in rendered
        assert not notes.errors()

    from workbench.store import open_db
    from workbench.store.exchanges import list_sessions, session_exchanges

    db = open_db(db_file)
    (session,) = list_sessions(db)
    assert session.kind == "compare" and session.title.startswith("Name the capital")
    (exchange,) = session_exchanges(db, session.id)
    assert exchange.prompt == "Name the capital of France."
    assert sorted(r.model for r in exchange.responses) == sorted([LOCAL_MODEL, "echo"])
    local = next(r for r in exchange.responses if r.model == LOCAL_MODEL)
    assert local.params.get("max_tokens") == 16 and local.params.get("temperature") == 0
    assert all(r.status == "ok" for r in exchange.responses)


async def test_stop_from_the_prompt_box_keeps_partial_answers(server, db_file):
    server.default = Behavior(text=LONG_ANSWER, chunk_delay_s=0.05)
    app, notes = make_app(db_file, server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(app, pilot)
        for column, model in zip(screen.columns, ("echo", "echo-b")):
            column.set_model(model)
        await type_prompt(pilot, "Count slowly")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: all(len(c.text.split()) >= 3 for c in screen.columns), 20, "first words")
        assert screen.query_one("#prompt").has_focus
        await pilot.press("ctrl+x")
        await wait_for(pilot, lambda: not screen.running, 10, "cancel")
        texts = {c.model: c.text for c in screen.columns}
        for column in screen.columns:
            assert column.response.status == "cancelled"
            assert column.text.startswith("word0 word1 word2")
            assert len(column.text) < len(LONG_ANSWER)
            assert "cancelled" in str(column.query_one(".col-stats").render())
        assert "partial answers kept" in notes.last() or any("cancelled column" in m for _, m in notes.items)

    from workbench.store import open_db

    rows = list(open_db(db_file).query("select model, status, text from responses order by id"))
    assert {r["model"] for r in rows} == {"echo", "echo-b"}
    for row in rows:
        assert row["status"] == "cancelled"
        assert row["text"] == texts[row["model"]]


async def test_a_failing_column_shows_its_error_and_the_other_goes_on(server, db_file):
    server.default = Behavior(text=ANSWER)
    app, notes = make_app(db_file, server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(app, pilot)
        good, bad = screen.columns
        good.set_model("echo")
        await pick_model(pilot, screen, 2, "nosuchprovider/model-x")  # accepted as a litellm string
        assert bad.model == "nosuchprovider/model-x"
        await type_prompt(pilot, "Hello")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not screen.running, 30, "answers")
        assert good.response.status == "ok" and good.text == ANSWER
        assert bad.response.status == "error"
        error_box = bad.query_one(".col-error")
        assert error_box.display and "unknown model" in str(error_box.render())
        assert any("1 of 2 columns failed" in m for _, m in notes.items)


async def test_regenerate_copy_new_session_and_diff(server, db_file):
    server.default = Behavior(text=ANSWER)
    app, notes = make_app(db_file, server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(app, pilot)
        for column, model in zip(screen.columns, ("echo", "echo-b")):
            column.set_model(model)
        await pilot.press("ctrl+r")
        assert "send a prompt first" in notes.errors()[-1]
        await type_prompt(pilot, "First question")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not screen.running, 20, "answers")
        first_session, first_exchange = screen.session_id, screen.exchange_id

        server.default = Behavior(text="A different answer entirely.")
        await pilot.press("ctrl+l")  # select column 2
        assert screen.selected == 1
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: not screen.running, 20, "regenerated answer")
        assert screen.columns[1].text == "A different answer entirely."
        assert screen.columns[0].text == ANSWER  # the other column is untouched
        await wait_for(pilot, lambda: screen.strip.lexical is not None, 10, "similarity of 1 and 2")

        # A new, empty column keeps the scores of the answers already in; removing it too.
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: len(screen.columns) == 3 and screen.strip.lexical is not None,
                       10, "similarity after adding a column")
        scores = {(a, b): lex for a, b, lex, _ in screen.strip.pair_scores()}
        assert scores[("1", "2")] is not None and scores[("1", "3")] is None
        await pilot.press("ctrl+w")  # the new column is the selected one
        await wait_for(pilot, lambda: len(screen.columns) == 2 and screen.strip.lexical is not None,
                       10, "similarity after removing the column")
        assert [(a, b) for a, b, *_ in screen.strip.pair_scores()] == [("1", "2")]

        # Copy and diff work from inside the prompt box: no tabbing to a column first.
        await pilot.click("#prompt")
        await pilot.press("alt+2", "ctrl+y")
        assert app.clipboard == "A different answer entirely."

        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DiffScreen", 5, "diff screen")
        diff = app.screen
        assert {diff.left, diff.right} == {0, 1}
        assert "words in common" in str(diff.query_one("#diff-summary").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, 5, "back to compare")

        await pilot.press("ctrl+n")
        assert screen.session_id is None and all(not c.text for c in screen.columns)
        await pilot.click("#prompt")
        assert screen.query_one("#prompt").text == ""  # sending cleared it
        await pilot.press("up")  # the last prompt comes back
        assert screen.query_one("#prompt").text == "First question"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not screen.running and screen.session_id is not None, 20, "new session")
        assert screen.session_id != first_session

    from workbench.store import open_db
    from workbench.store.exchanges import get_exchange

    exchange = get_exchange(open_db(db_file), first_exchange)
    # The regenerated answer joins the same exchange; nothing is overwritten.
    assert [r.text for r in exchange.responses] == [ANSWER, ANSWER, "A different answer entirely."]


async def test_user_mistakes_get_one_line_errors(server, db_file):
    app, notes = make_app(db_file, server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(app, pilot)
        await pilot.press("ctrl+s")
        assert "type a prompt first" in notes.errors()[-1]

        await pilot.press("ctrl+w")
        assert "at least 2 columns" in notes.errors()[-1]
        await pilot.press("ctrl+t", "ctrl+t")
        assert len(screen.columns) == 4 and screen.selected == 3
        assert screen.columns[3].model == screen.columns[0].model  # same model, ready for new params
        await pilot.press("ctrl+t")
        assert "at most 4 columns" in notes.errors()[-1]
        await pilot.press("ctrl+w")
        assert len(screen.columns) == 3 and [c.index for c in screen.columns] == [1, 2, 3]

        await pilot.press("ctrl+k")
        await pilot.press(*"zzzz", "enter")
        assert "unknown model 'zzzz'" in notes.errors()[-1]
        assert type(app.screen).__name__ == "ModelPickerScreen"  # still open: nothing lost
        await pilot.press("escape")

        await pilot.click(f"#{screen.columns[0].id} .col-temperature")
        await pilot.press("5")
        await type_prompt(pilot, "Hi")
        await pilot.press("ctrl+s")
        assert "temperature must be between 0 and 2" in notes.errors()[-1]
        assert screen.exchange_id is None  # nothing sent, nothing stored

        screen.columns[1].set_model("not-configured")
        await pilot.click(f"#{screen.columns[0].id} .col-temperature")
        await pilot.press("end", "backspace")
        await pilot.press("ctrl+s")
        assert "unknown model 'not-configured'" in notes.errors()[-1]

        await pilot.press("escape")  # nothing running: escape does nothing harmful
        assert type(app.screen).__name__ == "CompareScreen"


async def test_streaming_appends_fragments_and_coalesces():
    from textual.app import App, ComposeResult

    from workbench.ui.widgets.streaming_markdown import StreamingMarkdown

    class Host(App):
        def compose(self) -> ComposeResult:
            yield StreamingMarkdown(id="md")

    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        md = app.query_one(StreamingMarkdown)
        md.restart()
        # 40 paragraphs of 50 tokens, a list and a code block: 2000+ deltas in one burst.
        pieces = []
        for p in range(40):
            pieces += [f"word{p}_{i} " for i in range(50)] + ["\n\n"]
        pieces += ["- one\n", "- two\n\n", "```python\n", "print('hi')\n", "```\n"]
        for piece in pieces:
            md.feed(piece)
        await md.settle()
        md.end_stream()
        assert md.rendered_text == "".join(pieces) == md.text
        assert md.fragments_fed == len(pieces)
        assert 1 <= md.appends < 20  # thousands of deltas, a handful of passes
        # Finished blocks render once; each pass re-renders only the open block.
        assert md.blocks_rendered <= 42 + md.appends
        lines = [md.render_line(y).text for y in range(md.scrollable_content_region.height)]
        assert md.virtual_size.height > 40 and md.scroll_y > 0  # followed the stream to its end
        assert any("print('hi')" in line for line in lines)

        # Trickled in, the same text still arrives whole, a few passes at a time.
        md.restart()
        for piece in pieces[:300]:
            md.feed(piece)
            if len(md._queued) > 20:
                await pilot.pause(0.01)
        await md.settle()
        assert md.rendered_text == "".join(pieces[:300])
        assert md.appends < 300 / 5

        md.set_text("# Title\n\nBody **bold**")
        await md.settle()
        assert md.text == "# Title\n\nBody **bold**" and md.virtual_size.height >= 3
        assert "Title" in "".join(md.render_line(y).text for y in range(4))


async def test_history_finds_the_answer_by_a_word_and_exports_it(server, db_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_EXPORTS", str(tmp_path))
    server.default = Behavior(text=ANSWER)
    app, notes = make_app(db_file, server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(app, pilot)
        for column, model in zip(screen.columns, ("echo", "echo-b")):
            column.set_model(model)
        await type_prompt(pilot, "Tell me about Paris")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not screen.running, 20, "answers")
        exchange_id, session_id = screen.exchange_id, screen.session_id

        await pilot.press("f3")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryScreen", 5, "history")
        history = app.screen
        await pilot.press("/")
        await pilot.press(*"zebra")
        await wait_for(pilot, lambda: history.search_query == "zebra" and exchange_id in history.exchanges,
                       10, "search results")
        assert list(history.exchanges) == [exchange_id]
        await pilot.press("enter")  # from the search box: jump to the results
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExportDialog", 5, "export dialog")
        await pilot.press("enter")
        expected = tmp_path / f"session-{session_id}-exchange-{exchange_id}.md"
        await wait_for(pilot, expected.exists, 10, "exported file")
        await wait_for(pilot, lambda: any(str(expected) in m for _, m in notes.items), 5, "notification")
        text = expected.read_text()
        assert "Tell me about Paris" in text and "zebra crossing museum" in text and "### echo-b" in text
        await asyncio.sleep(0)


async def test_full_collections_are_deferred_only_while_streaming(server, db_file):
    import gc

    from workbench.ui.widgets import compare_gc

    compare_gc.reset()  # an earlier test's restore may still be on its timer
    before = gc.get_threshold()
    server.default = Behavior(text=LONG_ANSWER, chunk_delay_s=0.02)
    app, _ = make_app(db_file, server.url)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(app, pilot)
        for column, model in zip(screen.columns, ("echo", "echo-b")):
            column.set_model(model)
        await type_prompt(pilot, "Go")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: compare_gc.active() == 2, 10, "streams running")
        assert gc.get_threshold()[2] > before[2]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.running, 10, "cancel")
        await wait_for(pilot, lambda: gc.get_threshold() == before, compare_gc.RESTORE_DELAY_S + 5, "restore")
        # Closing the app mid-stream restores them too (the cancelled stream ends, then a
        # timer thread restores, even though the app's loop is gone by then).
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: compare_gc.active() == 1, 10, "stream running")
    deadline = time.monotonic() + compare_gc.RESTORE_DELAY_S + 5
    while gc.get_threshold() != before and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert gc.get_threshold() == before and compare_gc.active() == 0


async def test_prompt_history_clear_key_and_session_totals(server, db_file):
    server.default = Behavior(text=ANSWER)
    app, notes = make_app(db_file, server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(app, pilot)
        for column, model in zip(screen.columns, ("echo", "echo-b")):
            column.set_model(model)
        for prompt in ("First prompt", "Second prompt"):
            await type_prompt(pilot, prompt)
            await send_and_wait_started(pilot, screen, notes)
            await wait_for(pilot, lambda: not screen.running, 20, "answers")
        box = screen.query_one("#prompt")
        assert box.text == ""
        line = str(screen.query_one("#session-line").render())
        usage = screen.usage
        assert usage.exchanges == 2 and usage.answers == 4 and usage.tokens > 0
        assert f"{usage.tokens:,} tokens" in line and "2 sent" in line

        # Up on the first line steps back; down past the newest brings the draft back.
        await pilot.press(*"draft")
        await pilot.press("home", "up")
        assert box.text == "Second prompt"
        await pilot.press("up")
        assert box.text == "First prompt"
        await pilot.press("down", "down")
        assert box.text == "draft"
        await pilot.press("ctrl+u")
        assert box.text == ""

    # A new app finds the prompts in the store; the palette's picker loads one.
    app, notes = make_app(db_file, server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(app, pilot)
        box = screen.query_one("#prompt")
        await wait_for(pilot, lambda: box.prompts == ["First prompt", "Second prompt"], 10, "history")
        screen.action_pick_prompt()
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ModelPickerScreen", 5, "prompt picker")
        await pilot.press(*"first", "enter")
        await wait_for(pilot, lambda: app.screen is screen, 5, "picker closed")
        assert box.text == "First prompt"


async def test_default_columns_skip_models_whose_key_is_missing(db_file, monkeypatch):
    from workbench.config import ModelSpec, WorkbenchConfig

    monkeypatch.delenv("NO_SUCH_KEY_FOR_TESTS", raising=False)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    app.config = WorkbenchConfig(models={
        "cloud": ModelSpec(name="cloud", model="openai/gpt-4o-mini", api_key_env="NO_SUCH_KEY_FOR_TESTS"),
        LOCAL_MODEL: ModelSpec(name=LOCAL_MODEL, model=LOCAL_MODEL, builtin=True),
        "server": ModelSpec(name="server", model="openai/echo", api_base="http://127.0.0.1:9"),
    }, author="tester", path=Path("/nonexistent/models.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(app, pilot)
        assert [c.model for c in screen.columns] == [LOCAL_MODEL, "server"]
