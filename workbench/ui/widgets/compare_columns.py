"""Compare's grid: two to four answer columns side by side, one of them selected.

The exchange view shows a stored exchange's read-only columns in one too (it yields them
itself, with no models to start from).

The grid owns which columns exist, their numbering and which one is selected (a reactive:
setting it marks the column). What a column may be asked, and what to say when it cannot,
is the screen's business.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive

from workbench.ui.widgets.response_column import ResponseColumn

MIN_COLUMNS = 2
MAX_COLUMNS = 4


class CompareColumns(Horizontal):
    DEFAULT_CSS = """
    CompareColumns { height: 1fr; }
    """

    # Re-set after a column is added or removed, so always_update marks the new set.
    selected: reactive[int] = reactive(0, always_update=True, init=False)

    def __init__(self, models: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._models = models
        self._serial = 0

    def compose(self) -> ComposeResult:
        for index, model in enumerate(self._models, start=1):
            yield self.new_column(model, index)

    def new_column(self, model: str, index: int, **params: Any) -> ResponseColumn:
        # Ids never repeat, even after a column is removed (a removed id may still be pruned).
        self._serial += 1
        return ResponseColumn(model, index=index, id=f"col-{self._serial}", **params)

    @property
    def columns(self) -> list[ResponseColumn]:
        return list(self.query_children(ResponseColumn))

    @property
    def running(self) -> bool:
        return any(c.running for c in self.columns)

    def validate_selected(self, index: int) -> int:
        count = len(self.columns)
        return index % count if count else 0

    def watch_selected(self, index: int) -> None:
        for i, column in enumerate(self.columns):
            column.set_selected(i == index)

    def selected_column(self) -> ResponseColumn:
        columns = self.columns
        if self.selected >= len(columns):
            self.selected = len(columns) - 1
        return columns[self.selected]

    @on(ResponseColumn.Selected)
    def _column_selected(self, event: ResponseColumn.Selected) -> None:
        self.select_column(event.column)

    def select_column(self, column: ResponseColumn) -> None:
        columns = self.columns
        if column in columns:
            self.selected = columns.index(column)

    async def add(self, model: str, **params: Any) -> ResponseColumn:
        """A new column at the end, selected."""
        column = self.new_column(model, len(self.columns) + 1, **params)
        await self.mount(column)
        self.selected = len(self.columns) - 1
        return column

    async def remove_column(self, column: ResponseColumn) -> None:
        """Remove ``column``, number the rest 1.. again and keep a column selected."""
        await column.remove()
        for i, remaining in enumerate(self.columns, start=1):
            remaining.set_index(i)
        self.selected = min(self.selected, len(self.columns) - 1)

    async def replace(self, columns: list[ResponseColumn]) -> None:
        """Show ``columns`` (made with new_column) instead of the current ones; the first is selected."""
        await self.remove_children()
        await self.mount_all(columns)
