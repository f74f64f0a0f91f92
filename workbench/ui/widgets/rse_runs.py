"""The RSE screen's past runs: one row per run, newest first; Enter opens one (row key = run id)."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable


class RSERunsTable(DataTable):
    """Fed with ``list_rse_runs``; keeps the cursor's row across reloads."""

    def on_mount(self) -> None:
        self.add_columns("run", "status", "items", "reference", "targets", "judge", "sets", "created")

    def show(self, runs: list[dict[str, Any]]) -> None:
        cursor = self.cursor_row
        self.clear()
        for r in runs:
            self.add_row(str(r["run_id"]), r["status"], f"{r['answered']}/{r['total']}", r["reference"],
                         ", ".join(r["targets"]), r["judge"], ", ".join(r["sets"]),
                         (r["created"] or "")[:19].replace("T", " "), key=str(r["run_id"]))
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))
