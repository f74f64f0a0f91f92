"""A run as a labelled set: every item with every verdict, for calibrating judges.

JSONL: one object per item, with the standing verdict of each judge per kind, the standing
human label, and the full verdict history (retracted reviews and retractions included).
CSV: one row per item, one column per judge and kind (value and rationale), the human label
with author, time and reason. Both carry the texts, so the file stands on its own.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlite_utils import Database

from workbench.review.queue import ReviewItem, ReviewRun, load_review_run
from workbench.store.runs import HUMAN, VerdictRow

FORMATS = ("jsonl", "csv")


def _verdict_dict(v: VerdictRow, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"id": v.id, "judge": v.judge, "kind": v.kind, "value": v.value,
                           "rationale": v.rationale, "created": v.created}
    if v.detail:
        out["detail"] = v.detail
    if v.judge == HUMAN:
        out.update(author=v.author, reason=v.reason)
        if v.retracts is not None:
            out["retracts"] = v.retracts
    if full and v.raw is not None:
        out["raw"] = v.raw
    return out


def item_record(review_run: ReviewRun, item: ReviewItem) -> dict[str, Any]:
    verdicts: dict[str, dict[str, Any]] = {}
    for kind, standing in sorted(item.standing_by_kind.items()):
        verdicts[kind] = {judge: _verdict_dict(v) for judge, v in standing.by_judge.items()}
    human = item.human
    return {
        "run_id": review_run.id,
        "run_kind": review_run.kind,
        "target": item.meta.get("target") or review_run.run.target,
        "reference_model": review_run.run.reference if review_run.kind == "rse" else None,
        "item_id": item.id,
        "key": item.key,
        "meta": item.meta,
        "prompt": item.prompt,
        "response": item.response,
        "reference": item.reference,
        "verdicts": verdicts,
        "label": human.value if human else None,
        "human": _verdict_dict(human) if human else None,
        "history": [_verdict_dict(v, full=True) for v in item.rows],
    }


def to_jsonl(review_run: ReviewRun, *, reviewed_only: bool = False) -> str:
    lines = [json.dumps(item_record(review_run, it), ensure_ascii=False, sort_keys=True)
             for it in review_run.items if it.reviewed or not reviewed_only]
    return "".join(line + "\n" for line in lines)


def _judge_columns(review_run: ReviewRun) -> list[tuple[str, str]]:
    """(kind, judge) pairs present in the run, reviewed kind first."""
    seen: list[tuple[str, str]] = []
    for it in review_run.items:
        for kind, standing in it.standing_by_kind.items():
            for judge in standing.by_judge:
                if (kind, judge) not in seen:
                    seen.append((kind, judge))
    return sorted(seen, key=lambda kj: (kj[0] != review_run.verdict_kind, kj[0]))


def to_csv(review_run: ReviewRun, *, reviewed_only: bool = False) -> str:
    pairs = _judge_columns(review_run)
    header = ["run_id", "run_kind", "item_id", "key", "target", "category", "lang", "template_id",
              "prompt", "response", "reference"]
    for kind, judge in pairs:
        header += [f"{judge}.{kind}", f"{judge}.{kind}.rationale"]
    header += ["human", "human_author", "human_created", "human_reason", "human_reviews", "human_retractions"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for it in review_run.items:
        if reviewed_only and not it.reviewed:
            continue
        row: list[Any] = [review_run.id, review_run.kind, it.id, it.key,
                          it.meta.get("target") or review_run.run.target or "", it.category,
                          it.meta.get("lang", ""), it.meta.get("template_id", ""),
                          it.prompt, it.response, it.reference or ""]
        for kind, judge in pairs:
            v = it.standing_by_kind.get(kind)
            row_v = v.by_judge.get(judge) if v else None
            row += [_cell(row_v.value if row_v else None), (row_v.rationale or "") if row_v else ""]
        human = it.human
        humans = [v for v in it.rows if v.judge == HUMAN]
        row += [_cell(human.value if human else None), human.author if human else "",
                human.created if human else "", (human.reason or "") if human else "",
                sum(1 for v in humans if v.retracts is None), sum(1 for v in humans if v.retracts is not None)]
        writer.writerow(row)
    return buf.getvalue()


def _cell(value: float | None) -> str:
    # Empty means "no verdict / needs review"; integral values print without ".0".
    if value is None:
        return ""
    return f"{value:g}"


def export_run(db: Database, run_id: int, fmt: str, *, reviewed_only: bool = False) -> tuple[str, int]:
    """(text, number of items written)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use {' or '.join(FORMATS)}")
    review_run = load_review_run(db, run_id, texts=True)
    text = (to_jsonl if fmt == "jsonl" else to_csv)(review_run, reviewed_only=reviewed_only)
    count = sum(1 for it in review_run.items if it.reviewed or not reviewed_only)
    return text, count
