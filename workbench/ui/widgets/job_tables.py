"""Tables of a job: its rounds, their budget accounting, and the teacher's latest samples."""

from __future__ import annotations

import json
from typing import Any

from textual.widgets import DataTable

ROUND_COLUMNS = (("round", 5), ("train", 6), ("gen", 5), ("kept", 5), ("tokens", 8), ("acc", 6),
                 ("F1", 6), ("loss", 6), ("secs", 7))
SAMPLE_COLUMNS = (("rnd", 3), ("kind", 6), ("label", 13), ("meant", 13), ("student", 13), ("kept", 22),
                  ("text", 200))
# Per teacher round: texts asked, parsed, dropped as echoes, left unlabelled, kept, kept with a
# label other than the one the teacher meant; its prompt and completion tokens; and the
# student's accuracy on the round's fresh samples before it trained on them.
ACCOUNTING_COLUMNS = (("round", 5), ("asked", 5), ("parsed", 6), ("echo", 4), ("unlab", 5), ("kept", 4),
                      ("relab", 5), ("prompt", 7), ("compl", 6), ("fresh", 5))


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


class AccountingTable(DataTable):
    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for label, width in ACCOUNTING_COLUMNS:
            self.add_column(label, width=width, key=label)

    def show(self, accounting: dict[int, dict[str, float]]) -> None:
        self.clear()
        for r in sorted(accounting):
            a = accounting[r]
            cells = [str(int(a.get(k, 0))) for k in ("asked", "parsed", "echoed", "unlabelled", "kept", "disagree",
                                                     "prompt_tokens", "completion_tokens")]
            fresh = a.get("fresh.accuracy")
            self.add_row(str(r), *cells, "-" if fresh is None else f"{fresh:.2f}", key=f"acct-{r}")


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
            intended = getattr(s, "intended", None)
            predicted = getattr(s, "predicted", None)
            self.add_row(str(s.round), s.kind, label_text(s.label),
                         "" if intended is None else label_text(intended),
                         "" if predicted is None else label_text(predicted), kept[:22],
                         " ".join(s.text.split())[:200], key=f"sample-{s.id}")
