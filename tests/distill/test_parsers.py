"""Forgiving parsers: what small teachers really answer, and what must come out of it."""

from __future__ import annotations

import pytest

from workbench.distill.dedupe import NearDuplicateFilter
from workbench.distill.parsers import (
    parse_entities,
    parse_label,
    parse_labelled,
    parse_texts,
    spans_to_bio,
    tokenize,
)

LABELS = ["business", "entertainment", "politics", "sports", "tech"]


@pytest.mark.parametrize("raw, expected", [
    ('["The bank raised rates again.", "The striker scored twice tonight."]',
     ["The bank raised rates again.", "The striker scored twice tonight."]),
    # Fenced, with prose around it.
    ('Sure! Here you go:\n```json\n["Parliament passed the budget bill.", "A new phone went on sale."]\n```\nEnjoy!',
     ["Parliament passed the budget bill.", "A new phone went on sale."]),
    # Cut off by max_tokens in the middle of the third string.
    ('["The bank raised rates again.", "A film star won an award.", "The minis',
     ["The bank raised rates again.", "A film star won an award."]),
    # Objects instead of strings, nested under a key.
    ('{"texts": [{"text": "Shares fell sharply on Monday."}, {"sentence": "The band released a new album."}]}',
     ["Shares fell sharply on Monday.", "The band released a new album."]),
    # No JSON at all: a numbered list after a preamble.
    ("Here are some texts:\n1. Shares fell sharply on Monday.\n2) The band released a new album.\n- ok",
     ["Shares fell sharply on Monday.", "The band released a new album."]),
    # Quoted strings inside broken JSON.
    ('[ "Shares fell sharply on Monday." , "The band released a new album." ,, ]]',
     ["Shares fell sharply on Monday.", "The band released a new album."]),
    # Duplicates inside one answer collapse.
    ('["Shares fell sharply on Monday.", "shares fell sharply on monday."]', ["Shares fell sharply on Monday."]),
])
def test_parse_texts(raw, expected):
    assert parse_texts(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "{}", "[]", "I cannot help with that.", '{"title": "News"}', "```\n```"])
def test_parse_texts_gives_nothing_for_nothing(raw):
    assert parse_texts(raw) == []


@pytest.mark.parametrize("raw, expected", [
    ("Business", "business"),
    ("The label is politics.", "politics"),
    ('{"label": "Tech"}', "tech"),
    ('```json\n{"topic": "SPORTS"}\n```', "sports"),
    ("sport", "sports"),
    ("Entertain", "entertainment"),
    ("technology", "tech"),
    ("It is business, not politics.", "business"),
    ("none of these", None),
    ("", None),
])
def test_parse_label(raw, expected):
    assert parse_label(raw, LABELS) == expected


def test_parse_labelled_for_the_no_separation_ablation():
    raw = ('[{"text": "Shares fell sharply on Monday.", "label": "business"}, '
           '{"text": "The band released a new album.", "category": "ENTERTAINMENT"}, '
           '{"text": "An unlabelled sentence is here."}]')
    got = parse_labelled(raw, LABELS)
    assert [(g.text, g.label) for g in got] == [
        ("Shares fell sharply on Monday.", "business"),
        ("The band released a new album.", "entertainment"),
        ("An unlabelled sentence is here.", None),
    ]
    lines = parse_labelled("1. Shares fell sharply on Monday - business\n2. The band toured Japan (entertainment)", LABELS)
    assert [(g.text, g.label) for g in lines] == [("Shares fell sharply on Monday", "business"),
                                                 ("The band toured Japan", "entertainment")]


@pytest.mark.parametrize("raw", [
    '{"PER": ["John Smith"], "LOC": ["Paris"]}',
    'Entities: {"PERSON": ["John Smith"], "LOCATION": ["Paris"], "ORG": []}',
    '[{"text": "John Smith", "type": "person"}, {"text": "Paris", "type": "loc"}]',
    '[["John Smith", "PER"], ["Paris", "LOC"]]',
    "PER: John Smith\nLOC: Paris",
    "John Smith (PER) flew to Paris (LOC).",
])
def test_parse_entities(raw):
    assert sorted(parse_entities(raw, ["LOC", "ORG", "PER"])) == [("John Smith", "PER"), ("Paris", "LOC")]


def test_entities_become_bio_tags():
    tokens = tokenize("John Smith flew from Paris to New York.")
    assert tokens == ["John", "Smith", "flew", "from", "Paris", "to", "New", "York", "."]
    tags = spans_to_bio(tokens, [("Paris", "LOC"), ("New York", "LOC"), ("John Smith", "PER")])
    assert tags == ["B-PER", "I-PER", "O", "O", "B-LOC", "O", "B-LOC", "I-LOC", "O"]
    # A named entity that is not in the sentence: the label is not trusted.
    assert spans_to_bio(tokens, [("Berlin", "LOC")]) is None


def test_every_occurrence_is_tagged_and_no_entities_is_a_valid_answer():
    tokens = tokenize("Paris beat Lyon , then Paris lost to New York and York .")
    tags = spans_to_bio(tokens, [("Paris", "LOC"), ("New York", "LOC"), ("York", "LOC"), ("Lyon", "LOC")])
    assert tags == ["B-LOC", "O", "B-LOC", "O", "O", "B-LOC", "O", "O", "B-LOC", "I-LOC", "O", "B-LOC", "O"]
    assert spans_to_bio(tokenize("It rained all day ."), []) == ["O"] * 5
    from workbench.distill.parsers import parse_entities_answer

    for raw in ('{"entities": []}', "[]", "{}", "There are no named entities in this sentence."):
        assert parse_entities_answer(raw, ["LOC", "PER"]) == []
    assert parse_entities_answer("I cannot help with that", ["LOC", "PER"]) is None
    assert parse_entities_answer('{"entities": [{"text": "Paris", "type": "LOC"}]}', ["LOC", "PER"]) == \
        [("Paris", "LOC")]


def test_schema_shaped_answers_keep_the_intended_label():
    raw = '{"samples": [{"text": "Shares fell sharply on Monday.", "label": "business"}]}'
    got = parse_labelled(raw, LABELS)
    assert [(g.text, g.label) for g in got] == [("Shares fell sharply on Monday.", "business")]
    ner = parse_labelled('{"samples": [{"text": "It rained all day in the hills.", "entities": []}]}', ["LOC"])
    assert ner[0].label == "ner" and ner[0].entities == ()


def test_near_duplicates_and_empty_texts_are_dropped():
    f = NearDuplicateFilter(["The striker scored twice in the final match."])
    assert f.check("The striker scored twice in the final match!").reason == "near-duplicate"
    assert f.check("").reason == "empty"
    assert f.check("Too short").reason == "too short"
    assert f.check("A new phone app encrypts every message.").reason is None
    # Remembered: the same text again in the same batch is a duplicate.
    assert f.check("A new phone app encrypts every message").reason == "near-duplicate"
