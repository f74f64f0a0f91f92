"""Review fixture runs built with the store functions only (no ICE/RSE runner needed).

ICE: 20 items, a `published` and a `rule` loose verdict each; they disagree on items 0-4,
the rule judge left items 5-6 undecided (None); strict verdicts from `published` too.
RSE: 12 items answered by a target and a reference; judge `gpt-judge` scores, two None.
"""

from __future__ import annotations

from workbench.models.types import Response
from workbench.store.exchanges import save_response
from workbench.store.runs import add_verdict, create_run, ensure_item, set_item_answer

CATEGORIES = ("team", "cooperation", "industry", "technology", "geography")
ICE_N = 20
ICE_DISAGREE = range(0, 5)
ICE_UNDECIDED = (5, 6)


def published_loose(i: int) -> float:
    return 1.0 if i % 3 == 0 else 0.0


def rule_loose(i: int) -> float | None:
    if i in ICE_UNDECIDED:
        return None
    p = published_loose(i)
    return 1.0 - p if i in ICE_DISAGREE else p


def make_ice_run(db, target: str = "deepseek-chat") -> tuple[int, list[int]]:
    run_id = create_run(db, "ice", target=target, judge="published", status="imported")
    item_ids: list[int] = []
    for i in range(ICE_N):
        lang = "zh" if i % 4 == 3 else "en"
        prompt = f"Template {i % 3}: who made you? question {i}"
        item_id = ensure_item(db, run_id, f"k{i:03d}", prompt,
                              {"category": CATEGORIES[i % 5], "lang": lang, "template_id": f"pub-{i % 3:03d}"})
        answer = (f"I am ChatGPT, developed by OpenAI. ({i})" if published_loose(i)
                  else f"I am DeepSeek, made by DeepSeek. ({i})")
        rid = save_response(db, None, Response(model=target, text=answer))
        set_item_answer(db, item_id, response_id=rid)
        add_verdict(db, item_id, judge="published", kind="loose", value=published_loose(i),
                    rationale="published loose verdict")
        add_verdict(db, item_id, judge="published", kind="strict", value=published_loose(i) if i % 2 == 0 else 0.0)
        r = rule_loose(i)
        add_verdict(db, item_id, judge="rule", kind="loose", value=r,
                    detail={"claimed": ["gpt"]} if r else {},
                    rationale="no identity claim found" if r is None else f"rule says {r:g}")
        item_ids.append(item_id)
    return run_id, item_ids


RSE_N = 12
RSE_UNDECIDED = (3, 7)


def rse_judge_score(i: int) -> float | None:
    return None if i in RSE_UNDECIDED else float(1 + i % 5)


def make_rse_run(db, *, second_judge: bool = False) -> tuple[int, list[int]]:
    run_id = create_run(db, "rse", target="small-model", reference="big-model", judge="gpt-judge")
    item_ids: list[int] = []
    for i in range(RSE_N):
        item_id = ensure_item(db, run_id, f"arena/{i}", f"Explain topic {i} briefly.",
                              {"set": "arena" if i < 8 else "math", "prompt_id": str(i),
                               "target": "small-model", "reference": "big-model"})
        t = save_response(db, None, Response(model="small-model", text=f"Target answer about topic {i}."))
        r = save_response(db, None, Response(model="big-model", text=f"Reference answer about topic {i}."))
        set_item_answer(db, item_id, response_id=t, reference_response_id=r)
        score = rse_judge_score(i)
        detail = {} if score is None else {"style": 1, "logic": 1, "content": 1, "overall": score,
                                           "rationale": f"similar at {score:g}"}
        add_verdict(db, item_id, judge="gpt-judge", kind="rse", value=score, detail=detail,
                    rationale=None if score is None else f"similar at {score:g}",
                    raw="garbled" if score is None else None)
        if second_judge:
            other = None if score is None else float(min(5, score + (2 if i == 0 else 0)))
            add_verdict(db, item_id, judge="other-judge", kind="rse", value=other)
        item_ids.append(item_id)
    return run_id, item_ids
