"""Pick the run to review: every ICE and RSE run with its counts and both scores.

The table appears at once from the runs table; reviewed counts and scores fill in from a
worker thread run by run, so a database with many large runs never blocks the picker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from workbench.review.queue import REVIEW_KINDS

if TYPE_CHECKING:
    from textual import getters

    from workbench.ui.app import WorkbenchApp

COLUMNS = ("id", "kind", "target", "judges", "items", "reviewed", "judge-only", "adjusted", "status", "created")


def _num(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if kind == "ice" else f"{value:.2f}"


class ReviewRunPicker(ModalScreen[int | None]):
    DEFAULT_CSS = """
    ReviewRunPicker { align: center middle; }
    ReviewRunPicker > Vertical { width: 95%; height: 80%; border: round $accent; background: $surface; }
    ReviewRunPicker DataTable { height: 1fr; }
    ReviewRunPicker #review-runs-empty { color: $text-muted; padding: 1 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="review_runs.cancel"),
        Binding("enter", "choose", "Review", id="review_runs.choose", show=False),
    ]

    if TYPE_CHECKING:  # a typed self.app for the type checker (see WorkbenchScreen)
        app = getters.app(WorkbenchApp)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Runs to review (enter opens, escape closes)"
            table: DataTable[Any] = DataTable(id="review-runs", cursor_type="row", zebra_stripes=True)
            for name in COLUMNS:
                table.add_column(name, key=name)
            yield table
            yield Static("", id="review-runs-empty")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._load()

    @work(thread=True, exclusive=True, group="review-runs")
    def _load(self) -> None:
        from workbench.review.queue import load_review_run
        from workbench.review.stats import compute_stats
        from workbench.store.runs import list_runs

        db = self.app.read_db()
        try:
            runs = [r for r in list_runs(db) if r.kind in REVIEW_KINDS]
            self.app.call_from_thread(self._fill, runs)
            for run in runs:
                try:
                    stats = compute_stats(load_review_run(db, run.id, texts=False))
                except Exception as exc:  # one unreadable run must not hide the others
                    stats = {"error": str(exc)}
                self.app.call_from_thread(self._fill_stats, run.id, stats)
        finally:
            db.close()

    def _fill(self, runs: list[Any]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for r in runs:
            target = r.target or "?"
            if r.kind == "rse" and r.reference:
                target = f"{target} vs {r.reference}"
            table.add_row(str(r.id), r.kind, target, r.judge or "", "…", "…", "…", "…", r.status,
                          r.created[:16].replace("T", " "), key=str(r.id))
        self.query_one("#review-runs-empty", Static).update(
            "" if runs else "No ICE or RSE runs yet. Import published ICE results with "
            "`workbench ice import FILE.jsonl`, or start a probe on the ICE (f4) or RSE (f5) screen.")

    def _fill_stats(self, run_id: int, stats: dict[str, Any]) -> None:
        table = self.query_one(DataTable)
        key = str(run_id)
        if key not in table.rows:
            return
        if "error" in stats:
            table.update_cell(key, "items", "error", update_width=True)
            return
        kind = stats["kind"]
        table.update_cell(key, "judges", ", ".join(stats["judges"]) or "—", update_width=True)
        table.update_cell(key, "items", str(stats["n"]), update_width=True)
        table.update_cell(key, "reviewed", str(stats["reviewed"]), update_width=True)
        table.update_cell(key, "judge-only", _num(stats["judge_score"], kind), update_width=True)
        table.update_cell(key, "adjusted", _num(stats["adjusted_score"], kind), update_width=True)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.dismiss(int(event.row_key.value))

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            # Every row is added with its run id as key.
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key is not None:
                self.dismiss(int(key))

    def action_cancel(self) -> None:
        self.dismiss(None)
