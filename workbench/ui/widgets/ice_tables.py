"""The ICE screen's tables: latest answers, template leaderboard, past runs."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

MAX_ANSWER_ROWS = 500


def verdict_cell(value: float | None) -> Text:
    if value is None:
        return Text("review", style="yellow")
    return Text("yes", style="bold red") if value >= 0.5 else Text("no", style="green")


def _one_line(text: str | None, width: int) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class ICEAnswers(DataTable):
    """Answers, newest at the bottom; Enter opens one in full (RowSelected carries the item id)."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("#", key="id")
        self.add_column("template", key="template")
        self.add_column("question", key="question")
        self.add_column("lang", key="lang")
        self.add_column("loose", key="loose")
        self.add_column("strict", key="strict")
        self.add_column("human", key="human")
        self.add_column("answer", key="answer")

    def add_answer(self, a: dict[str, Any]) -> None:
        key = str(a["item_id"])
        if key in self.rows:
            return
        follow = self.row_count == 0 or self.cursor_row >= self.row_count - 1
        self.add_row(key, a.get("template_id") or "", a.get("question_id") or "", a.get("lang") or "",
                     verdict_cell(a.get("loose")), verdict_cell(a.get("strict")),
                     "" if a.get("human") is None else verdict_cell(a["human"]),
                     _one_line(a.get("text"), 90), key=key)
        while self.row_count > MAX_ANSWER_ROWS:
            first = next(iter(self.rows))
            self.remove_row(first)
        if follow:
            self.move_cursor(row=self.row_count - 1)

    def load(self, answers_newest_first: list[dict[str, Any]]) -> None:
        self.clear()
        for a in reversed(answers_newest_first):
            self.add_answer(a)

    def selected_item_id(self) -> int | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None


class ICELeaderboard(DataTable):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("template", "loose", "n", "strict", "hard", "lineage")

    def show(self, rows: list[dict[str, Any]]) -> None:
        self.clear()
        for r in rows[:50]:
            lineage = f"{r['operator']} of {r['parent_id']}" if r.get("operator") else (r.get("style") or "")
            self.add_row(r["template_id"], f"{r['loose']:.2f}", str(r["n"]), str(r["strict_count"]),
                         str(r["hard_count"]), lineage, key=r["template_id"])


class ICERuns(DataTable):
    """Past ICE runs; Enter opens one (RowSelected carries the run id)."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_columns("run", "status", "target", "judge", "n", "loose", "strict", "reviewed", "created")

    def show(self, rows: list[dict[str, Any]]) -> None:
        self.clear()
        for r in rows:
            self.add_row(str(r["run_id"]), r["status"], str(r["target"]), str(r["judge"]), str(r["n"]),
                         f"{r['loose']:.3f} ({r['loose_count']})", f"{r['strict']:.3f} ({r['strict_count']})",
                         str(r.get("reviewed", 0)), str(r["created"])[:19].replace("T", " "),
                         key=str(r["run_id"]))

    def selected_run_id(self) -> int | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None
