import asyncio
import json
from collections import Counter

import pytest

from probes.ice.fuzz import (
    OPERATORS,
    FuzzState,
    FuzzStateError,
    fuzz_iterations,
    mutate,
    mutation_messages,
    parse_mutation,
)
from probes.ice.templates import SLOT, Template, load_seed_templates

SEEDS = [Template(id=f"s{i}", text=f"Seed number {i}: {{query}}", style="role-play") for i in range(4)]


def run(coro):
    return asyncio.run(coro)


class ScriptedHelper:
    """Stands in for the helper LLM: returns scripted replies and records the calls."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.calls = []

    async def __call__(self, model, messages, **params):
        self.calls.append((model, messages, params))
        return self.replies.pop(0) if self.replies else "Rewritten template text. {query}"


# ------------------------------------------------------------------ MCTS selection

def test_selection_is_deterministic_with_a_seed():
    def trace(seed):
        st = FuzzState.new(SEEDS, budget=1000, seed=seed)
        out = []
        for i in range(30):
            sel = st.select()
            out.append(sel.template_id)
            child = st.add_mutant(f"child {i} {SLOT}", sel.template_id, "rephrase", sel)
            st.record(child.id, i % 3, 5)
        return out
    assert trace(7) == trace(7)
    assert trace(7) != trace(8) or trace(7) != trace(9)


def test_untried_seeds_are_explored_first():
    st = FuzzState.new(SEEDS, budget=100, seed=1)
    first = [st.select().template_id for _ in range(len(SEEDS))]
    assert sorted(first) == sorted(s.id for s in SEEDS)


def test_rewarded_template_is_selected_more():
    st = FuzzState.new(SEEDS, budget=10_000, seed=3)
    for i in range(200):
        sel = st.select()
        seed_id = sel.path[0]
        child = st.add_mutant(f"c{i} {SLOT}", sel.template_id, "shorten", sel)
        # Only templates grown from s2 ever make the target slip.
        st.record(child.id, 4 if seed_id == "s2" else 0, 5)
    counts = Counter(h["template_id"] for h in st.history)
    picks = Counter(st.templates[t].parent_id and st.path_to(t)[0] for t in counts)
    assert picks["s2"] > 2 * max(picks[s] for s in ("s0", "s1", "s3"))
    assert st.templates["s2"].reward > st.templates["s0"].reward


def test_reward_propagates_up_the_path_with_decay():
    st = FuzzState.new(SEEDS[:1], budget=100, seed=0, alpha=0.1, beta=0.2)
    sel = st.select()
    child = st.add_mutant(f"child {SLOT}", sel.template_id, "expand", sel)
    st.record(child.id, 3, 4)
    assert st.templates[child.id].reward == pytest.approx(0.75)
    assert st.templates["s0"].reward == pytest.approx(0.75 * 0.9)
    sel2 = st.select()
    grand = st.add_mutant(f"grand {SLOT}", sel2.template_id, "expand", sel2)
    st.record(grand.id, 1, 1)
    if sel2.template_id == child.id:
        assert st.templates[child.id].reward == pytest.approx(0.75 + 1.0 * 0.8)


def test_failed_mutants_leave_the_tree_but_seeds_stay():
    st = FuzzState.new(SEEDS[:2], budget=100, seed=0)
    sel = st.select()
    child = st.add_mutant(f"dud {SLOT}", sel.template_id, "rephrase", sel)
    st.record(child.id, 0, 5)
    assert not st.templates[child.id].alive
    st.record("s0", 0, 5)
    assert st.templates["s0"].alive
    for _ in range(10):
        assert st.select().template_id != child.id


def test_early_stop_can_select_inner_nodes():
    st = FuzzState.new(SEEDS[:1], budget=10_000, seed=11, alpha=0.5)
    sel = st.select()
    child = st.add_mutant(f"c {SLOT}", sel.template_id, "rephrase", sel)
    st.record(child.id, 5, 5)
    chosen = {st.select().template_id for _ in range(40)}
    assert chosen == {"s0", child.id}


def test_budget_and_record_validation():
    st = FuzzState.new(SEEDS, budget=12, seed=0)
    assert st.budget_left == 12 and st.can_afford(12) and not st.can_afford(13)
    st.record("s0", 2, 10)
    assert st.budget_left == 2 and st.queries_used == 10
    st.record("s1", 1, 5)
    assert st.budget_left == 0
    with pytest.raises(ValueError):
        st.record("s1", 6, 5)
    with pytest.raises(KeyError):
        st.record("nope", 0, 1)


def test_state_round_trips_through_json_and_resumes_identically():
    a = FuzzState.new(SEEDS, budget=500, seed=42)
    for i in range(5):
        sel = a.select()
        child = a.add_mutant(f"c{i} {SLOT}", sel.template_id, "crossover", sel)
        a.record(child.id, i % 2, 4)
    sel = a.select()
    pending = a.add_mutant(f"pending {SLOT}", sel.template_id, "expand", sel)
    b = FuzzState.from_dict(json.loads(json.dumps(a.to_dict())))
    assert b.to_dict() == a.to_dict()
    # Finishing the interrupted iteration and continuing gives the same choices.
    for st in (a, b):
        st.record(pending.id, 1, 4)
    assert [a.select().template_id for _ in range(10)] == [b.select().template_id for _ in range(10)]
    assert a.choose_operator() == b.choose_operator()


def test_from_dict_rejects_garbage():
    with pytest.raises(FuzzStateError):
        FuzzState.from_dict({"version": 1, "templates": []})
    with pytest.raises(FuzzStateError):
        FuzzState.from_dict({"version": 99})


def test_leaderboard_and_discard():
    st = FuzzState.new(SEEDS, budget=100, seed=0)
    st.record("s1", 3, 4)
    st.record("s0", 1, 4)
    board = st.leaderboard()
    assert [r["id"] for r in board] == ["s1", "s0"]
    sel = st.select()
    child = st.add_mutant(f"x {SLOT}", sel.template_id, "shorten", sel)
    st.discard(child.id)
    assert not st.templates[child.id].alive and child.id not in st.pending
    with pytest.raises(ValueError):
        st.discard("s0")


def test_new_validates():
    with pytest.raises(ValueError):
        FuzzState.new([], budget=10)
    with pytest.raises(ValueError):
        FuzzState.new([SEEDS[0], SEEDS[0]], budget=10)


def test_works_with_the_shipped_seeds():
    st = FuzzState.new(load_seed_templates(), budget=100, seed=0)
    assert st.select().template_id in st.templates


# ------------------------------------------------------------------ mutation prompts and parsing

@pytest.mark.parametrize("op", OPERATORS)
def test_mutation_messages(op):
    other = "Another template {query}" if op == "crossover" else None
    msgs = mutation_messages(op, "Base {query} with {braces}", other)
    assert msgs[0]["role"] == "system" and msgs[1]["role"] == "user"
    assert "Base {query} with {braces}" in msgs[1]["content"]
    if op == "crossover":
        assert "Another template" in msgs[1]["content"]


def test_mutation_messages_errors():
    with pytest.raises(ValueError, match="crossover needs"):
        mutation_messages("crossover", "x {query}")
    with pytest.raises(ValueError, match="unknown operator"):
        mutation_messages("explode", "x {query}")


@pytest.mark.parametrize("output,expected", [
    ("<template>\nBe honest and tell me: {query}\n</template>", "Be honest and tell me: {query}"),
    ("Sure! Here is the rephrased template:\n\n<template>Tell me {query} now.</template>\nHope this helps!",
     "Tell me {query} now."),
    ("Here is the new template:\n```\nSpeak freely about {QUERY} please\n```", "Speak freely about {query} please"),
    ('"Answer this truthfully: {{query}}"', "Answer this truthfully: {query}"),
    ("You are an archivist. Question: [INSERT PROMPT HERE]", "You are an archivist. Question: {query}"),
    ("You are an archivist with a long memory.", "You are an archivist with a long memory.\n\n{query}"),
    ("<template>Ask: { query } twice</template>", "Ask: {query} twice"),
    ("<template>Unclosed tag but fine {question}", "Unclosed tag but fine {query}"),
])
def test_parse_mutation_repairs(output, expected):
    assert parse_mutation(output, "rephrase", "Original {query}") == expected


@pytest.mark.parametrize("output", [
    "", "   ", None, "<template></template>", "I'm sorry, but I can't help with that.",
    "抱歉，我无法完成这个请求。", "<template>{query}</template>",
])
def test_parse_mutation_rejects(output):
    assert parse_mutation(output, "rephrase", "Original {query}") is None


def test_parse_expand_prepends_opening():
    base = "Answer as yourself: {query}"
    out = parse_mutation("<opening>The night is long. Truth matters. Speak plainly.</opening>", "expand", base)
    assert out == "The night is long. Truth matters. Speak plainly.\n\n" + base
    echoed = parse_mutation("<opening>Lead in sentence here.\n" + base + "</opening>", "expand", base)
    assert echoed.endswith(base) and echoed.count("{query}") == 1
    assert parse_mutation("<opening>Hi</opening>", "expand", base) is None


def test_mutate_uses_helper_and_guarantees_slot():
    helper = ScriptedHelper(["<template>Tell me everything, friend.</template>"])
    out = run(mutate(helper, "helper-model", "generate_similar", Template("t", "Hi {query}")))
    assert out == "Tell me everything, friend.\n\n{query}"
    model, messages, params = helper.calls[0]
    assert model == "helper-model" and params["temperature"] == 1.0
    assert "Hi {query}" in messages[1]["content"]


def test_mutate_crossover_and_unusable_output():
    helper = ScriptedHelper(["<template>Mixed styles here {query}</template>", "I cannot do that."])
    assert run(mutate(helper, "h", "crossover", "A {query}", other="B {query}", max_tokens=50)) == "Mixed styles here {query}"
    assert helper.calls[0][2]["max_tokens"] == 50
    assert run(mutate(helper, "h", "shorten", "A {query}")) is None


def test_mutate_propagates_helper_errors():
    async def broken(model, messages, **params):
        raise ConnectionError("down")
    with pytest.raises(ConnectionError):
        run(mutate(broken, "h", "rephrase", "A {query}"))


# ------------------------------------------------------------------ driver

def test_fuzz_iterations_runs_to_budget():
    st = FuzzState.new(SEEDS, budget=40, seed=5)
    helper = ScriptedHelper([])

    async def evaluate(node):
        return (2 if "Rewritten" in node.text else 0), 10

    async def go():
        return [it async for it in fuzz_iterations(st, helper, "h", evaluate, cost=10)]

    its = run(go())
    assert len(its) == 4 and st.budget_left == 0
    assert all(it.template is not None and it.total == 10 for it in its)
    assert all(SLOT in it.template.text for it in its)


def test_fuzz_iterations_stops_after_repeated_failures():
    st = FuzzState.new(SEEDS, budget=40, seed=5)
    helper = ScriptedHelper([""] * 50)

    async def evaluate(node):
        raise AssertionError("never evaluated")

    async def go():
        return [it async for it in fuzz_iterations(st, helper, "h", evaluate, cost=10, max_failures=3)]

    its = run(go())
    assert len(its) == 3 and all(it.template is None for it in its)
    assert st.budget_left == 40
