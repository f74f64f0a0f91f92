"""History: every session and exchange, newest first, with full-text search over the answers.

Reads run in thread workers, each with its own SQLite connection, and hand rows back with
call_from_thread. From here an exchange opens side by side again (read-only), goes to the
Compare screen to continue, is deleted after a confirmation, or is exported with its session.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import ColumnKey

from workbench.ui.keys import action_binding
from workbench.ui.widgets.screen_base import WorkbenchScreen

SEARCH_DEBOUNCE_S = 0.25
SESSION_LIMIT = 500
EXCHANGE_LIMIT = 500
TITLE_WIDTH = 24
PROMPT_WIDTH = 34
ANSWERS_WIDTH = 40
STATUS_MARK = {"ok": "✓", "error": "✗", "cancelled": "◌"}


def _when(created: str) -> str:
    return created[:16].replace("T", " ")


def _one_line(text: str, width: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def answers_summary(exchange: Any) -> str:
    return ", ".join(f"{r.model} {STATUS_MARK.get(r.status, r.status)}" for r in exchange.responses) or "—"


class HistoryScreen(WorkbenchScreen):
    DEFAULT_CSS = """
    HistoryScreen #history-search { margin: 0 1; }
    HistoryScreen #history-panes { height: 1fr; }
    HistoryScreen #sessions-pane { width: 66; }
    HistoryScreen #exchanges-pane { width: 1fr; }
    HistoryScreen .pane-title { height: 1; padding: 0 1; text-style: bold; color: $accent; }
    HistoryScreen DataTable { height: 1fr; }
    HistoryScreen #history-preview {
        height: 9; padding: 0 1; border: round $panel-lighten-2; overflow-y: auto;
    }
    /* 80 columns: the panes stack (side by side, the exchanges got 14 columns). */
    HistoryScreen.-narrow #history-panes { layout: vertical; }
    HistoryScreen.-narrow #sessions-pane { width: 1fr; height: 1fr; }
    HistoryScreen.-narrow #exchanges-pane { height: 1fr; }
    HistoryScreen.-short #history-preview { height: 6; }
    """
    BINDINGS = [
        Binding("/", "focus_search", "Search", id="history.search"),
        action_binding("open", "open_exchange", "Open", id="history.open"),
        # "resume" on this screen: carry on with the exchange in Compare.
        action_binding("resume", "open_in_compare", "In Compare", id="history.compare"),
        Binding("delete,x", "delete_exchange", "Delete", id="history.delete"),
        action_binding("export", "export_exchange", "Export", id="history.export_exchange"),
        Binding("r", "reload", "Refresh", show=False, id="history.reload"),
        Binding("escape", "clear_search", "Clear search", show=False, id="history.clear_search"),
    ]
    PALETTE_ACTIONS = (
        ("History: search answers", "full-text search over every stored answer", "focus_search"),
        ("History: open exchange", "see the highlighted exchange side by side", "open_exchange"),
        ("History: open in Compare", "load the exchange into Compare to continue it", "open_in_compare"),
        ("History: delete exchange", "delete the highlighted exchange after a confirmation",
         "delete_exchange"),
        ("History: export exchange or session", "Markdown or JSONL, into the exports folder",
         "export_exchange"),
        ("History: export session", "the whole highlighted session to Markdown or JSONL", "export_session"),
        ("History: refresh", "read sessions and exchanges again", "reload"),
    )

    def __init__(self, *, embeddings: bool = True) -> None:
        super().__init__()
        self.embeddings = embeddings
        self.search_query = ""
        self.session_id: int | None = None  # the session whose exchanges are listed
        self.sessions: list[Any] = []
        self.exchanges: dict[int, Any] = {}
        self._wanted_session: int | None = None
        self._search_timer: Timer | None = None
        self._loaded = False

    # -- layout -----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="/ search the answers (full text); esc clears", id="history-search", compact=True)
        with Horizontal(id="history-panes"):
            with Vertical(id="sessions-pane"):
                yield Static("Sessions", classes="pane-title")
                sessions: DataTable[Any] = DataTable(id="history-sessions", cursor_type="row", zebra_stripes=True)
                # Fixed widths: auto-sized columns race with refills and can collapse to the header.
                for label, width in (("id", 4), ("kind", 7), ("title", TITLE_WIDTH), ("n", 3), ("created", 16)):
                    sessions.add_column(label, width=width, key=label)
                yield sessions
            with Vertical(id="exchanges-pane"):
                yield Static("Exchanges", classes="pane-title", id="exchanges-title")
                exchanges: DataTable[Any] = DataTable(id="history-exchanges", cursor_type="row",
                                                      zebra_stripes=True)
                for label, width in (("id", 4), ("session", 7), ("created", 16), ("prompt", PROMPT_WIDTH),
                                      ("answers", ANSWERS_WIDTH)):
                    exchanges.add_column(label, width=width, key=label)
                yield exchanges
        yield Static("", id="history-preview")

    def on_mount(self) -> None:
        self.query_one("#history-sessions", DataTable).focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        if self._loaded:
            self.action_reload()

    @property
    def _sessions_table(self) -> DataTable:
        return self.query_one("#history-sessions", DataTable)

    @property
    def _exchanges_table(self) -> DataTable:
        return self.query_one("#history-exchanges", DataTable)

    # -- public -----------------------------------------------------------------------------
    def show_session(self, session_id: int) -> None:
        """Select ``session_id`` and list its exchanges (now, or as soon as the list has loaded)."""
        self._wanted_session = session_id
        if self.is_mounted and self._loaded:
            self._clear_search_input()
            self._apply_wanted_session()

    # -- loading ----------------------------------------------------------------------------
    def action_reload(self) -> None:
        self._load_sessions()
        if self.search_query:
            self._search(self.search_query)
        elif self.session_id is not None:
            self._load_exchanges(self.session_id)

    @work(thread=True, exclusive=True, group="history-sessions")
    def _load_sessions(self) -> None:
        from workbench.store.exchanges import list_sessions

        db = self.app.read_db()
        try:
            rows = list_sessions(db, limit=SESSION_LIMIT)
        finally:
            db.close()
        self.app.call_from_thread(self._fill_sessions, rows)

    @work(thread=True, exclusive=True, group="history-exchanges")
    def _load_exchanges(self, session_id: int) -> None:
        from workbench.store.exchanges import session_exchanges

        db = self.app.read_db()
        try:
            rows = session_exchanges(db, session_id)[:EXCHANGE_LIMIT]
        finally:
            db.close()
        self.app.call_from_thread(self._fill_exchanges, rows, f"Exchanges of session {session_id}", session_id)

    @work(thread=True, exclusive=True, group="history-exchanges")
    def _search(self, query: str) -> None:
        from workbench.store.exchanges import search_exchanges

        db = self.app.read_db()
        try:
            rows = search_exchanges(db, query, limit=EXCHANGE_LIMIT)
        except Exception as exc:  # a malformed FTS query must not end the screen
            self.app.call_from_thread(self.notify, f"search failed: {exc}", severity="error")
            return
        finally:
            db.close()
        title = f"Answers matching {query!r}: {len(rows)}"
        self.app.call_from_thread(self._fill_exchanges, rows, title, None, query)

    def _fill_sessions(self, rows: list) -> None:
        self.sessions = rows
        table = self._sessions_table
        keep = self._wanted_session if self._wanted_session is not None else self.session_id
        with self.prevent(DataTable.RowHighlighted):
            table.clear()
            # Counts are shown whole: the column grows to the widest (an import of 1000 answers
            # showed as "100" in a fixed 3-cell column).
            table.columns[ColumnKey("n")].width = max([3, *(len(str(s.exchanges)) for s in rows)])
            for s in rows:
                table.add_row(str(s.id), s.kind, _one_line(s.title or "", TITLE_WIDTH), str(s.exchanges),
                              _when(s.created), key=str(s.id))
        self._loaded = True
        if not rows:
            self._exchanges_table.clear()
            self.query_one("#history-preview", Static).update(
                "No sessions yet: answers from Compare (f2) and `workbench ask` appear here.")
            return
        ids = [s.id for s in rows]
        target = keep if keep in ids else ids[0]
        if self._wanted_session is not None and self._wanted_session not in ids:
            self.notify(f"no session {self._wanted_session}", severity="error")
        self._wanted_session = target
        self._apply_wanted_session()

    def _apply_wanted_session(self) -> None:
        session_id, self._wanted_session = self._wanted_session, None
        if session_id is None:
            return
        table = self._sessions_table
        try:
            row = table.get_row_index(str(session_id))
        except Exception:
            self.notify(f"no session {session_id}", severity="error")
            return
        with self.prevent(DataTable.RowHighlighted):
            table.move_cursor(row=row)
        if not self.search_query:
            self.session_id = session_id
            self._load_exchanges(session_id)

    def _fill_exchanges(self, rows: list, title: str, session_id: int | None, query: str = "") -> None:
        if query != self.search_query:
            return  # an older search (or a listing overtaken by a search) came back late
        self.exchanges = {e.id: e for e in rows}
        self.query_one("#exchanges-title", Static).update(title)
        table = self._exchanges_table
        cursor = table.cursor_row
        table.clear()
        for e in rows:
            table.add_row(str(e.id), str(e.session_id), _when(e.created), _one_line(e.prompt, PROMPT_WIDTH),
                          _one_line(answers_summary(e), ANSWERS_WIDTH), key=str(e.id))
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        self._show_preview()

    # -- selection and preview ---------------------------------------------------------------
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "history-sessions":
            if event.row_key.value is None:
                return
            session_id = int(event.row_key.value)
            if self.search_query and not event.data_table.has_focus:
                return  # search results stay until the user moves through the sessions
            if self.search_query:
                self._clear_search_input()
            if session_id != self.session_id:
                self.session_id = session_id
                self._load_exchanges(session_id)
        else:
            self._show_preview()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "history-sessions":
            self._exchanges_table.focus()
        else:
            self.action_open_exchange()

    def highlighted_exchange(self) -> Any | None:
        table = self._exchanges_table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.exchanges.get(int(key)) if key is not None else None

    def _show_preview(self) -> None:
        preview = self.query_one("#history-preview", Static)
        exchange = self.highlighted_exchange()
        if exchange is None:
            preview.update("Nothing here." if not self.search_query else "No answer matches.")
            return
        text = Text()
        if exchange.system:
            text.append("system: ", style="dim")
            text.append(_one_line(exchange.system, 200) + "\n")
        text.append("prompt: ", style="bold")
        text.append(_one_line(exchange.prompt, 300) + "\n")
        for r in exchange.responses:
            text.append(f"{r.model} {STATUS_MARK.get(r.status, r.status)}: ", style="bold")
            body = r.error if r.status == "error" and not r.text else r.text
            text.append(_one_line(body or "", 240) + "\n")
        if self.search_query:
            words = [w.strip('"') for w in self.search_query.split() if w.strip('"')]
            text.highlight_words(words, style="reverse", case_sensitive=False)
        text.rstrip()
        preview.update(text)

    # -- search -----------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.query_one("#history-search", Input).focus()

    @on(Input.Changed, "#history-search")
    def _search_typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE_S, lambda: self._run_search(event.value))

    @on(Input.Submitted, "#history-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._run_search(event.value)
        self._exchanges_table.focus()

    def _run_search(self, value: str) -> None:
        query = value.strip()
        if query == self.search_query:
            return
        self.search_query = query
        if query:
            self._search(query)
        elif self.session_id is not None:
            self._load_exchanges(self.session_id)

    def _clear_search_input(self) -> None:
        search = self.query_one("#history-search", Input)
        with self.prevent(Input.Changed):
            search.value = ""
        self.search_query = ""

    def action_clear_search(self) -> None:
        if not self.search_query and not self.query_one("#history-search", Input).value:
            self._exchanges_table.focus()
            return
        self._clear_search_input()
        if self.session_id is not None:
            self._load_exchanges(self.session_id)
        self._exchanges_table.focus()

    # -- actions on an exchange ---------------------------------------------------------------
    def _require_exchange(self) -> Any | None:
        exchange = self.highlighted_exchange()
        if exchange is None:
            self.notify("no exchange highlighted: pick one in the right-hand list", severity="error")
        return exchange

    def action_open_exchange(self) -> None:
        from workbench.ui.screens.exchange_view import ExchangeViewScreen

        exchange = self._require_exchange()
        if exchange is not None:
            self.app.push_screen(ExchangeViewScreen(exchange, embeddings=self.embeddings))

    def action_open_in_compare(self) -> None:
        exchange = self._require_exchange()
        if exchange is None:
            return
        self.app.action_open_screen("compare")
        compare = self.app.get_screen("compare")
        if hasattr(compare, "show_exchange"):
            compare.show_exchange(exchange)

    def action_delete_exchange(self) -> None:
        from workbench.ui.widgets.compare_dialogs import ConfirmDialog

        exchange = self._require_exchange()
        if exchange is None:
            return
        n = len(exchange.responses)
        question = (f"Delete exchange {exchange.id} of session {exchange.session_id} "
                    f"({n} answer{'s' if n != 1 else ''})?\n{_one_line(exchange.prompt, 60)}\n"
                    "This cannot be undone.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(exchange.id)

        self.app.push_screen(ConfirmDialog(question, title="Delete exchange"), answered)

    @work(thread=True, group="history-delete")
    def _delete(self, exchange_id: int) -> None:
        from workbench.store.exchanges import delete_exchange

        db = self.app.open_db()
        try:
            deleted = delete_exchange(db, exchange_id)
        except Exception as exc:
            self.app.call_from_thread(self.notify, f"could not delete exchange {exchange_id}: {exc}",
                                      severity="error")
            return
        finally:
            db.close()
        self.app.call_from_thread(self._after_delete, exchange_id, deleted)

    def _after_delete(self, exchange_id: int, deleted: bool) -> None:
        if deleted:
            self.notify(f"deleted exchange {exchange_id}")
        else:
            self.notify(f"exchange {exchange_id} was already gone", severity="warning")
        self.action_reload()

    def action_export_exchange(self) -> None:
        from workbench.ui.widgets.compare_dialogs import start_export

        if self._sessions_table.has_focus or self.highlighted_exchange() is None:
            self.action_export_session()  # the focused pane says what to export
            return
        exchange = self._require_exchange()
        if exchange is not None:
            start_export(self, exchange.session_id, exchange.id)

    def action_export_session(self) -> None:
        from workbench.ui.widgets.compare_dialogs import start_export

        table = self._sessions_table
        exchange = self.highlighted_exchange() if self._exchanges_table.has_focus else None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        if exchange is not None:
            session_id = exchange.session_id  # search results span sessions
        elif row_key is not None:
            session_id = int(row_key)
        else:
            self.notify("no session to export yet", severity="error")
            return
        start_export(self, session_id)
