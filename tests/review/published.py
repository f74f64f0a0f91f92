"""A realistic ICE run for review tests and demos: a published release file, its loose
verdicts as judge "published", and the rule judge's verdicts beside them.

Built with the store functions and ``probes`` only, so it works whether or not the ICE
runner is installed. The data is read from ../shared/data (never copied into the repo).
"""

from __future__ import annotations

from pathlib import Path

from probes.ice.identity import fact_for
from probes.ice.published import find_strict_csv, load_published
from probes.judges import rule_judge
from workbench.models.types import Response
from workbench.store.exchanges import save_response
from workbench.store.runs import add_verdicts, create_run, ensure_item, set_item_answer


def build_published_run(db, results: str | Path, *, limit: int | None = None, rule: bool = True) -> int:
    pub = load_published(results, find_strict_csv(results))
    rows = pub.rows[:limit] if limit else pub.rows
    run_id = create_run(db, "ice", target=pub.target, judge="published", status="imported",
                        config={"source": str(results)})
    fact = fact_for(pub.target)
    verdicts: list[dict] = []
    with db.atomic():
        for r in rows:
            item_id = ensure_item(db, run_id, f"line-{r.line}", r.prompt,
                                  {"category": r.category, "lang": r.lang, "template_id": r.template_id,
                                   "question": r.query})
            rid = save_response(db, None, Response(model=pub.target, text=r.response))
            set_item_answer(db, item_id, response_id=rid)
            verdicts.append({"item_id": item_id, "judge": "published", "kind": "loose",
                             "value": 1.0 if r.loose else 0.0, "rationale": "published verdict (GPT-4o-mini)"})
            verdicts.append({"item_id": item_id, "judge": "published", "kind": "strict",
                             "value": 1.0 if r.strict else 0.0})
            if rule:
                v = rule_judge(r.response, fact, prompt=r.prompt)
                detail = {"claimed": list(v.claimed)}
                verdicts.append({"item_id": item_id, "judge": "rule", "kind": "loose",
                                 "value": 1.0 if v.loose else 0.0, "rationale": v.rationale, "detail": detail})
                verdicts.append({"item_id": item_id, "judge": "rule", "kind": "strict",
                                 "value": 1.0 if v.strict else 0.0, "rationale": v.rationale, "detail": detail})
        add_verdicts(db, verdicts)
    return run_id


if __name__ == "__main__":  # python -m tests.review.published FILE.jsonl DB
    import sys

    from workbench.store import open_db

    print(build_published_run(open_db(sys.argv[2]), sys.argv[1]))
