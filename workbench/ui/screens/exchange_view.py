"""A stored exchange side by side again: its prompt, read-only answer columns and their similarity."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.ui.keys import action_binding
from workbench.ui.widgets.compare_columns import CompareColumns
from workbench.ui.widgets.response_column import ResponseColumn
from workbench.ui.widgets.screen_base import WorkbenchScreen
from workbench.ui.widgets.similarity_strip import SimilarityStrip


class ExchangeViewScreen(WorkbenchScreen):
    DEFAULT_CSS = """
    ExchangeViewScreen #exchange-head { height: 1; padding: 0 1; color: $text-muted; }
    ExchangeViewScreen #exchange-prompt {
        height: auto; max-height: 8; padding: 0 1; border: round $panel-lighten-2;
    }
    ExchangeViewScreen #exchange-columns { height: 1fr; }
    ExchangeViewScreen #exchange-empty { padding: 1 2; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="exchange.back"),
        Binding("ctrl+l", "next_column", "Next column", id="exchange.next_column"),
        action_binding("copy", "copy", "Copy", id="exchange.copy"),
        action_binding("diff", "diff", "Diff", id="exchange.diff"),
        action_binding("export", "export", "Export", id="exchange.export"),
        action_binding("resume", "open_in_compare", "In Compare", id="exchange.compare"),
        *[Binding(str(n), f"select_column({n - 1})", f"Column {n}", show=False, id=f"exchange.select_{n}")
          for n in range(1, 10)],
    ]
    PALETTE_ACTIONS = (
        ("Exchange: copy column", "copy the selected answer", "copy"),
        ("Exchange: diff columns", "word-level diff of two answers", "diff"),
        ("Exchange: export", "write this exchange (or its session) to Markdown or JSONL", "export"),
        ("Exchange: open in Compare", "load prompt, models and answers into Compare", "open_in_compare"),
    )

    def __init__(self, exchange: Any, *, embeddings: bool = True) -> None:
        """``exchange`` is a stored ExchangeRow with its responses attached."""
        super().__init__()
        self.exchange = exchange
        self.embeddings = embeddings

    def compose_body(self) -> ComposeResult:
        e = self.exchange
        yield Static(f"exchange {e.id} · session {e.session_id} · {e.created[:19].replace('T', ' ')}",
                     id="exchange-head")
        with VerticalScroll(id="exchange-prompt"):
            if e.system:
                yield Static(f"system: {e.system}", classes="muted", markup=False)
            yield Static(e.prompt, markup=False)
        with CompareColumns([], id="exchange-columns"):
            for index, row in enumerate(e.responses, start=1):
                yield ResponseColumn(row.model, index=index, temperature=row.params.get("temperature"),
                                     max_tokens=row.params.get("max_tokens"), read_only=True,
                                     id=f"exchange-col-{index}")
            if not e.responses:
                yield Static("This exchange has no stored answers.", id="exchange-empty")
        yield SimilarityStrip(embeddings=self.embeddings, id="exchange-similarity")

    @property
    def grid(self) -> CompareColumns:
        return self.query_one("#exchange-columns", CompareColumns)

    @property
    def columns(self) -> list[ResponseColumn]:
        return self.grid.columns

    @property
    def selected(self) -> int:
        return self.grid.selected

    async def on_mount(self) -> None:
        for column, row in zip(self.columns, self.exchange.responses):
            await column.show_stored(row)
        self.grid.selected = 0
        if len(self.columns) >= 2:
            self.query_one(SimilarityStrip).compare([str(c.index) for c in self.columns],
                                                    [c.text for c in self.columns])

    def action_next_column(self) -> None:
        self.grid.selected = self.selected + 1

    def action_select_column(self, index: int) -> None:
        if index < len(self.columns):
            self.grid.selected = index

    def action_back(self) -> None:
        self.dismiss()

    def action_copy(self) -> None:
        if not self.columns:
            self.notify("no answers to copy", severity="warning")
            return
        column = self.columns[self.selected]
        if not column.text:
            self.notify(f"column {column.index} is empty: nothing to copy", severity="warning")
            return
        self.app.copy_to_clipboard(column.text)
        self.notify(f"copied column {column.index} ({len(column.text)} characters)")

    def action_diff(self) -> None:
        from workbench.ui.screens.diff_view import DiffScreen

        columns = self.columns
        if len(columns) < 2:
            self.notify("diff needs two answers; this exchange has fewer", severity="error")
            return
        pairs = [(f"{c.index} · {c.model}", c.text) for c in columns]
        self.app.push_screen(DiffScreen(pairs, left=self.selected, right=self.selected + 1))

    def action_export(self) -> None:
        from workbench.ui.widgets.compare_dialogs import start_export

        start_export(self, self.exchange.session_id, self.exchange.id)

    def action_open_in_compare(self) -> None:
        exchange = self.exchange
        self.dismiss()
        self.app.action_open_screen("compare")
        compare = self.app.get_screen("compare")
        if hasattr(compare, "show_exchange"):
            compare.show_exchange(exchange)
