"""The RSE results table: one row per target and set, plus each target's ``avg``."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from workbench.runs.rse import format_interval

COLUMNS = (("judge", "judge_mean"), ("style", "style"), ("logic", "logic"), ("content", "content"),
           ("lexical", "lexical"), ("2-gram", "ngram2"), ("embedding", "embedding"))


class RSEResultsTable(DataTable):
    """Fed with a run report (``run_report``); shows judge-only or human-adjusted scores."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_columns("target", "set", "n", *(label for label, _ in COLUMNS), "notes")

    def show_report(self, report: dict[str, Any] | None, *, human: bool = False) -> None:
        self.clear()
        if not report:
            return
        view = report["human_adjusted" if human else "judge_only"]
        for target, t in view["targets"].items():
            notes = []
            if t.get("needs_review"):
                notes.append(f"{t['needs_review']} need review")
            if t.get("errors"):
                notes.append(f"{t['errors']} failed")
            if t.get("human_reviewed"):
                notes.append(f"{t['human_reviewed']} by hand")
            for name, s in t["sets"].items():
                self.add_row(target, name, str(s["n_items"]), *(format_interval(s[key]) for _, key in COLUMNS),
                             ", ".join(notes), key=f"{target}|{name}")
            self.add_row(Text(target, style="bold"), Text("avg", style="bold"), "",
                         *(Text(format_interval(t["avg"][key]), style="bold") for _, key in COLUMNS), "",
                         key=f"{target}|avg")
