"""Home: recent sessions and the ways into every screen.

The first frame of the app is this screen, so it composes only light widgets; the sessions
table is mounted with its rows once the store has been read, after that frame is painted.
"""

from __future__ import annotations

from typing import Any

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from workbench.ui.hints import bound_key
from workbench.ui.registry import SCREENS
from workbench.ui.widgets.screen_base import WorkbenchScreen

# id, kind, exchanges and created take this much, with each of the five columns' padding
# and room for the scrollbar; the title gets what is left (no sideways scrolling).
_FIXED_COLUMNS_WIDTH = 6 + 9 + 5 + 12 + 5 * 2 + 2
_MIN_TITLE_WIDTH = 12


class HomeScreen(WorkbenchScreen):
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="home.reload"),
        Binding("enter", "open_session", "Open", id="home.open", show=False),
    ]
    PALETTE_ACTIONS = (
        ("Home: refresh sessions", "read the recent sessions again", "reload"),
    )

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Any] = []

    def compose_body(self) -> ComposeResult:
        # Each hint is a link too: a click opens what the key opens.
        lines = "  ".join(f"[@click=app.open_screen('{e.name}')][b]{bound_key(self.app, f'app.open.{e.name}', e.key)}"
                          f"[/b] {e.title}[/]" for e in SCREENS if e.name != "home")
        palette = bound_key(self.app, "app.palette", "ctrl+p")
        help_key = bound_key(self.app, "app.help", "?")
        yield Static(f"{lines}   [@click=app.command_palette][b]{palette}[/b] palette: every action[/]"
                     f"   [@click=app.help][b]{help_key}[/b] help[/]", id="home-keys")
        yield Static("Recent sessions", classes="section-title")
        with Vertical(id="home-body"):
            yield Static("reading sessions…", id="home-empty")

    def on_screen_resume(self) -> None:
        # Also the first showing: read the store after the frame is painted, never before it.
        self.call_after_refresh(self.action_reload)

    def action_reload(self) -> None:
        self._load_sessions()

    @work(thread=True, exclusive=True, group="home-load")
    def _load_sessions(self) -> None:
        from workbench.store.exchanges import list_sessions

        db = self.app.read_db()
        try:
            rows = list_sessions(db, limit=100)
        finally:
            db.close()
        self.app.call_from_thread(self._fill, rows)

    def _table(self) -> Any:
        from textual.widgets import DataTable

        found = self.query("#sessions")
        if found:
            return found.first(DataTable)
        table: DataTable[Any] = DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        self.query_one("#home-body").mount(table, before="#home-empty")
        return table

    def _fill(self, rows: list) -> None:
        self._rows = rows
        table = self._table()
        title_width = max(_MIN_TITLE_WIDTH, self.size.width - _FIXED_COLUMNS_WIDTH)
        table.clear(columns=True)
        table.add_column("id", width=6)
        table.add_column("kind", width=9)
        table.add_column("title", width=title_width)
        table.add_column("n", width=5)
        table.add_column("created", width=12)
        for s in rows:
            table.add_row(str(s.id), s.kind, _fit(s.title, title_width), str(s.exchanges),
                          s.created[5:16].replace("T", " "), key=str(s.id))
        table.display = bool(rows)
        empty = self.query_one("#home-empty", Static)
        compare_key = bound_key(self.app, "app.open.compare", "f2")
        empty.display = not rows
        empty.update("" if rows else f"No sessions yet. Press {compare_key} to compare models, or run "
                     "`workbench ask -m local/smollm2-135m-instruct \"Hello\"`.")
        if rows and self.focused is None:
            table.focus()

    def on_resize(self, event: events.Resize) -> None:
        if self._rows:
            self._fill(self._rows)

    def on_data_table_row_selected(self, event: Any) -> None:
        self._open(event.row_key.value)

    def action_open_session(self) -> None:
        from textual.widgets import DataTable

        found = self.query("#sessions")
        if not found:
            return
        table = found.first(DataTable)
        if table.row_count:
            self._open(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _open(self, session_id: str | None) -> None:
        if session_id is None:
            return
        self.app.action_open_screen("history")
        history = self.app.get_screen("history")
        if hasattr(history, "show_session"):
            history.show_session(int(session_id))


def _fit(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
