"""The CLI's contract: every command takes --json, and with --json a user's error is one
JSON object on stdout with the exit status it has without --json."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import LOCAL_MODEL, REPO, write_models_toml
from workbench.cli import WorkbenchParser, add_json_everywhere, build_parser, iter_parsers, main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_json_object(out: str) -> dict:
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


def _filler(parser: argparse.ArgumentParser) -> list[str]:
    """Values for a parser's required arguments, so it can be parsed without its own errors."""
    argv: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        value = str(list(action.choices)[0]) if action.choices else "1"
        if not action.option_strings:
            if action.nargs not in ("?", "*", argparse.REMAINDER):
                argv.append(value)
        elif action.required:
            argv += [action.option_strings[0], value]
    return argv


# -- --json everywhere -------------------------------------------------------------------------
def test_every_command_accepts_json():
    parsers = list(iter_parsers(build_parser()))
    paths = {" ".join(path) for path, _ in parsers}
    # Commands the walk must reach, including those parsed in a second step (review's).
    assert {"models", "ask", "db path", "export", "tui", "ice run", "rse matrix", "review",
            "review stats", "review export", "evokd run", "jobs follow"} <= paths
    for path, parser in parsers:
        if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
            continue  # reached through its sub-commands
        args = parser.parse_args([*_filler(parser), "--json"])
        assert args.json is True, path
        assert getattr(parser.parse_args(_filler(parser)), "json", False) is False, path


@pytest.mark.parametrize("argv", [
    ["--json", "rse", "runs"], ["rse", "--json", "runs"], ["rse", "runs", "--json"], ["rse", "runs", "--js"],
])
def test_json_is_read_wherever_it_is_written(argv):
    assert build_parser().parse_args(argv).json is True
    assert build_parser().parse_args(["rse", "runs"]).json is False


def test_a_command_registered_without_json_gets_it():
    parser = WorkbenchParser(prog="t")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("judge").add_subparsers(dest="action").add_parser("run")
    add_json_everywhere(parser)
    assert parser.parse_args(["judge", "run", "--json"]).json is True
    assert parser.parse_args(["judge", "run"]).json is False


def test_db_path_json(capsys, db_file):
    code, out, _ = run_cli(capsys, "db", "path", "--db", str(db_file), "--json")
    assert code == 0 and one_json_object(out)["path"] == str(db_file)


def test_export_json_says_where_it_wrote_or_carries_the_text(tmp_path, server, capsys, db_file):
    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    run_cli(capsys, "ask", "--db", str(db_file), "--config", str(cfg), "-m", "echo", "--json", "export me")
    target = tmp_path / "s1.md"
    code, out, err = run_cli(capsys, "export", "1", "--db", str(db_file), "-o", str(target), "--json")
    wrote = one_json_object(out)
    assert code == 0 and wrote["path"] == str(target.resolve()) and wrote["format"] == "md"
    assert "Echo: export me" in target.read_text() and wrote["bytes"] == len(target.read_bytes())
    code, out, _ = run_cli(capsys, "export", "1", "--db", str(db_file), "--json")
    assert code == 0 and "Echo: export me" in one_json_object(out)["text"]
    code, out, _ = run_cli(capsys, "export", "1", "--db", str(db_file), "--format", "jsonl", "--json")
    assert code == 0 and one_json_object(out)["responses"][0]["text"] == "Echo: export me"


def test_review_export_json(capsys, db_file, tmp_path):
    from tests.review.fixtures import make_ice_run
    from workbench.store import open_db

    db = open_db(db_file)
    run_id, _ = make_ice_run(db)
    db.close()
    target = tmp_path / "labels.csv"
    code, out, _ = run_cli(capsys, "review", "export", str(run_id), "--format", "csv", "-o", str(target),
                           "--db", str(db_file), "--json")
    wrote = one_json_object(out)
    assert code == 0 and wrote["path"] == str(target.resolve()) and wrote["items"] == 20
    code, out, _ = run_cli(capsys, "review", "--json", "export", str(run_id), "--db", str(db_file))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 20
    code, out, _ = run_cli(capsys, "review", str(run_id), "--db", str(db_file), "--json")
    assert code == 2 and "review stats RUN --json" in one_json_object(out)["error"]


def test_jobs_follow_prints_text_unless_json(capsys, db_file):
    from workbench.store import jobs as store
    from workbench.store import open_db

    db = open_db(db_file)
    job_id = store.create_job(db, "evokd", {"options": {"dataset": "bbc-news", "teacher": "t", "method": "evokd"}})
    store.update_job(db, job_id, status="done")
    db.close()
    code, out, _ = run_cli(capsys, "jobs", "follow", str(job_id), "--db", str(db_file))
    assert code == 0 and out.startswith(f"job {job_id} · ") and "done" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
    code, out, _ = run_cli(capsys, "jobs", "follow", str(job_id), "--db", str(db_file), "--json")
    assert code == 0 and one_json_object(out)["status"] == "done"


# -- errors as JSON ----------------------------------------------------------------------------
def _bad_config(tmp_path):
    cfg = tmp_path / "models.toml"
    cfg.write_text('[models.leaky]\nmodel = "openai/gpt-4o-mini"\napi_key = "sk-123"\n\n'
                   '[models.typo]\nmodel = "openai/b"\ntemprature = 0.2\ntimeout = 0\n', encoding="utf-8")
    return cfg


def test_every_problem_of_a_models_toml_is_listed(tmp_path, capsys):
    cfg = _bad_config(tmp_path)
    code, out, err = run_cli(capsys, "models", "--config", str(cfg))
    lines = err.splitlines()
    assert code == 2 and out == "" and len(lines) == 3 and "Traceback" not in err
    assert all(line.startswith("workbench: error: ") for line in lines)
    # Each problem names the line of its key, not the table's header.
    assert f"{cfg}:3 [models.leaky]" in lines[0]
    assert "put the key in an environment variable and name it in api_key_env" in lines[0]
    assert "sk-123" not in err  # the key itself is never repeated
    assert f"{cfg}:7 [models.typo]" in lines[1] and "unknown key(s) temprature" in lines[1]
    assert f"{cfg}:8 [models.typo]" in lines[2] and "timeout must be a number of seconds above 0" in lines[2]


def test_bad_models_toml_with_json(tmp_path, capsys):
    cfg = _bad_config(tmp_path)
    code, out, err = run_cli(capsys, "models", "--config", str(cfg), "--json")
    obj = one_json_object(out)
    assert code == 2 and obj["kind"] == "config" and obj["config"] == str(cfg)
    assert len(obj["errors"]) == 3 and obj["error"] == "\n".join(obj["errors"])
    assert "sk-123" not in out


@pytest.mark.parametrize("argv, needle", [
    (["ask", "-m", "nope", "hi"], "unknown model 'nope'"),
    (["ice", "run", "--resume", "999"], "no run 999"),
    (["rse", "show", "999"], "999"),
    (["jobs", "show", "42"], "no job 42"),
    ([], "terminal app has no JSON output"),
])
def test_user_errors_with_json_are_one_object_and_keep_the_status(capsys, db_file, argv, needle):
    plain_code, plain_out, plain_err = run_cli(capsys, *argv, "--db", str(db_file)) if argv else (2, "", "")
    code, out, err = run_cli(capsys, *argv, "--db", str(db_file), "--json")
    obj = one_json_object(out)
    assert code == plain_code == 2 and needle in obj["error"] and obj["status"] == 2
    assert plain_out == ""
    if argv:
        assert plain_err.count("\n") == 1 and needle in plain_err


def test_usage_errors_with_json(capsys):
    code, out, err = run_cli(capsys, "rse", "matrix", "--set", "arena")
    assert code == 2 and out == "" and err.startswith("usage: workbench rse matrix")
    assert "workbench rse matrix: error: the following arguments are required: --model" in err
    code, out, _ = run_cli(capsys, "rse", "matrix", "--set", "arena", "--json")
    obj = one_json_object(out)
    assert code == 2 and obj["kind"] == "usage" and obj["command"] == "workbench rse matrix"
    assert "--model" in obj["error"] and obj["usage"].startswith("usage: workbench rse matrix")
    code, out, _ = run_cli(capsys, "rse", "runs", "--bogus", "--json")
    assert code == 2 and "--bogus" in one_json_object(out)["error"]


def test_ctrl_c_with_json_answers_an_object_saying_how_to_continue(tmp_path, server, db_file):
    from workbench.devtools.openai_server import Behavior
    from workbench.store import open_db

    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    # 20 items of 0.8 s: still going when a slow poll (a loaded machine) first sees an answer.
    server.default = Behavior(text="Slow but steady answer.", latency_s=0.4)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "rse", "run", "--db", str(db_file), "--config", str(cfg),
         "--reference", "echo", "--target", "echo", "--limit", "20", "--concurrency", "1", "--fresh", "--json"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell's background job (`make test &`, a CI runner) starts with SIGINT ignored, and
        # Python then installs no KeyboardInterrupt handler: give the child a terminal's default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 120
        answered = 0
        while time.time() < deadline and answered < 1 and proc.poll() is None:
            time.sleep(0.3)
            try:
                answered = open_db(db_file).execute(
                    "select count(*) from run_items where status = 'answered'").fetchone()[0]
            except Exception:  # the file or its tables are not there yet
                answered = 0
        assert answered >= 1 and proc.poll() is None
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    obj = one_json_object(out)
    assert proc.returncode == 130 and obj["kind"] == "interrupted" and obj["run_id"] == 1
    assert "workbench rse run --resume 1" in obj["message"] and "--resume 1" in err


# -- the real local model ------------------------------------------------------------------------
@pytest.mark.slow
def test_matrix_on_part_of_a_set_with_progress(tmp_path, capsys, db_file):
    # A second name for the built-in model; its seed changes the request, not a greedy answer.
    cfg = tmp_path / "models.toml"
    cfg.write_text(f'[models.smol-seeded]\nmodel = "{LOCAL_MODEL}"\nparams = {{ seed = 7 }}\n', encoding="utf-8")
    argv = ["rse", "matrix", "--db", str(db_file), "--config", str(cfg), "--model", LOCAL_MODEL,
            "--model", "smol-seeded", "--set", "arena", "--limit", "1", "--max-tokens", "4", "--metric", "lexical",
            # One at a time: llama.cpp's batched decode of two requests is not bit-identical.
            "--concurrency", "1"]
    code, out, err = run_cli(capsys, *argv, "--json")
    result = one_json_object(out)
    assert code == 0, err
    assert result["prompts"] == 1 and result["set_prompts"] == 34 and result["limit"] == 1
    assert result["sent"] + result["reused"] == 2
    assert result["matrix"][0][1] == pytest.approx(1.0)  # greedy: the same answer twice
    assert "2 models x the first 1 of 34 prompts of arena = 2 answers" in err
    assert "[1/2]" in err and "[2/2]" in err and "arena-001" in err and "arena-002" not in err
    code, out, err = run_cli(capsys, *argv, "--quiet")
    assert code == 0 and err == "" and "lexical similarity on arena (1 of 34 prompts; 0 asked, 2 reused)" in out


TIMING_SCRIPT = """
import asyncio, json
from workbench.models.gateway import Gateway
async def main():
    g = Gateway()
    for _ in range(2):
        r = await g.complete("%s", [{"role": "user", "content": "Count from one to ten."}], max_tokens=12)
        print(json.dumps({"ok": r.ok, "error": r.error, "load_s": r.load_s, "ttft_s": r.ttft_s,
                          "total_s": r.total_s, "tokens": r.completion_tokens, "tps": r.tokens_per_s,
                          "client_s": r.client_s, "gen_s": r.generation_s}))
asyncio.run(main())
""" % LOCAL_MODEL


@pytest.mark.slow
def test_first_local_answer_times_the_load_apart_from_generation(tmp_path):
    # A fresh process, so the first answer waits for the model to load; built-in models only.
    (tmp_path / "models.toml").write_text("", encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "WORKBENCH_CONFIG": str(tmp_path / "models.toml")}
    proc = subprocess.run([sys.executable, "-c", TIMING_SCRIPT], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["ok"] and second["ok"], (first, second)
    assert first["load_s"] > 0 and second["load_s"] is None
    for r in (first, second):
        load, client = r["load_s"] or 0.0, r["client_s"] or 0.0
        assert 0 < r["ttft_s"] and client + load + r["ttft_s"] + r["gen_s"] <= r["total_s"]
        # tok/s counts the tokens after the first over the time from the first token to the
        # last: the client's start-up (litellm's import) and the load are not generation
        assert r["tokens"] > 1
        assert r["tps"] == pytest.approx((r["tokens"] - 1) / r["gen_s"])
    # Had the load been counted as generation time, the rate would be this lower one.
    assert first["tps"] > (first["tokens"] - 1) / (first["total_s"] - first["ttft_s"])


def test_the_bare_tui_command_skips_the_full_parser():
    from workbench.cli import _tui_only, cmd_tui

    args = _tui_only(["--db", "x.db", "--config=m.toml"])
    assert args is not None and args.func is cmd_tui and (args.db, args.config) == ("x.db", "m.toml")
    assert _tui_only([]).db is None
    for other in (["ask", "hi"], ["--db"], ["--json"], ["tui", "--screen", "ice"]):
        assert _tui_only(other) is None, other  # the full parser handles (and explains) these


def test_starting_the_tui_imports_no_command_module_or_store():
    import subprocess
    import sys

    code = ("import sys, workbench.cli as c; c._tui_only([]); "
            "print(sorted(m for m in sys.modules if m.startswith(('workbench.commands', 'sqlite_utils'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
