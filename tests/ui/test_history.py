"""The History screen: sessions and exchanges newest first, search, open, delete, export."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.ui import Notes, wait_for
from workbench.models.types import Response
from workbench.store import open_db
from workbench.store.exchanges import create_exchange, create_session, get_exchange, save_response
from workbench.ui.app import WorkbenchApp

# (kind, title, created, [(prompt, created, [(model, params, text, status, error, stats)])])
SEED = [
    ("compare", "Capital of France", "2025-03-01T09:00:00.000000+00:00", [
        ("What is the capital of France?", "2025-03-01T09:00:05.000000+00:00", [
            ("echo", {"temperature": 0.2, "max_tokens": 64}, "The capital of France is **Paris**.", "ok", None,
             (12, 9, 0.21, 1.1, 41.5, 0.000031)),
            ("local/smollm2-135m-instruct", {"max_tokens": 16}, "Paris is the capital of France.", "ok", None,
             (30, 8, 0.85, 1.4, 12.5, 0.0)),
        ]),
        ("Name a striped animal.", "2025-03-01T09:02:00.000000+00:00", [
            ("echo", {}, "A zebra has black and white stripes.", "ok", None, (8, 8, 0.19, 0.5, 30.0, None)),
            ("echo-b", {"temperature": 1.0}, "Tigers are striped, too", "cancelled", "cancelled",
             (8, 5, 0.2, 0.4, None, None)),
        ]),
    ]),
    ("compare", "Haiku about rain", "2025-03-02T18:30:00.000000+00:00", [
        ("Write a haiku about rain.", "2025-03-02T18:30:10.000000+00:00", [
            ("echo", {}, "Soft rain on the roof\nthe garden drinks in silence\nclouds fold into night", "ok",
             None, (9, 17, 0.3, 1.2, 18.2, None)),
            ("openai/gpt-4o-mini", {}, "", "error", "openai/gpt-4o-mini: authentication failed (check OPENAI_API_KEY)",
             (None, None, None, 0.1, None, None)),
        ]),
    ]),
]


def seed_history(db_file: Path) -> dict[str, int]:
    """Fixed sessions, exchanges and answers with fixed timestamps (deterministic screens)."""
    db = open_db(db_file)
    ids: dict[str, int] = {}
    for kind, title, created, exchanges in SEED:
        sid = create_session(db, kind, title)
        db.execute("update sessions set created = ? where id = ?", [created, sid])
        ids[title] = sid
        for prompt, ex_created, responses in exchanges:
            eid = create_exchange(db, sid, prompt, [{"role": "user", "content": prompt}])
            db.execute("update exchanges set created = ? where id = ?", [ex_created, eid])
            ids[prompt] = eid
            for model, params, text, status, error, (pt, ct, ttft, total, _tps, cost) in responses:
                r = Response(model=model, params=params, text=text, status=status, error=error,
                             prompt_tokens=pt, completion_tokens=ct, ttft_s=ttft, total_s=total, cost_usd=cost)
                rid = save_response(db, eid, r)
                db.execute("update responses set created = ? where id = ?", [ex_created, rid])
    db.close()
    return ids


async def open_history(app: WorkbenchApp, pilot):
    from workbench.ui.screens.history import HistoryScreen

    app.install_screen(HistoryScreen(embeddings=False), name="history")
    await pilot.press("f3")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryScreen", 5, "history screen")
    history = app.screen
    await wait_for(pilot, lambda: history._loaded and history.exchanges, 10, "history rows")
    return history


def session_rows(history) -> list[str]:
    table = history.query_one("#history-sessions")
    return [table.get_row_at(i)[0] for i in range(table.row_count)]


def exchange_rows(history) -> list[str]:
    table = history.query_one("#history-exchanges")
    return [table.get_row_at(i)[0] for i in range(table.row_count)]


# ---------------------------------------------------------------------------------------


async def test_sessions_and_exchanges_newest_first(db_file):
    ids = seed_history(db_file)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(160, 48)) as pilot:
        history = await open_history(app, pilot)
        assert session_rows(history) == [str(ids["Haiku about rain"]), str(ids["Capital of France"])]
        assert history.session_id == ids["Haiku about rain"]
        assert exchange_rows(history) == [str(ids["Write a haiku about rain."])]
        # Down in the sessions list shows that session's exchanges, newest first.
        await pilot.press("down")
        await wait_for(pilot, lambda: history.session_id == ids["Capital of France"]
                       and len(history.exchanges) == 2, what="second session")
        assert exchange_rows(history) == [str(ids["Name a striped animal."]),
                                          str(ids["What is the capital of France?"])]
        preview = str(history.query_one("#history-preview").render())
        assert "Name a striped animal." in preview and "zebra" in preview


async def test_show_session_selects_it_even_before_mount(db_file):
    ids = seed_history(db_file)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(160, 48)) as pilot:
        from workbench.ui.screens.history import HistoryScreen

        screen = HistoryScreen(embeddings=False)
        app.install_screen(screen, name="history")
        screen.show_session(ids["Capital of France"])  # what Home does right after opening
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen.session_id == ids["Capital of France"] and len(screen.exchanges) == 2,
                       what="requested session")
        table = screen.query_one("#history-sessions")
        assert table.get_row_at(table.cursor_row)[0] == str(ids["Capital of France"])
        screen.show_session(ids["Haiku about rain"])  # and again once mounted
        await wait_for(pilot, lambda: screen.session_id == ids["Haiku about rain"]
                       and list(screen.exchanges) == [ids["Write a haiku about rain."]], what="second request")


async def test_search_open_and_back(db_file):
    ids = seed_history(db_file)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(160, 48)) as pilot:
        history = await open_history(app, pilot)
        await pilot.press("/")
        assert history.query_one("#history-search").has_focus
        await pilot.press(*"zebra")
        await wait_for(pilot, lambda: list(history.exchanges) == [ids["Name a striped animal."]], what="search hit")
        assert "matching 'zebra'" in str(history.query_one("#exchanges-title").render())
        await pilot.press("enter")  # to the results
        await pilot.press("enter")  # open the highlighted exchange
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExchangeViewScreen", what="exchange view")
        view = app.screen
        texts = [c.text for c in view.columns]
        assert texts == ["A zebra has black and white stripes.", "Tigers are striped, too"]
        assert all(c.read_only for c in view.columns)
        assert "cancelled" in str(view.columns[1].query_one(".col-stats").render())
        await pilot.press("ctrl+y")
        assert app.clipboard == "A zebra has black and white stripes."
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is history, what="back to history")

        # Esc in the list clears the search and lists the session again.
        await pilot.press("escape")
        await wait_for(pilot, lambda: history.search_query == ""
                       and list(history.exchanges) == [ids["Write a haiku about rain."]], what="search cleared")

        await pilot.press("/")
        await pilot.press(*"nosuchwordanywhere", "enter")
        await wait_for(pilot, lambda: history.search_query == "nosuchwordanywhere" and not history.exchanges,
                       what="empty search")
        assert "No answer matches" in str(history.query_one("#history-preview").render())


async def test_delete_needs_confirmation(db_file):
    ids = seed_history(db_file)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    notes = Notes(app)
    async with app.run_test(size=(160, 48)) as pilot:
        history = await open_history(app, pilot)
        target = ids["Write a haiku about rain."]
        await pilot.press("tab")  # to the exchanges list
        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog", what="confirmation")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is history, what="dialog closed")
        assert get_exchange(open_db(db_file), target) is not None

        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog", what="confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: any(f"deleted exchange {target}" in m for _, m in notes.items),
                       what="deleted")
        await wait_for(pilot, lambda: target not in history.exchanges, what="list refreshed")
        assert get_exchange(open_db(db_file), target) is None
        assert get_exchange(open_db(db_file), ids["Name a striped animal."]) is not None


async def test_export_exchange_markdown_and_session_jsonl(db_file, tmp_path, monkeypatch):
    exports = tmp_path / "exports"  # does not exist yet: the first export makes it
    monkeypatch.setenv("WORKBENCH_EXPORTS", str(exports))
    monkeypatch.chdir(tmp_path)
    ids = seed_history(db_file)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    notes = Notes(app)
    async with app.run_test(size=(160, 48)) as pilot:
        history = await open_history(app, pilot)
        sid, eid = ids["Haiku about rain"], ids["Write a haiku about rain."]
        history._exchanges_table.focus()

        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExportDialog", what="export dialog")
        assert str(exports) in str(app.screen.query_one(".dialog-help").render())
        await pilot.press("enter")
        md = exports / f"session-{sid}-exchange-{eid}.md"
        await wait_for(pilot, md.exists, what="markdown file")
        assert "Write a haiku about rain." in md.read_text() and "authentication failed" in md.read_text()
        assert not list(tmp_path.glob("*.md")), "nothing is written into the current directory"
        await wait_for(pilot, lambda: any(str(md) in m for _, m in notes.items), what="where it went")

        # The same again: the file exists, so the dialog says so and stays open.
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExportDialog", what="export dialog")
        await pilot.press("enter")
        assert "already exists" in notes.errors()[-1]
        assert type(app.screen).__name__ == "ExportDialog"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is history, what="dialog closed")

        # Whole session, JSONL, to a typed path in a sub-folder, chosen in the same dialog.
        (tmp_path / "out").mkdir()
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExportDialog", what="export dialog")
        await pilot.click("#export-scope-session")
        await pilot.click("#export-jsonl")
        assert app.screen.query_one("#export-path").value == f"session-{sid}.jsonl"
        app.screen.query_one("#export-path").value = str(tmp_path / "out" / "haiku.jsonl")
        await pilot.click("#export-ok")
        target = tmp_path / "out" / "haiku.jsonl"
        await wait_for(pilot, target.exists, what="jsonl file")
        records = [json.loads(line) for line in target.read_text().splitlines()]
        assert [r["exchange_id"] for r in records] == [eid]
        assert [r["model"] for r in records[0]["responses"]] == ["echo", "openai/gpt-4o-mini"]
        await wait_for(pilot, lambda: any(str(target) in m for _, m in notes.items), what="notification")


async def test_open_in_compare_loads_prompt_models_and_answers(db_file):
    ids = seed_history(db_file)
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(160, 48)) as pilot:
        from workbench.ui.screens.compare import CompareScreen

        app.install_screen(CompareScreen(embeddings=False), name="compare")
        history = await open_history(app, pilot)
        await pilot.press("down")
        await wait_for(pilot, lambda: len(history.exchanges) == 2, what="second session")
        await pilot.press("tab", "down")  # the older exchange: What is the capital of France?
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CompareScreen", what="compare")
        compare = app.screen
        await wait_for(pilot, lambda: [c.text for c in compare.columns]
                       == ["The capital of France is **Paris**.", "Paris is the capital of France."], what="answers")
        assert compare.query_one("#prompt").text == "What is the capital of France?"
        assert [c.model for c in compare.columns] == ["echo", "local/smollm2-135m-instruct"]
        assert compare.columns[0].read_params() == {"temperature": 0.2, "max_tokens": 64}
        assert compare.session_id == ids["Capital of France"]  # later sends continue that session
        await wait_for(pilot, lambda: compare.strip.lexical is not None, what="similarity")


async def test_counts_are_shown_whole_at_80_columns(db_file):
    """Issue 28: an import of 1000 answers showed as "100"."""
    from workbench.store.exchanges import create_exchange, create_session

    seed_history(db_file)
    db = open_db(db_file)
    with db.atomic():
        sid = create_session(db, "import", "claude answers")
        for i in range(1000):
            create_exchange(db, sid, f"question {i}", [{"role": "user", "content": f"question {i}"}])
    db.close()
    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    async with app.run_test(size=(80, 24)) as pilot:
        history = await open_history(app, pilot)
        table = history.query_one("#history-sessions")
        row = table.get_row_index(str(sid))
        await pilot.pause(0.3)
        line = table.render_line(row + 1).text  # under the header
        assert " 1000 " in line, line
