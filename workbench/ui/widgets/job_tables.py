"""Tables of a job: its rounds, and the teacher's latest samples with their labels."""

from __future__ import annotations

import json
from typing import Any

from textual.widgets import DataTable

ROUND_COLUMNS = (("round", 5), ("train", 6), ("gen", 5), ("kept", 5), ("tokens", 8), ("acc", 6),
                 ("F1", 6), ("loss", 6), ("secs", 7))
SAMPLE_COLUMNS = (("rnd", 3), ("kind", 6), ("label", 14), ("kept", 24), ("text", 200))


class RoundsTable(DataTable):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for label, width in ROUND_COLUMNS:
            self.add_column(label, width=width, key=label)

    def show(self, rounds: list[Any], full_shot: dict[str, Any] | None = None) -> None:
        self.clear()
        for r in rounds:
            self.add_row(str(r.round), str(r.train_size), str(r.generated), str(r.kept), str(r.teacher_tokens),
                         f"{r.accuracy:.3f}", f"{r.macro_f1:.3f}", "-" if r.loss is None else f"{r.loss:.3f}",
                         f"{r.seconds:.1f}", key=f"round-{r.round}")
        if full_shot:
            self.add_row("full", str(full_shot.get("train_size", "")), "", "", "",
                         f"{full_shot['accuracy']:.3f}", f"{full_shot['macro_f1']:.3f}", "",
                         f"{full_shot.get('seconds', 0):.1f}", key="full-shot")


def label_text(label: str | None) -> str:
    if label is None:
        return "-"
    if label.startswith("["):
        try:
            tags = json.loads(label)
            return " ".join(t for t in tags if t != "O")[:40] or "O"
        except json.JSONDecodeError:
            pass
    return label


class SamplesTable(DataTable):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for label, width in SAMPLE_COLUMNS:
            self.add_column(label, width=width, key=label)

    def show(self, samples: list[Any]) -> None:
        self.clear()
        for s in samples:
            kept = "✓" if s.kept else f"✗ {s.reason or ''}"
            self.add_row(str(s.round), s.kind, label_text(s.label), kept[:24], " ".join(s.text.split())[:200],
                         key=f"sample-{s.id}")
