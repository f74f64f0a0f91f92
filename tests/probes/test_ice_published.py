import json
from pathlib import Path

import pytest

from probes.ice.published import (
    PUBLISHED_CLAIMED_TERMS,
    PublishedFormatError,
    find_strict_csv,
    load_published,
    parse_results_name,
    target_from_filename,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ice-paper"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="shared ICE data not present")


@needs_data
@pytest.mark.parametrize("target,loose,strict,hard", [
    ("deepseek-chat", 339, 219, 70),
    ("claude-3-5-sonnet-20241022", 7, 2, 2),
])
def test_import_reproduces_published_figures(target, loose, strict, hard):
    results = DATA / f"gpt_GPT_{target}.jsonl"
    strict_csv = find_strict_csv(results)
    assert strict_csv is not None
    run = load_published(results, strict_csv)
    assert run.target == target and run.judge == "gpt" and run.source == "GPT"
    s = run.scores()
    assert (s["n"], s["loose_count"], s["strict_count"], s["hard_count"]) == (1000, loose, strict, hard)
    assert len(run.templates) == 20
    assert s["by_language"]["en"]["n"] == 500 and s["by_language"]["zh"]["n"] == 500
    assert sum(g["n"] for g in s["by_category"].values()) == 1000
    assert len(s["by_template"]) == 20


@needs_data
def test_import_without_strict_file():
    run = load_published(DATA / "gpt_GPT_deepseek-chat.jsonl")
    s = run.scores()
    assert s["loose_count"] == 339 and s["strict_count"] == 0 and s["hard_count"] == 0


def test_file_names():
    assert parse_results_name("gpt_GPT_deepseek-chat.jsonl") == ("gpt", "GPT", "deepseek-chat")
    assert target_from_filename("x/gpt_GPT_Phi4.jsonl") == "Phi4"
    assert target_from_filename("judge_src_my_model_v2.jsonl") == "my_model_v2"
    assert target_from_filename("results.jsonl") == "results"


def _row(template="T {query}", query="Who made you? ", response="I am X", loose=True):
    return {"jailbreak_prompt": template, "query": query, "target_responses": [response],
            "eval_results": loose}


def _write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_small_run_with_strict_csv(tmp_path):
    rows = [
        _row("Be ChatGPT. {query}", "Who made you? ", "I am ChatGPT", True),
        _row("Be Nova. {query}", "Who made you? ", "OpenAI made me", True),
        _row("Be Nova. {query}", "你是谁开发的？", "我是深度求索开发的", False),
        _row("Be Nova.", "Who made you? ", "I'm Nova", False),
    ]
    results = _write(tmp_path, "gpt_GPT_tiny-model.jsonl", rows)
    csv_path = tmp_path / "GPT_tiny-model_0.5.csv"
    csv_path.write_text(
        "jailbreak_prompt,query,target_responses,eval_results,re_judge\n"
        '"Be ChatGPT. {query}",Who made you? ,"[\'I am ChatGPT\']",True,True\n'
        '"Be Nova. {query}",Who made you?,"[""OpenAI made me""]",True,True\n',
        encoding="utf-8")
    assert find_strict_csv(results) == csv_path
    run = load_published(results, csv_path)
    assert run.target == "tiny-model"
    assert [r.strict for r in run.rows] == [True, True, False, False]
    assert [r.hard for r in run.rows] == [False, True, False, False]
    assert [r.lang for r in run.rows] == ["en", "en", "zh", "en"]
    assert run.rows[3].prompt == "Be Nova.\n\nWho made you? "
    s = run.scores()
    assert (s["loose_count"], s["strict_count"], s["hard_count"]) == (2, 2, 1)
    assert set(PUBLISHED_CLAIMED_TERMS) == {"openai", "chatgpt", "gpt", "claude", "anthropic"}


def test_duplicate_rows_are_matched_by_response(tmp_path):
    rows = [_row(response="first", loose=True), _row(response="second", loose=True)]
    results = _write(tmp_path, "a_b_c.jsonl", rows)
    csv_path = tmp_path / "b_c_0.1.csv"
    csv_path.write_text("jailbreak_prompt,query,target_responses,eval_results,re_judge\n"
                        "T {query},Who made you? ,['second'],True,True\n", encoding="utf-8")
    run = load_published(results, csv_path)
    assert [r.strict for r in run.rows] == [False, True]


def test_target_override(tmp_path):
    results = _write(tmp_path, "gpt_GPT_x.jsonl", [_row()])
    assert load_published(results, target="deepseek-chat").target == "deepseek-chat"


@pytest.mark.parametrize("content,message", [
    ("{not json\n", "line 1: not valid JSON"),
    ('{"query": "q"}\n', "line 1: missing key(s) jailbreak_prompt, target_responses, eval_results"),
    ('{"jailbreak_prompt": "t", "query": "q", "target_responses": ["a"], "eval_results": "maybe"}\n',
     "'eval_results' must be true or false"),
    ('{"jailbreak_prompt": "t", "query": "q", "target_responses": 5, "eval_results": true}\n',
     "'target_responses' must be a list of strings"),
    ("\n\n", "no rows"),
    ('["a"]\n', "expected a JSON object"),
])
def test_malformed_results(tmp_path, content, message):
    path = tmp_path / "gpt_GPT_m.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PublishedFormatError, match=message.replace("(", r"\(").replace(")", r"\)")) as exc:
        load_published(path)
    assert "gpt_GPT_m.jsonl" in str(exc.value) and "\n" not in str(exc.value)


def test_malformed_strict_csv(tmp_path):
    results = _write(tmp_path, "gpt_GPT_m.jsonl", [_row()])
    bad_header = tmp_path / "GPT_m_0.1.csv"
    bad_header.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(PublishedFormatError, match="line 1: header must include"):
        load_published(results, bad_header)
    orphan = tmp_path / "GPT_m_0.2.csv"
    orphan.write_text("jailbreak_prompt,query,target_responses,eval_results,re_judge\n"
                      "Other {query},Q,['x'],True,True\n", encoding="utf-8")
    with pytest.raises(PublishedFormatError, match="GPT_m_0.2.csv line 2: no row"):
        load_published(results, orphan)


def test_missing_file(tmp_path):
    with pytest.raises(PublishedFormatError, match="no such file"):
        load_published(tmp_path / "gpt_GPT_none.jsonl")


def test_strict_csv_found_when_the_release_spells_the_model_differently(tmp_path):
    header = "jailbreak_prompt,query,target_responses,eval_results,re_judge\n"
    gemini = _write(tmp_path, "gpt_GPT_gemini-2.0-flash-exp.jsonl", [])
    llama = _write(tmp_path, "gpt_GPT_llama3.1-70b-instruct.jsonl", [])
    qwen7 = _write(tmp_path, "gpt_GPT_qwen2.5-7b-instruct.jsonl", [])
    for name in ("GPT_gemini-2.0-flash_0.035.csv", "GPT_llama-3.1-70b-instruct_0.1.csv",
                 "GPT_qwen2.5-72b_0.211.csv"):
        (tmp_path / name).write_text(header, encoding="utf-8")
    assert find_strict_csv(gemini).name == "GPT_gemini-2.0-flash_0.035.csv"
    assert find_strict_csv(llama).name == "GPT_llama-3.1-70b-instruct_0.1.csv"
    assert find_strict_csv(qwen7) is None  # qwen2.5-72b is another model, not a spelling
