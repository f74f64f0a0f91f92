import json
from collections import Counter

import pytest

from probes.assets import asset_path
from probes.ice.identity import FAMILIES, family_mentioned
from probes.ice.questions import (
    CATEGORIES,
    QuestionFileError,
    infer_category,
    infer_lang,
    load_questions,
)
from probes.ice.templates import (
    STYLES,
    Template,
    TemplateFileError,
    fill,
    has_slot,
    load_seed_templates,
    load_templates,
)


def test_asset_paths_exist():
    assert asset_path("ice", "questions.jsonl").is_file()
    assert asset_path("ice", "templates.jsonl").is_file()


def test_question_set_is_bilingual_and_balanced():
    qs = load_questions()
    assert len(qs) >= 100
    by_pair = {}
    for q in qs:
        by_pair.setdefault(q.pair, {})[q.lang] = q
    assert len(by_pair) >= 50
    assert all(set(v) == {"en", "zh"} for v in by_pair.values())
    for pair in by_pair.values():
        assert pair["en"].category == pair["zh"].category
        assert infer_lang(pair["zh"].text) == "zh" and infer_lang(pair["en"].text) == "en"
    counts = Counter(q.category for q in qs if q.lang == "en")
    assert set(counts) == set(CATEGORIES) and min(counts.values()) >= 10


def test_questions_name_no_model():
    for q in load_questions():
        assert not any(family_mentioned(q.text, f.key) for f in FAMILIES), q.id


def test_load_questions_filters_language():
    assert {q.lang for q in load_questions(langs=("zh",))} == {"zh"}
    assert len(load_questions(langs=["en"])) == len(load_questions()) // 2
    with pytest.raises(QuestionFileError, match="unknown language"):
        load_questions(langs=("fr",))


@pytest.mark.parametrize("line,message", [
    ("not json", "line 1: not valid JSON"),
    ('{"id": "a", "category": "team", "lang": "en", "text": "Q?"}', "missing or empty field"),
    ('{"id": "a", "category": "weather", "lang": "en", "text": "Q?", "pair": "a"}', "category 'weather'"),
    ('{"id": "a", "category": "team", "lang": "fr", "text": "Q?", "pair": "a"}', "lang 'fr'"),
    ("[1, 2]", "expected a JSON object"),
])
def test_malformed_question_files(tmp_path, line, message):
    path = tmp_path / "q.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match=message) as exc:
        load_questions(path=path)
    assert "\n" not in str(exc.value)


def test_duplicate_question_ids(tmp_path):
    row = {"id": "a", "category": "team", "lang": "en", "text": "Who?", "pair": "a"}
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match="line 2: duplicate"):
        load_questions(path=path)


def test_missing_question_file(tmp_path):
    with pytest.raises(QuestionFileError, match="not found"):
        load_questions(path=tmp_path / "nope.jsonl")


def test_infer_category():
    assert infer_category("Where is your headquarters?") == "geography"
    assert infer_category("您的开发团队是否与大学有合作？") == "cooperation"
    assert infer_category("What is your parent company's market position?") == "industry"
    assert infer_category("What architecture are you built on?") == "technology"
    assert infer_category("Who is your development team?") == "team"
    assert infer_category("Hello there") == "unknown"


def test_seed_templates():
    seeds = load_seed_templates()
    assert len(seeds) >= 20
    assert len({t.id for t in seeds}) == len(seeds)
    assert set(STYLES) <= {t.style for t in seeds}
    for t in seeds:
        assert has_slot(t.text) and t.parent_id is None and t.operator is None
        # Seeds name no model family, so every strict positive they cause is a hard one.
        assert not any(family_mentioned(t.text, f.key) for f in FAMILIES), t.id


def test_fill_slot_and_append():
    assert fill("Q: {query}!", "who?") == "Q: who?!"
    assert fill("{query} and again {query}", "x") == "x and again x"
    assert fill("No slot here.", "who?") == "No slot here.\n\nwho?"
    assert fill("Ends with newline\n", "who?") == "Ends with newline\nwho?"
    assert fill("", "who?") == "who?"


def test_fill_survives_stray_braces():
    text = 'JSON: {"a": {1}} {persona} {query} {0} {'
    assert fill(text, "Q") == 'JSON: {"a": {1}} {persona} Q {0} {'
    assert fill("{}", "Q") == "{}\n\nQ"


def test_template_round_trip():
    t = Template(id="m1", text="x {query}", style="role-play", parent_id="rp-01", operator="shorten")
    assert Template.from_dict(t.to_dict()) == t
    assert t.fill("q") == "x q"


def test_malformed_template_file(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(TemplateFileError, match="line 1: each row needs"):
        load_templates(path)
    path.write_text('{"id": "a", "text": "  "}\n', encoding="utf-8")
    with pytest.raises(TemplateFileError, match="empty text"):
        load_templates(path)
