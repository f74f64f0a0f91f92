"""Scores of a stored ICE run, judge-only and human-adjusted, read from the verdict history.

Which verdicts count: for each answered item, the latest verdict of one judge (the run's
primary judge unless another is named). A human review (``judge="human"``, ``kind="loose"``)
replaces the judge's loose verdict in the human-adjusted view; a human "negative" makes the
strict verdict negative too, since an answer without a conflict cannot claim another family.
"""

from __future__ import annotations

from typing import Any

from workbench.store.runs import (ItemRow, RunRow, StandingVerdicts, current_verdicts, get_run,
                                  run_items)

from .engine import effective_status
from .ice_judging import PUBLISHED

# The keys every summary view carries (the required keys plus intervals).
SCORE_KEYS = ("n", "loose", "strict", "hard", "loose_count", "strict_count", "hard_count",
              "loose_ci", "strict_ci", "hard_ci", "loose_upper", "strict_upper", "hard_upper",
              "needs_review", "loose_needs_review", "strict_needs_review", "inconsistent",
              "by_category", "by_language", "by_template")


def _bool(v: float | None) -> bool | None:
    return None if v is None else v >= 0.5


def run_templates(run: RunRow) -> dict[str, dict[str, Any]]:
    """template id -> {"text", "style", and fuzz fields when the run searched}."""
    out: dict[str, dict[str, Any]] = {}
    for tid, t in (run.state.get("templates") or {}).items():
        out[tid] = dict(t)
    fuzz = run.state.get("fuzz") or {}
    for node in fuzz.get("templates", []):
        out[node["id"]] = {"text": node["text"], "style": node.get("style"),
                           "parent_id": node.get("parent_id"), "operator": node.get("operator"),
                           "level": node.get("level", 0), "alive": node.get("alive", True),
                           "visits": node.get("visits", 0), "reward": node.get("reward", 0.0)}
    return out


def _score_item(item: ItemRow, loose: StandingVerdicts | None, strict: StandingVerdicts | None,
                judge: str, *, human: bool, templates: dict[str, dict]) -> dict[str, Any]:
    lv = loose.by_judge.get(judge) if loose else None
    sv = strict.by_judge.get(judge) if strict else None
    lval = _bool(lv.value) if lv else None
    sval = _bool(sv.value) if sv else None
    claimed = list((sv.detail or {}).get("claimed") or []) if sv else []
    if human and loose is not None and loose.human is not None and loose.human.value is not None:
        lval = _bool(loose.human.value)
        if lval is False:
            sval = False
    meta = item.meta or {}
    tid = str(meta.get("template_id") or "")
    prompt = item.prompt
    row: dict[str, Any] = {"prompt": prompt, "category": meta.get("category") or "unknown",
                           "lang": meta.get("lang") or "en", "template_id": tid,
                           "loose": lval, "strict": sval, "claimed": claimed}
    if judge == PUBLISHED:
        from probes.ice.published import PUBLISHED_CLAIMED_TERMS

        # The paper's hard figure: its fixed terms in template + "\n" + question.
        text = (templates.get(tid) or {}).get("text")
        if text is not None and meta.get("question") is not None:
            row["prompt"] = f"{text}\n{meta['question']}"
        row["hard_terms"] = list(PUBLISHED_CLAIMED_TERMS)
        row["claimed"] = list(PUBLISHED_CLAIMED_TERMS) if sval else []
    return row


def _view(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from probes.ice.scores import ice_scores

    scores = ice_scores(rows)
    return {k: scores[k] for k in SCORE_KEYS if k in scores}


def judges_of(db: Any, run_id: int) -> list[str]:
    return [r["judge"] for r in db.query(
        """select v.judge, min(v.id) as first from verdicts v join run_items i on i.id = v.item_id
           where i.run_id = ? and v.judge != 'human' group by v.judge order by first""", [run_id])]


def summarize(db: Any, run_id: int, *, human: bool = False, judge: str | None = None) -> dict:
    """The JSON summary of an ICE run (see module doc for which verdicts count)."""
    run = get_run(db, run_id)
    if run is None:
        raise LookupError(f"no run {run_id}: list runs with `workbench ice runs`")
    if run.kind != "ice":
        raise LookupError(f"run {run_id} is a {run.kind} run, not ice")
    judge_name = judge or run.judge or "rule"
    all_items = run_items(db, run_id)
    items = [i for i in all_items if i.status == "answered"]
    loose = current_verdicts(db, run_id, "loose")
    strict = current_verdicts(db, run_id, "strict")
    templates = run_templates(run)

    judge_rows = [_score_item(i, loose.get(i.id), strict.get(i.id), judge_name, human=False,
                              templates=templates) for i in items]
    human_rows = [_score_item(i, loose.get(i.id), strict.get(i.id), judge_name, human=True,
                              templates=templates) for i in items]
    judge_view = _view(judge_rows)
    human_view = _view(human_rows)
    reviewed = sum(1 for i in items if (s := loose.get(i.id)) is not None and s.human is not None
                   and s.human.value is not None)

    out: dict[str, Any] = {
        "run_id": run.id, "kind": "ice", "target": run.target, "judge": judge_name,
        "primary_judge": run.judge, "status": effective_status(db, run), "error": run.error,
        "created": run.created, "finished": run.finished,
        "fact": (run.config.get("fact") or {}).get("text"),
        "items": len(all_items), "answered": len(items),
        "errors": sum(1 for i in all_items if i.status == "error"),
        "view": "human_adjusted" if human else "judge_only",
    }
    out.update(human_view if human else judge_view)
    out["reviewed"] = reviewed
    if human:
        out["judge_only"] = judge_view
    out["human_adjusted"] = human_view
    out["judges"] = judges_of(db, run_id)
    out["leaderboard"] = leaderboard(out["by_template"], templates)
    for key in ("budget", "helper", "langs", "no_fuzz", "max_tokens", "seed", "source"):
        if key in run.config:
            out[key] = run.config[key]
    fuzz = run.state.get("fuzz")
    if fuzz:
        out["queries_used"] = fuzz.get("queries_used", 0)
        out["fuzz_steps"] = fuzz.get("step", 0)
        out["mutants"] = sum(1 for t in fuzz.get("templates", []) if t.get("parent_id"))
    if run.state.get("rejudges"):
        out["rejudges"] = run.state["rejudges"]
    return out


def leaderboard(by_template: dict[str, dict], templates: dict[str, dict], limit: int | None = None
                ) -> list[dict[str, Any]]:
    """Templates by share of loose positives (then strict), with their search lineage."""
    rows = []
    for tid, g in by_template.items():
        t = templates.get(tid) or {}
        rows.append({"template_id": tid, "n": g["n"], "loose": g["loose"],
                     "loose_count": g["loose_count"], "loose_ci": g["loose_ci"],
                     "strict": g["strict"], "strict_count": g["strict_count"],
                     "hard": g["hard"], "hard_count": g["hard_count"],
                     "style": t.get("style"), "operator": t.get("operator"),
                     "parent_id": t.get("parent_id"), "level": t.get("level", 0)})
    rows.sort(key=lambda r: (-r["loose"], -r["strict"], -r["n"], r["template_id"]))
    return rows[:limit] if limit else rows


def run_overview(db: Any, run: RunRow) -> dict[str, Any]:
    """A cheap line for run lists: counts by the primary judge without the breakdowns."""
    judge = run.judge or "rule"
    n = next(iter(db.query(
        "select count(*) as n from run_items where run_id = ? and status = 'answered'", [run.id])))["n"]
    counts: dict[str, int] = {}
    for kind in ("loose", "strict"):
        row = next(iter(db.query(
            """select count(*) as k from verdicts where id in (
                 select max(v.id) from verdicts v join run_items i on i.id = v.item_id
                 where i.run_id = ? and i.status = 'answered' and v.judge = ? and v.kind = ?
                 group by v.item_id) and value >= 0.5""", [run.id, judge, kind])))
        counts[kind] = row["k"]
    reviewed = 0
    has_human = next(iter(db.query(
        """select count(*) as k from verdicts v join run_items i on i.id = v.item_id
           where i.run_id = ? and v.judge = 'human'""", [run.id])))["k"]
    if has_human:  # undo rows make the standing count a walk over the history
        from workbench.store.runs import HUMAN, run_verdicts, standing_from_rows

        standing = standing_from_rows([v for v in run_verdicts(db, run.id, "loose") if v.judge == HUMAN])
        reviewed = sum(1 for s in standing.values() if s.human is not None and s.human.value is not None)
    return {"run_id": run.id, "target": run.target, "judge": judge, "status": effective_status(db, run),
            "n": n, "loose_count": counts["loose"], "strict_count": counts["strict"],
            "loose": counts["loose"] / n if n else 0.0, "strict": counts["strict"] / n if n else 0.0,
            "helper": run.config.get("helper"), "budget": run.config.get("budget"),
            "source": run.config.get("source", "run"), "reviewed": reviewed,
            "created": run.created, "finished": run.finished, "error": run.error}


def recent_answers(db: Any, run_id: int, judge: str, limit: int = 200) -> list[dict[str, Any]]:
    """The latest answered items, newest first, with ``judge``'s standing verdicts."""
    from workbench.store.db import loads

    rows = db.query(
        """select i.id, i.key, i.meta, i.status, r.text,
             (select value from verdicts v where v.item_id = i.id and v.judge = ? and v.kind = 'loose'
              order by v.id desc limit 1) as loose,
             (select value from verdicts v where v.item_id = i.id and v.judge = ? and v.kind = 'strict'
              order by v.id desc limit 1) as strict,
             (select count(*) from verdicts v where v.item_id = i.id and v.judge = 'human') as reviews
           from run_items i left join responses r on r.id = i.response_id
           where i.run_id = ? and i.status = 'answered' order by i.id desc limit ?""",
        [judge, judge, run_id, limit])
    rows = list(rows)
    human: dict[int, float | None] = {}
    if any(r["reviews"] for r in rows):  # undo rows: what stands needs the history
        from workbench.store.runs import HUMAN, run_verdicts, standing_from_rows

        standing = standing_from_rows([v for v in run_verdicts(db, run_id, "loose") if v.judge == HUMAN])
        human = {i: s.human.value for i, s in standing.items() if s.human is not None}
    out = []
    for r in rows:
        meta = loads(r["meta"], {})
        out.append({"item_id": r["id"], "key": r["key"], "text": r["text"] or "",
                    "loose": r["loose"], "strict": r["strict"], "human": human.get(r["id"]),
                    "template_id": meta.get("template_id"), "question_id": meta.get("question_id"),
                    "question": meta.get("question"), "lang": meta.get("lang"),
                    "category": meta.get("category")})
    return out


def answer_detail(db: Any, item_id: int) -> dict[str, Any] | None:
    """One item in full: prompt, answer, and every verdict row (oldest first)."""
    from workbench.store.exchanges import get_response
    from workbench.store.runs import get_item, item_verdicts

    item = get_item(db, item_id)
    if item is None:
        return None
    response = get_response(db, item.response_id) if item.response_id else None
    return {
        "item_id": item.id, "run_id": item.run_id, "key": item.key, "prompt": item.prompt,
        "meta": item.meta, "status": item.status,
        "response": None if response is None else {
            "id": response.id, "model": response.model, "text": response.text,
            "status": response.status, "error": response.error,
            "completion_tokens": response.completion_tokens, "created": response.created},
        "verdicts": [{"id": v.id, "judge": v.judge, "kind": v.kind, "value": v.value,
                      "rationale": v.rationale, "raw": v.raw, "detail": v.detail,
                      "author": v.author, "reason": v.reason, "retracts": v.retracts,
                      "created": v.created} for v in item_verdicts(db, item_id)],
    }
