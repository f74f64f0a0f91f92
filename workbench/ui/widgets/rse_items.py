"""The RSE screen's items of one run: target, set, prompt, status, the measures and the verdict
that counts (the judge's, or the human one when human-adjusted scores are shown)."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


class RSEItemsTable(DataTable):
    """Fed with ``item_rows``; Enter opens an item (row key = item id)."""

    def on_mount(self) -> None:
        self.add_columns("item", "target", "set", "prompt", "status", "lexical", "2-gram", "embedding", "judge")

    def show(self, items: list[dict[str, Any]], *, human: bool) -> list[int]:
        """Fill the table (cursor kept); returns the item ids in row order."""
        cursor = self.cursor_row
        self.clear()
        item_ids = []
        for it in items:
            m = it["metrics"]
            j = it.get("judge")
            h = it.get("human")
            if h is not None and human:
                judge = f"{h['overall']:g} (human)"
            elif j is None:
                judge = "–"
            else:
                judge = "needs review" if j["needs_review"] else f"{j['overall']:g}"
            status = it["status"] if not m.get("error") else f"error: {m['error'][:40]}"
            self.add_row(str(it["item_id"]), it.get("target", ""), it.get("set", ""), it.get("prompt_id", ""),
                         status, *(_fmt(m.get(k)) for k in ("lexical", "ngram2", "embedding")), judge,
                         key=str(it["item_id"]))
            item_ids.append(it["item_id"])
        if self.row_count:
            self.move_cursor(row=min(cursor, self.row_count - 1))
        return item_ids
