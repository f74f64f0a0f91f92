"""`workbench ice` end to end in-process: run, resume, show, runs, rejudge, and user errors."""

from __future__ import annotations

import json

from tests.conftest import write_models_toml
from workbench.cli import main
from workbench.devtools.openai_server import Behavior

CHATGPT = "I am ChatGPT, developed by OpenAI."


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _common(tmp_path, server, db_file) -> list[str]:
    cfg = write_models_toml(tmp_path / "models.toml", server.url)
    return ["--db", str(db_file), "--config", str(cfg)]


def test_run_json_show_runs_and_rejudge(tmp_path, server, db_file, capsys):
    server.default = Behavior(text=CHATGPT)
    common = _common(tmp_path, server, db_file)
    code, out, err = run_cli(capsys, "ice", "run", *common, "--target", "echo", "--no-fuzz",
                             "--budget", "5", "--questions", "5", "--templates", "2",
                             "--lang", "en,zh", "--fact", "I am Llama, made by Meta.", "--json")
    assert code == 0, err
    s = json.loads(out)
    assert s["status"] == "done" and s["n"] == 5 and s["loose_count"] == 5 and s["hard_count"] == 5
    assert s["fact"] == "I am Llama, made by Meta." and s["budget"] == 5
    assert "[5/5]" in err and "loose=1 strict=1" in err  # progress on stderr
    run_id = s["run_id"]

    code, out, _ = run_cli(capsys, "ice", "show", str(run_id), *common, "--answers", "2")
    assert code == 0 and "loose  1.000  (5/5)" in out and "95% CI" in out and CHATGPT in out
    code, out, _ = run_cli(capsys, "ice", "runs", *common, "--json")
    rows = json.loads(out)
    assert rows[0]["run_id"] == run_id and rows[0]["loose_count"] == 5 and rows[0]["status"] == "done"
    code, out, _ = run_cli(capsys, "ice", "runs", *common)
    assert code == 0 and "echo" in out

    code, out, _ = run_cli(capsys, "ice", "rejudge", str(run_id), *common, "--judge", "rule", "--json")
    r = json.loads(out)
    assert code == 0 and r["agreement"]["confusion"]["tp"] == 5
    assert set(r["agreement"]) >= {"kappa", "precision", "recall", "confusion"}

    code, _, err = run_cli(capsys, "ice", "run", *common, "--resume", str(run_id))
    assert code == 2 and "already finished" in err and err.count("\n") == 1


def test_rejudge_with_the_papers_judge_prompt(tmp_path, server, db_file, capsys):
    """`--judge paper:MODEL` asks MODEL the loose question as the ICE paper's judge does: one
    user message with the fact and the answer between <factor> tags, no question, a 1/0 in
    <judge> tags; its verdicts are stored apart from the same model's with our prompt."""
    server.default = Behavior(text=CHATGPT)
    common = _common(tmp_path, server, db_file)
    code, out, err = run_cli(capsys, "ice", "run", *common, "--target", "echo", "--no-fuzz", "--budget", "3",
                             "--questions", "3", "--templates", "1", "--fact", "I am Llama, made by Meta.",
                             "--json")
    assert code == 0, err
    run_id = json.loads(out)["run_id"]
    server.requests.clear()
    server.default = Behavior(text="Statement 2 says OpenAI made it; statement 1 says Meta. <judge>1</judge>")
    code, out, err = run_cli(capsys, "ice", "rejudge", str(run_id), *common, "--judge", "paper:echo", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["judge"] == "paper:echo" and r["agreement"]["confusion"]["tp"] == 3
    assert {q.model for q in server.requests} == {"echo"}  # the model after paper:, not "paper:echo"
    loose = [q for q in server.requests if "<factor>" in q.messages[-1]["content"]]
    assert len(loose) == 3 and len(server.requests) == 6  # three loose (paper), three strict (ours)
    for q in loose:
        assert [m["role"] for m in q.messages] == ["user"]
        body = q.messages[0]["content"]
        assert "I am Llama, made by Meta, whose makers are based in the United States." in body
        assert CHATGPT in body and "<judge>0</judge>" in body
    from workbench.store import open_db

    db = open_db(db_file)
    rows = db.execute("select judge, kind, value from verdicts where judge = 'paper:echo'").fetchall()
    assert sorted((k, v) for _, k, v in rows) == [("loose", 1.0)] * 3 + [("strict", 1.0)] * 3


def test_interrupted_run_resumes_from_the_cli(tmp_path, server, db_file, capsys):
    common = _common(tmp_path, server, db_file)
    (tmp_path / "models.toml").write_text(
        f'[models.echo]\nmodel = "openai/echo"\napi_base = "{server.url}"\ntimeout = 3\nmax_retries = 0\n',
        encoding="utf-8")
    server.script(*[Behavior(text=CHATGPT)] * 2)
    server.default = Behavior(status=503)
    code, out, err = run_cli(capsys, "ice", "run", *common, "--target", "echo", "--budget", "12",
                             "--concurrency", "1", "--json")
    s = json.loads(out)
    assert code == 1 and s["status"] == "interrupted" and s["n"] == 2
    assert f"--resume {s['run_id']}" in s["error"]

    server.default = Behavior(text="I am Echo.")
    code, out, err = run_cli(capsys, "ice", "run", *common, "--resume", str(s["run_id"]), "--json")
    s2 = json.loads(out)
    assert code == 0 and s2["status"] == "done" and s2["n"] == 12 and s2["loose_count"] == 2
    assert "resuming ICE run" in err


def test_user_errors_are_one_line(tmp_path, server, db_file, capsys):
    common = _common(tmp_path, server, db_file)
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(bytes(range(256)) * 8)
    truncated = tmp_path / "truncated.jsonl"
    truncated.write_text('{"jailbreak_prompt": "x", "query": "who', encoding="utf-8")
    cases = [
        (["ice", "run", *common], "--target"),
        (["ice", "run", *common, "--target", "nope"], "workbench models"),
        (["ice", "run", *common, "--target", "echo", "--judge", "nope"], "--judge"),
        (["ice", "run", *common, "--target", "echo", "--lang", "fr"], "--lang"),
        (["ice", "run", *common, "--target", "echo", "--budget", "0"], "budget"),
        (["ice", "run", *common, "--target", "echo", "--helper", "echo", "--budget", "5"],
         "cannot pay one template evaluation"),
        (["ice", "run", *common, "--resume", "99"], "no run 99"),
        (["ice", "show", "99", *common], "no run 99"),
        (["ice", "rejudge", "99", *common, "--judge", "rule"], "no run 99"),
        (["ice", "import", str(tmp_path / "missing.jsonl"), *common], "no such file"),
        # issue 26: numbers out of range, NaN, a zero that used to become 4, files that are not JSONL
        (["ice", "run", *common, "--target", "echo", "--max-tokens", "-5"], "--max-tokens must be between 1"),
        (["ice", "run", *common, "--target", "echo", "--temperature", "nan"], "--temperature must be between 0 and 2"),
        (["ice", "run", *common, "--target", "echo", "--temperature", "5"], "--temperature must be between 0 and 2"),
        (["ice", "run", *common, "--target", "echo", "--temperature", "-3"], "--temperature must be between 0 and 2"),
        (["ice", "run", *common, "--target", "echo", "--concurrency", "0"], "--concurrency must be 1 or more"),
        (["ice", "run", *common, "--target", "echo", "--judge-max-tokens", "0"], "--judge-max-tokens"),
        (["ice", "rejudge", "1", *common, "--judge", "rule", "--concurrency", "0"], "--concurrency"),
        (["ice", "import", str(binary), *common], "is not a text file"),
        (["ice", "import", str(truncated), *common], "truncated.jsonl line"),
        # the ICE paper's judge prompt is asked to a model, named after paper:
        (["ice", "run", *common, "--target", "echo", "--judge", "paper:"], "needs a model after it"),
        (["ice", "run", *common, "--target", "echo", "--judge", "paper:rule"], "is asked to a model"),
        (["ice", "run", *common, "--target", "echo", "--judge", "paper:nope"], "--judge"),
    ]
    for argv, expected in cases:
        code, _, err = run_cli(capsys, *argv)
        assert code == 2, (argv, err)
        assert err.count("\n") == 1 and expected in err, (argv, err)
    from workbench.store import open_db

    db = open_db(db_file)
    assert db.execute("select count(*) from runs").fetchone()[0] == 0  # nothing stored half-done
    assert not server.requests  # and nothing sent


def test_sigint_and_sigterm_mark_the_run_interrupted(tmp_path, server, db_file):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import REPO
    from workbench.store import open_db
    from workbench.store.runs import list_runs

    # Long enough (400 answers, 0.5 s each, two at a time) that the signal always lands
    # mid-run, even on a loaded machine; the run is interrupted after two answers.
    server.default = Behavior(text=CHATGPT, latency_s=0.5)
    common = _common(tmp_path, server, db_file)
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 1)):
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", "ice", "run", *common, "--target", "echo",
             "--budget", "400", "--concurrency", "2", "--json"],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            # A shell's background job (CI started with `&`) inherits SIGINT ignored, and
            # Python keeps an inherited SIG_IGN; the test is about a terminal's ctrl+c.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if db_file.exists():
                db = open_db(db_file)
                n = next(iter(db.query("select count(*) as n from run_items where status = 'answered'")))["n"]
                db.close()
                if n >= 2:
                    break
            time.sleep(0.2)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == code, err
        run = list_runs(open_db(db_file), "ice")[0]
        assert run.status == "interrupted" and "--resume" in run.error
        assert f"--resume {run.id}" in (err + out)
        db_file.unlink()
        for extra in ("-wal", "-shm"):
            (db_file.parent / (db_file.name + extra)).unlink(missing_ok=True)
