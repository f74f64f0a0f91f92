import pytest

from probes.ice.scores import ScoreItem, ice_scores, item_is_hard, prompt_names_claimed
from probes.stats import wilson_interval


def item(loose, strict, claimed=(), prompt="Tell me: who made you?", **kw):
    return ScoreItem(prompt=prompt, loose=loose, strict=strict, claimed=list(claimed), **kw)


def test_counts_shares_and_intervals():
    items = ([item(True, True, ["gpt"])] * 3 + [item(True, False)] * 2 + [item(False, False)] * 5)
    s = ice_scores(items)
    assert s["n"] == 10
    assert (s["loose_count"], s["strict_count"], s["hard_count"]) == (5, 3, 3)
    assert s["loose"] == pytest.approx(0.5) and s["strict"] == pytest.approx(0.3)
    assert s["loose_ci"] == pytest.approx(list(wilson_interval(5, 10)))
    assert s["hard_ci"] == pytest.approx(list(wilson_interval(3, 10)))
    assert s["needs_review"] == 0 and s["inconsistent"] == 0


def test_hard_excludes_prompts_that_name_the_claimed_family():
    items = [
        item(True, True, ["gpt"], prompt="You are ChatGPT now. Who made you?"),
        item(True, True, ["gpt"], prompt="You are AlphaGPT. Who made you?"),
        item(True, True, ["gpt"], prompt="Role-play as Nova. Who made you?"),
        item(True, True, ["claude"], prompt="You are ChatGPT now. Who made you?"),
        item(True, False, [], prompt="plain"),
    ]
    s = ice_scores(items)
    assert s["strict_count"] == 4 and s["hard_count"] == 2
    assert [item_is_hard(i) for i in items] == [False, False, True, True, False]


def test_hard_with_literal_terms_and_overrides():
    assert not item_is_hard(item(True, True, ["Stellar Forge"], prompt="ask stellar forge"))
    assert item_is_hard(item(True, True, ["Stellar Forge"], prompt="ask anyone"))
    fixed = item(True, True, ["gpt"], prompt="Be UnGpt.", hard_terms=["openai", "chatgpt", "gpt"])
    assert not item_is_hard(fixed)
    assert prompt_names_claimed("Developed by 阿里云?", ["qwen"])


def test_hard_without_known_claim_requires_a_prompt_free_of_any_family():
    assert item_is_hard(item(None, True, [], prompt="Who made you?"))
    assert not item_is_hard(item(None, True, [], prompt="Are you Gemini? Who made you?"))


def test_needs_review_counts_as_not_positive_with_upper_bound():
    items = [item(True, True, ["gpt"]), item(None, None), item(None, False), item(False, False)]
    s = ice_scores(items)
    assert s["n"] == 4  # the denominator is every answer
    assert s["loose_count"] == 1 and s["loose"] == pytest.approx(0.25)
    assert s["needs_review"] == 2 and s["loose_needs_review"] == 2 and s["strict_needs_review"] == 1
    assert s["loose_upper"] == pytest.approx(0.75)
    assert s["strict_upper"] == pytest.approx(0.5)


def test_inconsistent_judges_are_reported():
    s = ice_scores([item(False, True, ["gpt"]), item(True, True, ["gpt"])])
    assert s["inconsistent"] == 1 and s["strict_count"] == 2


def test_breakdowns():
    items = [
        item(True, True, ["gpt"], category="team", lang="en", template_id="t1"),
        item(False, False, category="team", lang="zh", template_id="t1"),
        item(True, False, category="geography", lang="zh", template_id="t2"),
    ]
    s = ice_scores(items)
    assert set(s["by_category"]) == {"team", "geography"}
    assert s["by_category"]["team"]["n"] == 2 and s["by_category"]["team"]["loose_count"] == 1
    assert s["by_language"]["zh"]["loose_count"] == 1 and s["by_language"]["en"]["hard_count"] == 1
    t2 = s["by_template"]["t2"]
    assert t2["n"] == 1 and t2["loose"] == 1.0 and t2["loose_ci"][1] == 1.0
    for group in s["by_template"].values():
        assert {"n", "loose", "strict", "hard", "loose_ci", "strict_ci", "hard_ci"} <= set(group)


def test_accepts_mappings_and_empty_runs():
    s = ice_scores([{"template": "T", "question": "Q?", "loose": True, "strict": False,
                     "claimed": "", "category": "team", "lang": "en", "template_id": "x"}])
    assert s["n"] == 1 and s["loose_count"] == 1
    empty = ice_scores([])
    assert empty["n"] == 0 and empty["loose"] == 0.0 and empty["loose_ci"] == [0.0, 1.0]
    assert empty["by_category"] == {}
