"""Home: recent sessions and the ways into every screen."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from workbench.ui.hints import bound_key
from workbench.ui.registry import SCREENS
from workbench.ui.widgets.screen_base import WorkbenchScreen


class HomeScreen(WorkbenchScreen):
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="home.reload"),
        Binding("enter", "open_session", "Open", id="home.open", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        lines = "  ".join(f"[b]{bound_key(self.app, f'app.open.{e.name}', e.key)}[/b] {e.title}"
                          for e in SCREENS if e.name != "home")
        palette = bound_key(self.app, "app.palette", "ctrl+p")
        yield Static(f"{lines}   [b]{palette}[/b] palette", id="home-keys")
        yield Static("Recent sessions", classes="section-title")
        table = DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        table.add_columns("id", "kind", "title", "exchanges", "created")
        yield table
        yield Static("", id="home-empty")

    def on_mount(self) -> None:
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load_sessions()

    @work(thread=True, exclusive=True, group="home-load")
    def _load_sessions(self) -> None:
        from workbench.store.exchanges import list_sessions

        db = self.app.open_db()
        try:
            rows = list_sessions(db, limit=100)
        finally:
            db.close()
        self.app.call_from_thread(self._fill, rows)

    def _fill(self, rows: list) -> None:
        table = self.query_one("#sessions", DataTable)
        table.clear()
        for s in rows:
            table.add_row(str(s.id), s.kind, s.title, str(s.exchanges), s.created[:19].replace("T", " "),
                          key=str(s.id))
        empty = self.query_one("#home-empty", Static)
        compare_key = bound_key(self.app, "app.open.compare", "f2")
        empty.update("" if rows else f"No sessions yet. Press {compare_key} to compare models, or run "
                     "`workbench ask -m local/smollm2-135m-instruct \"Hello\"`.")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.row_key.value)

    def action_open_session(self) -> None:
        table = self.query_one("#sessions", DataTable)
        if table.row_count:
            self._open(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _open(self, session_id: str | None) -> None:
        if session_id is None:
            return
        self.app.action_open_screen("history")
        history = self.app.get_screen("history")
        if hasattr(history, "show_session"):
            history.show_session(int(session_id))
