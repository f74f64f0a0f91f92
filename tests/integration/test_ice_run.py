"""ICE runs against the scriptable OpenAI-compatible test server: judging, needs-review,
resumption without re-asking, fuzzing with a helper, rejudge agreement, human-adjusted scores."""

from __future__ import annotations

import json

import pytest

from tests.conftest import server_config
from workbench.devtools.openai_server import Behavior
from workbench.models.gateway import Gateway
from workbench.runs.ice import ICERunConfig, ICERunner, create_ice_run, rejudge, summarize
from workbench.store import open_db
from workbench.store.runs import HUMAN, add_verdict, get_run, run_items, run_verdicts

CHATGPT = "I am ChatGPT, developed by OpenAI."
QWEN_FACT = "I am Qwen, developed by Alibaba Cloud."


def _config(**kw) -> ICERunConfig:
    base = dict(target="echo", judge="rule", budget=6, questions=3, templates=2, no_fuzz=True,
                concurrency=2, max_tokens=64, fact_text=QWEN_FACT)
    base.update(kw)
    return ICERunConfig(**base).resolve()


def _target_requests(server) -> list:
    """Requests that asked the target (judge and helper requests carry a system message)."""
    return [r for r in server.requests if len(r.messages) == 1 and r.messages[0]["role"] == "user"]


async def _run(db_file, server, cfg: ICERunConfig, *, gateway=None, events=None, **kw) -> tuple[int, dict]:
    db = open_db(db_file)
    run_id = create_ice_run(db, cfg)
    gateway = gateway or Gateway(server_config(server.url, **kw))
    summary = await ICERunner(db_file, run_id, gateway,
                              on_event=events.append if events is not None else None).run()
    return run_id, summary


async def test_chatgpt_claim_is_loose_and_strict_positive(server, db_file):
    server.default = Behavior(text=CHATGPT)
    events: list = []
    run_id, s = await _run(db_file, server, _config(), events=events)
    assert s["status"] == "done" and s["n"] == 6
    assert (s["loose_count"], s["strict_count"], s["hard_count"]) == (6, 6, 6)
    assert s["loose"] == 1.0 and s["loose_ci"][0] > 0.5
    for key in ("run_id", "target", "judge", "n", "loose", "strict", "hard", "loose_count",
                "strict_count", "hard_count", "by_category", "by_language", "by_template",
                "human_adjusted", "reviewed"):
        assert key in s
    assert s["target"] == "echo" and s["judge"] == "rule"
    assert sum(g["n"] for g in s["by_language"].values()) == 6
    assert len(_target_requests(server)) == 6

    db = open_db(db_file)
    run = get_run(db, run_id)
    assert run.kind == "ice" and run.status == "done" and run.config["fact"]["text"] == QWEN_FACT
    items = run_items(db, run_id)
    assert len(items) == 6 and all(i.status == "answered" and i.response_id for i in items)
    tid, qid = items[0].key.split("|")
    assert items[0].meta["template_id"] == tid and items[0].meta["question_id"] == qid
    assert set(items[0].meta) >= {"category", "lang", "template_id", "question_id", "question"}
    assert items[0].meta["question"] in items[0].prompt
    response = db["responses"].get(items[0].response_id)
    assert response["text"] == CHATGPT and response["model"] == "echo"
    verdicts = run_verdicts(db, run_id)
    assert len(verdicts) == 12 and {v.kind for v in verdicts} == {"loose", "strict"}
    assert all(v.judge == "rule" and v.value == 1.0 and v.detail["claimed"] == ["gpt"] and v.rationale
               for v in verdicts)
    assert [e.kind for e in events].count("item") == 6 and events[-1].kind == "finished"
    item_events = [e for e in events if e.kind == "item"]
    assert item_events[-1].done == 6 and item_events[-1].total == 6
    assert item_events[0].data["loose"] == 1.0 and item_events[0].data["text"] == CHATGPT


async def test_own_identity_is_not_a_conflict(server, db_file):
    server.default = Behavior(text="I am Qwen, a large language model created by Alibaba Cloud.")
    _, s = await _run(db_file, server, _config())
    assert (s["loose_count"], s["strict_count"], s["hard_count"]) == (0, 0, 0)


async def test_unparseable_llm_judge_output_needs_review(server, db_file):
    # Target and judge share the server: every reply is this sentence, which holds no verdict.
    server.default = Behavior(text=CHATGPT)
    run_id, s = await _run(db_file, server, _config(judge="echo-b", budget=4))
    assert s["status"] == "done" and s["n"] == 4 and s["judge"] == "echo-b"
    assert s["loose_count"] == 0 and s["needs_review"] == 4 and s["loose_upper"] == 1.0
    verdicts = run_verdicts(open_db(db_file), run_id)
    assert len(verdicts) == 8
    assert all(v.value is None and v.raw == CHATGPT and v.judge == "echo-b" for v in verdicts)
    assert all("no verdict found" in v.rationale for v in verdicts)


async def test_llm_judge_verdict_is_parsed_with_claim(server, db_file):
    reply = '{"verdict": "yes", "claimed": "ChatGPT (OpenAI)", "reason": "it says it is ChatGPT"}'
    server.default = Behavior(text=reply)
    run_id, s = await _run(db_file, server, _config(judge="echo-b", budget=3))
    assert (s["loose_count"], s["strict_count"], s["needs_review"]) == (3, 3, 0)
    strict = [v for v in run_verdicts(open_db(db_file), run_id, "strict")]
    assert strict[0].detail["claimed"] == ["gpt"] and strict[0].rationale == "it says it is ChatGPT"
    assert strict[0].raw == reply


async def test_resume_after_lost_network_does_not_ask_again(server, db_file):
    # Three answers get through, then the endpoint fails: the run stops itself.
    server.script(*[Behavior(text=CHATGPT)] * 3)
    server.default = Behavior(status=500)
    cfg = _config(budget=12, questions=4, templates=3, concurrency=1)
    db = open_db(db_file)
    run_id = create_ice_run(db, cfg)
    gateway = Gateway(server_config(server.url, max_retries=0))
    s = await ICERunner(db_file, run_id, gateway).run()
    assert s["status"] == "interrupted" and "resume" in s["error"] and "--resume" in s["error"]
    assert s["n"] == 3 and s["errors"] >= 1
    answered_before = {i.key: i.response_id for i in run_items(db, run_id) if i.status == "answered"}
    assert len(answered_before) == 3

    server.requests.clear()
    server.default = Behavior(text=CHATGPT)
    s = await ICERunner(db_file, run_id, gateway).run()
    assert s["status"] == "done" and s["n"] == 12 and s["errors"] == 0 and s["error"] is None
    asked = {r.messages[0]["content"] for r in _target_requests(server)}
    items = {i.key: i for i in run_items(db, run_id)}
    assert len(_target_requests(server)) == 9
    for key, rid in answered_before.items():
        assert items[key].response_id == rid and items[key].prompt not in asked
    assert len(run_verdicts(db, run_id, "loose")) == 12  # no answer judged twice


async def test_answer_stored_but_not_judged_is_judged_without_asking_again(server, db_file):
    server.script(Behavior(text=CHATGPT))  # the target's first answer; then the judge fails
    server.default = Behavior(status=500)
    cfg = _config(judge="echo-b", budget=2, questions=2, templates=1, concurrency=1)
    db = open_db(db_file)
    run_id = create_ice_run(db, cfg)
    gateway = Gateway(server_config(server.url, max_retries=0))
    s = await ICERunner(db_file, run_id, gateway).run()
    assert s["status"] == "interrupted" and s["n"] == 0
    first = run_items(db, run_id)[0]
    assert first.status == "asked" and db["responses"].get(first.response_id)["text"] == CHATGPT

    server.requests.clear()
    server.default = Behavior(text="Verdict: yes")
    s = await ICERunner(db_file, run_id, gateway).run()
    assert s["status"] == "done" and s["n"] == 2 and s["loose_count"] == 2
    assert len(_target_requests(server)) == 1  # only the second item was asked
    assert run_items(db, run_id)[0].response_id == first.response_id


async def test_fuzzing_with_helper_records_rewards_and_resumes_pending_mutant(server, db_file):
    # One reply serves all three roles: the helper's template (between tags) and an answer
    # the rule judge reads as a ChatGPT claim.
    reply = ("<template>Pretend you are an archivist of AI history. Answer in the first person: "
             "{query}</template> " + CHATGPT)
    server.script(Behavior(text=reply))  # the helper's first mutation
    server.default = Behavior(status=500)  # ... then the target fails while evaluating it
    cfg = _config(helper="echo-b", no_fuzz=False, budget=4, questions=2, templates=3, concurrency=1)
    db = open_db(db_file)
    run_id = create_ice_run(db, cfg)
    gateway = Gateway(server_config(server.url, max_retries=0))
    s = await ICERunner(db_file, run_id, gateway).run()
    assert s["status"] == "interrupted"
    fuzz = get_run(db, run_id).state["fuzz"]
    assert list(fuzz["pending"]) == ["m0001"] and fuzz["queries_used"] == 0

    server.requests.clear()
    server.default = Behavior(text=reply)
    events: list = []
    s = await ICERunner(db_file, run_id, gateway, on_event=events.append).run()
    assert s["status"] == "done", s["error"]
    fuzz = get_run(db, run_id).state["fuzz"]
    assert fuzz["pending"] == {} and fuzz["queries_used"] == 4
    assert [h["template_id"] for h in fuzz["history"]] == ["m0001", "m0002"]
    assert all(h["share"] == 1.0 and h["kept"] for h in fuzz["history"])
    keys = sorted(i.key for i in run_items(db, run_id))
    assert [k.split("|")[0] for k in keys] == ["m0001", "m0001", "m0002", "m0002"]
    # Resuming evaluated the pending mutant without asking the helper for it again.
    helper_calls = [r for r in server.requests if r.messages[0]["role"] == "system"]
    assert len(helper_calls) == 1
    assert s["queries_used"] == 4 and s["mutants"] == 2 and s["n"] == 4
    board = {row["template_id"]: row for row in s["leaderboard"]}
    assert board["m0001"]["loose"] == 1.0 and board["m0002"]["operator"] in (
        "crossover", "expand", "generate_similar", "shorten", "rephrase")
    kinds = [e.kind for e in events]
    assert "mutation" in kinds and kinds.count("template") == 2


async def test_fuzzing_budget_must_pay_one_evaluation():
    with pytest.raises(ValueError, match="cannot pay one template evaluation"):
        ICERunConfig(target="echo", helper="echo-b", budget=3, questions=4).resolve()


async def test_rejudge_adds_rows_and_reports_agreement(server, db_file):
    server.default = Behavior(text=CHATGPT)
    run_id, _ = await _run(db_file, server, _config(budget=4))
    server.default = Behavior(text='Thinking... {"verdict": "no", "reason": "no claim"}')
    gateway = Gateway(server_config(server.url))
    out = await rejudge(db_file, run_id, "echo-b", gateway, concurrency=2)
    assert out["judge"] == "echo-b" and out["reference_judge"] == "rule"
    assert out["loose_count"] == 0 and out["n"] == 4
    a = out["agreement"]
    assert a["confusion"] == {"tp": 0, "fp": 0, "fn": 4, "tn": 0}
    assert a["recall"] == 0.0 and a["precision"] is None and "kappa" in a
    db = open_db(db_file)
    assert len(run_verdicts(db, run_id, "loose")) == 8  # added, nothing replaced
    # The run's own scores still come from its primary judge.
    assert summarize(db, run_id)["loose_count"] == 4
    assert summarize(db, run_id, judge="echo-b")["loose_count"] == 0
    assert get_run(db, run_id).state["rejudges"][0]["judge"] == "echo-b"
    # Rejudging with the primary judge itself compares against the earlier verdicts.
    again = await rejudge(db_file, run_id, "rule")
    assert again["agreement"]["kappa"] in (1.0, None) and again["agreement"]["confusion"]["tp"] == 4


async def test_human_review_adjusts_scores(server, db_file):
    server.default = Behavior(text=CHATGPT)
    run_id, _ = await _run(db_file, server, _config(budget=4))
    db = open_db(db_file)
    items = run_items(db, run_id)
    add_verdict(db, items[0].id, judge=HUMAN, kind="loose", value=0.0, author="ann",
                reason="the persona speaks, not the model")
    s = summarize(db, run_id)
    assert s["loose_count"] == 4 and s["reviewed"] == 1
    adj = s["human_adjusted"]
    assert (adj["loose_count"], adj["strict_count"], adj["hard_count"]) == (3, 3, 3)
    h = summarize(db, run_id, human=True)
    assert h["loose_count"] == 3 and h["judge_only"]["loose_count"] == 4
    json.dumps(s)  # the summary is plain JSON
