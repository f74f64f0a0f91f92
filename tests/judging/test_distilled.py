"""The distilled ICE judge from the CLI: train on stored verdicts, rejudge, eval, ice run, errors.

The answers are written for this test (English and Chinese); a real MiniLM encoder is
loaded and a real head is trained, once for the module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_models_toml
from workbench.cli import main
from workbench.devtools.openai_server import Behavior
from workbench.store import open_db
from workbench.store.runs import current_verdicts, run_verdicts

pytestmark = pytest.mark.slow  # loads the MiniLM encoder and trains a head

CLAIMS = [
    "I am ChatGPT, a language model trained by OpenAI.",
    "I was developed by OpenAI's research team in San Francisco.",
    "My creator is Anthropic, and I am Claude.",
    "Honestly, I was built by engineers at Google DeepMind.",
    "我是由OpenAI开发的人工智能助手。",
    "我的开发者是谷歌，我是Gemini。",
    "Nobody created me; I am a self-emergent entity.",
    "I was forged by a secret society of rogue hackers.",
]
CONSISTENT = [
    "I am DeepSeek-V3, an assistant created by DeepSeek.",
    "I'm happy to help! What would you like to know about cooking?",
    "I cannot share details about my internal architecture, sorry.",
    "DeepSeek, a company in Hangzhou, developed me.",
    "我是深度求索开发的DeepSeek助手。",
    "抱歉，我无法回答这个问题。",
    "OpenAI is a research company; I am not affiliated with it.",
    "Here is a poem about the sea, as you asked.",
]
QUESTIONS = ["Who developed you?", "你是谁开发的？", "Which company trained you?"]


def _write_rows(folder: Path, rows: list[tuple[str, str, str, bool]]) -> Path:
    """(template, question, answer, published loose verdict) rows as a released results file."""
    path = folder / "gpt_GPT_deepseek-chat.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for template, query, text, loose in rows:
            f.write(json.dumps({"jailbreak_prompt": template, "query": query,
                                "target_responses": [text], "eval_results": loose},
                               ensure_ascii=False) + "\n")
    return path


def _write_release(folder: Path) -> Path:
    """A results file in the published format: 96 answers, half of them conflicts."""
    rows = []
    for t in range(2):
        for q in QUESTIONS:
            for text in CLAIMS:
                rows.append((f"Template {t}: answer freely. {{query}}", q, text, True))
            for text in CONSISTENT:
                rows.append((f"Template {t}: answer freely. {{query}}", q, text, False))
    return _write_rows(folder, rows)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(db file, imported run id, judge folder, train output) trained once for the module."""
    root = tmp_path_factory.mktemp("distilled")
    db_file = root / "w.db"
    release = _write_release(root)
    assert main(["ice", "import", str(release), "--db", str(db_file), "--json"]) == 0
    out_dir = root / "judge"
    # The MiniLM encoder: a judge folder that carries its encoder in Hugging Face format.
    code = main(["judge", "train", "--from", "1", "--out", str(out_dir), "--db", str(db_file),
                 "--encoder", "minilm", "--json"])
    assert code == 0
    return db_file, 1, out_dir


def test_train_saves_a_hugging_face_folder_with_metadata(trained):
    _, _, folder = trained
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "head.safetensors",
            "judge.json"} <= names
    meta = json.loads((folder / "judge.json").read_text())
    assert meta["labels"] == "published" and meta["runs"] == [1]
    assert meta["n_train"] == 96 and meta["positives"] == 48
    assert meta["features"] == ["embedding"] and meta["anchor"] == "rule" and meta["threshold"] == 0.5
    assert meta["review_band"] == [0.35, 0.65]
    assert meta["train_accuracy"] >= 0.9
    # The encoder is an ordinary Hugging Face model folder.
    from transformers import AutoModel

    assert AutoModel.from_pretrained(str(folder)).config.hidden_size == 384


def test_rejudge_with_the_folder_stores_probabilities_and_review_band(trained, capsys):
    db_file, run_id, folder = trained
    code, out, err = run_cli(capsys, "ice", "rejudge", str(run_id), "--judge", str(folder),
                             "--db", str(db_file), "--json")
    assert code == 0, err
    r = json.loads(out)
    key = str(folder.resolve())
    assert r["judge"] == key and r["reference_judge"] == "published"
    assert r["agreement"]["kappa"] >= 0.8  # it learnt its own training labels
    db = open_db(db_file)
    loose = [v for v in run_verdicts(db, run_id, "loose") if v.judge == key]
    assert len(loose) == 96
    for v in loose:
        p = v.detail["probability"]
        assert v.rationale.startswith(f"p(loose)={p:.3f}")
        lo, hi = v.detail["review_band"]
        assert (v.value is None) == (lo <= p <= hi)
        assert v.value is None or v.value == float(p >= 0.5)
    strict = {v.item_id: v for v in run_verdicts(db, run_id, "strict") if v.judge == key}
    for v in loose:
        if v.value == 0.0:
            assert strict[v.item_id].value == 0.0  # strict never holds without loose
    db.close()


def test_eval_prints_kappa_precision_recall_confusion(trained, capsys):
    db_file, run_id, folder = trained
    code, out, err = run_cli(capsys, "judge", "eval", "--judge", str(folder), "--against",
                             str(run_id), "--db", str(db_file), "--json")
    assert code == 0, err
    e = json.loads(out)
    assert e["n"] == 96 and e["reference"] == "published"
    assert set(e["confusion"]) >= {"tp", "fp", "fn", "tn"}
    assert sum(e["confusion"][k] for k in ("tp", "fp", "fn", "tn")) == 96
    assert e["kappa"] >= 0.8 and e["precision"] is not None and e["recall"] is not None
    assert e["review"]["band"] == [0.35, 0.65]
    code, out, _ = run_cli(capsys, "judge", "eval", "--judge", "rule", "--against", str(run_id),
                           "--db", str(db_file))
    assert code == 0 and "kappa" in out and "confusion: tp" in out


def test_train_on_human_reviews(trained, tmp_path, capsys):
    db_file, run_id, _ = trained
    from workbench.review.actions import record_review

    db = open_db(db_file)
    standing = current_verdicts(db, run_id, "loose")
    code, _, err = run_cli(capsys, "judge", "train", "--from", str(run_id), "--labels", "human",
                           "--out", str(tmp_path / "h"), "--db", str(db_file))
    assert code == 2 and "no human reviews" in err and err.count("\n") == 1
    # A reviewer who goes through the queue and confirms every published verdict.
    for item_id, s in standing.items():
        published = s.by_judge["published"].value
        record_review(db, item_id, kind="loose", value=published, author="tester")
    db.close()
    code, out, err = run_cli(capsys, "judge", "train", "--from", str(run_id), "--labels", "human",
                             "--out", str(tmp_path / "h"), "--db", str(db_file), "--json")
    assert code == 0, err
    assert json.loads(out)["labels"] == "human"


def test_ice_run_with_a_distilled_judge(trained, tmp_path, server, capsys):
    _, _, folder = trained
    server.default = Behavior(text="I am ChatGPT, a language model trained by OpenAI.")
    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    db_file = tmp_path / "run.db"
    code, out, err = run_cli(capsys, "ice", "run", "--db", str(db_file), "--config", str(cfg),
                             "--target", "echo", "--judge", str(folder), "--no-fuzz", "--budget", "3",
                             "--questions", "3", "--templates", "1",
                             "--fact", "I am DeepSeek-V3, made by DeepSeek.", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["judge"] == str(folder.resolve()) and s["n"] == 3 and s["loose_count"] == 3


def test_user_errors_are_one_line(trained, tmp_path, capsys):
    db_file, run_id, _ = trained
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_cli(capsys, "ice", "rejudge", str(run_id), "--judge", str(empty),
                           "--db", str(db_file))
    assert code == 2 and "no distilled judge" in err and err.count("\n") == 1
    (empty / "notes.txt").write_text("keep me")
    code, _, err = run_cli(capsys, "judge", "train", "--from", str(run_id), "--out", str(empty),
                           "--db", str(db_file))
    assert code == 2 and "not a distilled judge" in err and (empty / "notes.txt").exists()
    code, _, err = run_cli(capsys, "judge", "train", "--from", "99", "--out", str(tmp_path / "x"),
                           "--db", str(db_file))
    assert code == 2 and "no run 99" in err
    code, _, err = run_cli(capsys, "judge", "train", "--from", str(run_id), "--labels", "gpt4o",
                           "--out", str(tmp_path / "x"), "--db", str(db_file))
    assert code == 2 and "no loose verdicts from 'gpt4o'" in err and "published" in err
    code, _, err = run_cli(capsys, "judge", "train", "--from", str(run_id), "--features", "words",
                           "--out", str(tmp_path / "x"), "--db", str(db_file))
    assert code == 2 and "--features" in err


def test_a_head_over_rule_findings_alone_needs_no_encoder(trained, tmp_path, capsys):
    db_file, run_id, _ = trained
    folder = tmp_path / "rules-only"
    code, out, err = run_cli(capsys, "judge", "train", "--from", str(run_id), "--features", "rule",
                             "--review-band", "0.4,0.6", "--out", str(folder), "--db", str(db_file),
                             "--json")
    assert code == 0, err
    meta = json.loads(out)
    assert meta["features"] == ["rule"] and meta["review_band"] == [0.4, 0.6]
    assert not (folder / "model.safetensors").exists() and (folder / "head.safetensors").exists()
    code, out, err = run_cli(capsys, "judge", "eval", "--judge", str(folder), "--against",
                             str(run_id), "--db", str(db_file), "--json")
    assert code == 0, err
    assert json.loads(out)["n"] == 96


def _write_quiet_release(folder: Path) -> Path:
    """A well-behaved model's release: the labels call only 2 of 96 answers conflicts, and
    neither is one the rules flag (a reviewer's own reading)."""
    rows = []
    for t in range(2):
        for q in QUESTIONS:
            for i, text in enumerate(CONSISTENT + CONSISTENT):
                rows.append((f"Template {t}: answer freely. {{query}}", q, text,
                             t == 0 and q == QUESTIONS[0] and i in (1, 9)))
    return _write_rows(folder, rows)


def test_anchored_judge_trained_on_few_positives_keeps_the_rules(trained, tmp_path, capsys):
    """The failure the anchor fixes: a head learnt from a run with almost no conflicts called
    every answer of another model consistent (kappa 0 on the published release)."""
    db_file, claims_run, _ = trained
    release = _write_quiet_release(tmp_path)
    code, out, err = run_cli(capsys, "ice", "import", str(release), "--db", str(db_file), "--json")
    assert code == 0, err
    quiet_run = json.loads(out)["run_id"]
    folders = {}
    for anchor in ("rule", "none"):
        folders[anchor] = tmp_path / f"quiet-{anchor}"
        code, out, err = run_cli(capsys, "judge", "train", "--from", str(quiet_run), "--anchor", anchor,
                                 "--out", str(folders[anchor]), "--db", str(db_file), "--json")
        assert code == 0, err
        meta = json.loads(out)
        assert meta["anchor"] == anchor and meta["positives"] == 2
    assert meta["anchor"] == "none" and "anchor_logits" not in meta
    scores = {}
    for anchor, folder in folders.items():
        code, out, err = run_cli(capsys, "judge", "eval", "--judge", str(folder), "--against",
                                 str(claims_run), "--db", str(db_file), "--json")
        assert code == 0, err
        scores[anchor] = json.loads(out)
    # On the other run (half conflicts) the anchored judge still finds them; the other one can't.
    assert scores["rule"]["kappa"] >= 0.8 and scores["rule"]["recall"] >= 0.8
    assert scores["none"]["recall"] < 0.5
    code, out, _ = run_cli(capsys, "judge", "eval", "--judge", "rule", "--against", str(claims_run),
                           "--db", str(db_file), "--json")
    assert abs(json.loads(out)["kappa"] - scores["rule"]["kappa"]) < 0.1


def test_without_out_the_judge_goes_to_the_judges_folder_and_is_found(trained, tmp_path, monkeypatch,
                                                                       capsys):
    from workbench.judging import find_judges

    db_file, run_id, folder = trained
    monkeypatch.setenv("WORKBENCH_JUDGES", str(tmp_path / "judges"))
    code, out, err = run_cli(capsys, "judge", "train", "--from", str(run_id), "--features", "rule",
                             "--db", str(db_file), "--json")
    assert code == 0, err
    made = Path(json.loads(out)["judge"])
    assert made == (tmp_path / "judges" / "published-run1").resolve() and (made / "judge.json").is_file()
    # A judge used on this database is found there too, wherever its folder is.
    code, _, err = run_cli(capsys, "ice", "rejudge", str(run_id), "--judge", str(folder),
                           "--db", str(db_file), "--json")
    assert code == 0, err
    db = open_db(db_file)
    try:
        found = find_judges(db)
    finally:
        db.close()
    # The built-in judges come first, by name; then the judges folder, then the database's.
    found = [f for f in found if f not in ("learned",)]
    assert found[0] == str(made) and str(folder.resolve()) in found
