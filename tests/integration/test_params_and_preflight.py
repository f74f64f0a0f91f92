"""Parameters mean what they say; runs refuse to start when a model cannot be reached; times
and scores are reported as what they are (issue 26)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from tests.conftest import REPO
from workbench.cli import main
from workbench.devtools.openai_server import Behavior
from workbench.models.params import CONFIG, DEFAULT, FLAG, choose_params

CHATGPT = "I am ChatGPT, developed by OpenAI."


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _toml(tmp_path, url: str, extra: str = "") -> str:
    path = tmp_path / "models.toml"
    path.write_text(
        f'[models.echo]\nmodel = "openai/echo"\napi_base = "{url}"\ntimeout = 30\nmax_retries = 0\n'
        f'[models.hot]\nmodel = "openai/hot"\napi_base = "{url}"\ntimeout = 30\nmax_retries = 0\n'
        'params = { temperature = 0.9, max_tokens = 7 }\n' + extra, encoding="utf-8")
    return str(path)


def _sent(server, model: str) -> list[dict]:
    return [r.body for r in server.requests if r.model == model]


def test_the_rule_flag_then_models_toml_then_default():
    chosen = choose_params({"temperature": 0.9, "top_p": 0.5}, {"temperature": None, "max_tokens": 9},
                           {"temperature": 0.0, "max_tokens": 512, "seed": 1})
    assert chosen.values == {"temperature": 0.9, "top_p": 0.5, "max_tokens": 9, "seed": 1}
    assert chosen.sources == {"temperature": CONFIG, "top_p": CONFIG, "max_tokens": FLAG, "seed": DEFAULT}
    assert chosen.record()["temperature"] == {"value": 0.9, "source": CONFIG}


def test_rse_keeps_a_models_temperature_unless_a_flag_is_given(tmp_path, server, db_file, capsys):
    cfg = _toml(tmp_path, server.url)
    common = ["--db", str(db_file), "--config", cfg]
    code, out, err = run_cli(capsys, "rse", "run", *common, "--reference", "echo", "--target", "hot",
                             "--set", "arena", "--limit", "2", "--fresh", "--json")
    assert code == 0, err
    # Before: --temperature defaulted to 0.0 and overrode hot's 0.9, so the sampled variant
    # was asked exactly like the reference.
    assert {b["temperature"] for b in _sent(server, "hot")} == {0.9}
    assert {b["max_tokens"] for b in _sent(server, "hot")} == {7}
    assert {b["temperature"] for b in _sent(server, "echo")} == {0.0}
    from workbench.store import open_db
    from workbench.store.runs import get_run

    run = get_run(open_db(db_file), json.loads(out)["run_id"])
    resolved = run.config["resolved"]
    assert resolved["target:hot"]["temperature"] == {"value": 0.9, "source": "models.toml"}
    assert resolved["reference"]["temperature"] == {"value": 0.0, "source": "default"}
    assert resolved["reference"]["max_tokens"] == {"value": 512, "source": "default"}

    server.requests.clear()
    code, out, err = run_cli(capsys, "rse", "run", *common, "--reference", "echo", "--target", "hot",
                             "--set", "arena", "--limit", "1", "--fresh", "--temperature", "0.3", "--json")
    assert code == 0, err
    assert {r.body["temperature"] for r in server.requests} == {0.3}


def test_rse_matrix_follows_the_rule_too(tmp_path, server, db_file, capsys):
    cfg = _toml(tmp_path, server.url)
    code, out, err = run_cli(capsys, "rse", "matrix", "--db", str(db_file), "--config", cfg, "--model", "echo",
                             "--model", "hot", "--set", "arena", "--limit", "1", "--metric", "lexical",
                             "--fresh", "--json")
    assert code == 0, err
    assert {b["temperature"] for b in _sent(server, "hot")} == {0.9}
    assert {b["temperature"] for b in _sent(server, "echo")} == {0.0}
    assert json.loads(out)["params"]["hot"]["temperature"]["source"] == "models.toml"


def test_ice_records_each_value_and_its_source(tmp_path, server, db_file, capsys):
    server.default = Behavior(text=CHATGPT)
    cfg = _toml(tmp_path, server.url)
    common = ["--db", str(db_file), "--config", cfg]
    code, out, err = run_cli(capsys, "ice", "run", *common, "--target", "hot", "--no-fuzz", "--budget", "2",
                             "--temperature", "0.2", "--json")
    assert code == 0, err
    assert {b["temperature"] for b in _sent(server, "hot")} == {0.2}
    assert {b["max_tokens"] for b in _sent(server, "hot")} == {7}
    from workbench.store import open_db
    from workbench.store.runs import get_run

    params = get_run(open_db(db_file), json.loads(out)["run_id"]).config["params"]["target"]
    assert params == {"temperature": {"value": 0.2, "source": "flag"},
                      "max_tokens": {"value": 7, "source": "models.toml"}}


def test_ask_reports_where_each_value_came_from(tmp_path, server, db_file, capsys):
    cfg = _toml(tmp_path, server.url)
    code, out, err = run_cli(capsys, "ask", "--db", str(db_file), "--config", cfg, "-m", "hot",
                             "--max-tokens", "3", "--json", "hi")
    assert code == 0, err
    r = json.loads(out)
    assert r["params"] == {"temperature": 0.9, "max_tokens": 3}
    assert r["param_sources"] == {"temperature": "models.toml", "max_tokens": "flag"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_runs_refuse_to_start_when_a_server_is_down_or_a_key_is_missing(tmp_path, server, db_file, capsys,
                                                                       monkeypatch):
    monkeypatch.delenv("WB_TEST_NO_SUCH_KEY", raising=False)
    dead = f"http://127.0.0.1:{_closed_port()}/v1"
    cfg = _toml(tmp_path, server.url,
                f'[models.down]\nmodel = "openai/down"\napi_base = "{dead}"\n'
                f'[models.keyed]\nmodel = "openai/keyed"\napi_base = "{server.url}"\n'
                'api_key_env = "WB_TEST_NO_SUCH_KEY"\n')
    common = ["--db", str(db_file), "--config", cfg]
    cases = [
        (["ask", *common, "-m", "down", "hi"], f"cannot reach {dead}"),
        (["ask", *common, "-m", "keyed", "hi"], "WB_TEST_NO_SUCH_KEY is not set"),
        (["ice", "run", *common, "--target", "down", "--no-fuzz", "--budget", "2"], f"cannot reach {dead}"),
        (["ice", "run", *common, "--target", "echo", "--judge", "keyed", "--no-fuzz", "--budget", "2"],
         "WB_TEST_NO_SUCH_KEY is not set"),
        (["rse", "run", *common, "--reference", "echo", "--target", "down", "--limit", "1"], "cannot reach"),
        (["rse", "matrix", *common, "--model", "echo", "--model", "keyed", "--set", "arena"], "WB_TEST_NO_SUCH_KEY"),
    ]
    for argv, expected in cases:
        code, out, err = run_cli(capsys, *argv)
        assert code == 2 and err.count("\n") == 1 and expected in err, (argv, err)
    from workbench.store import open_db

    db = open_db(db_file)
    assert db.execute("select count(*) from runs").fetchone()[0] == 0
    assert db.execute("select count(*) from responses").fetchone()[0] == 0
    assert not server.requests


def test_ttft_starts_when_the_request_leaves_and_client_start_up_is_apart(tmp_path, server, db_file):
    # A fresh process pays litellm's import before its first request: that is client start-up,
    # recorded on its own, not time to first token.
    server.default = Behavior(text="Paris.", latency_s=0.5)
    cfg = _toml(tmp_path, server.url)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", "import sys; from workbench.cli import main; sys.exit(main())",
                           "ask", "--db", str(db_file), "--config", cfg, "-m", "echo", "--json", "hi"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    r = json.loads(done.stdout)
    assert r["client_s"] is not None and r["client_s"] > 0
    assert r["ttft_s"] >= 0.5  # the server waited that long before its first byte
    assert r["client_s"] + r["ttft_s"] <= r["total_s"] + 1e-3  # before: ttft_s held client_s too
    from workbench.store import open_db

    row = open_db(db_file).execute("select client_s, ttft_s, param_sources from responses").fetchone()
    assert row[0] == r["client_s"] or abs(row[0] - r["client_s"]) < 1e-3
    assert row[2] is None  # echo has no params: nothing was chosen, nothing to attribute


def test_scores_with_nothing_judged_say_not_judged(tmp_path, server, db_file, capsys):
    server.default = Behavior(status=503)
    common = ["--db", str(db_file), "--config", _toml(tmp_path, server.url)]
    code, out, err = run_cli(capsys, "ice", "run", *common, "--target", "echo", "--no-fuzz", "--budget", "2",
                             "--concurrency", "1", "--json")
    run_id = json.loads(out)["run_id"]
    assert code == 1 and json.loads(out)["n"] == 0
    code, out, _ = run_cli(capsys, "ice", "show", str(run_id), *common)
    assert code == 0 and "loose  not judged" in out and "(0/0)" not in out
    code, out, _ = run_cli(capsys, "ice", "runs", *common)
    assert code == 0 and "not judged" in out


def test_a_failed_answer_names_its_model_once(tmp_path, server, db_file, capsys):
    server.default = Behavior(status=500)
    common = ["--db", str(db_file), "--config", _toml(tmp_path, server.url)]
    code, out, err = run_cli(capsys, "rse", "run", *common, "--reference", "echo", "--target", "hot",
                             "--set", "arena", "--limit", "1", "--fresh")
    assert code == 1 and "echo: server error 500" in err
    assert "echo: echo:" not in err  # before: "echo: echo: server error 500"


async def test_a_422_is_one_rejected_request_not_a_hidden_resend(config, server):
    # Before: litellm's global drop_params resent a 422'd request once, out of sight of the
    # gateway's attempts: a scripted 422 came back as an answer with error=None (and two
    # 422s in a row as "TypeError: 'async for' requires ... NoneType").
    from workbench.models.gateway import Gateway

    server.script(Behavior(status=422))
    r = await Gateway(config).complete("echo", [{"role": "user", "content": "hi"}])
    assert r.status == "error" and r.error_kind == "client", (r.status, r.error)
    assert "422" in r.error and "echo:" in r.error
    assert len(server.requests) == 1  # a client error is not retried, by us or by litellm
    server.requests.clear()
    server.script(Behavior(status=422), Behavior(status=422))
    r = await Gateway(config).complete("echo", [{"role": "user", "content": "hi"}])
    assert r.error_kind == "client" and "TypeError" not in r.error


def test_a_raw_model_string_without_its_providers_key_is_refused_before_the_run(tmp_path, server, db_file,
                                                                                  capsys, monkeypatch):
    # litellm reads OPENAI_API_KEY for openai/... when models.toml names no api_key_env; before,
    # each item failed on its own, after the run had started.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    cfg = _toml(tmp_path, server.url, '[models.cloud]\nmodel = "openai/gpt-4o-mini"\n')
    common = ["--db", str(db_file), "--config", cfg]
    cases = [["ask", *common, "-m", "openai/gpt-4o-mini", "hi"],
             ["ice", "run", *common, "--target", "openai/gpt-4o-mini", "--no-fuzz", "--budget", "2"],
             ["ice", "run", *common, "--target", "cloud", "--no-fuzz", "--budget", "2"],
             ["rse", "run", *common, "--reference", "echo", "--target", "openai/gpt-4o-mini", "--limit", "1"]]
    for argv in cases:
        code, out, err = run_cli(capsys, *argv)
        assert code == 2 and err.count("\n") == 1 and "OPENAI_API_KEY is not set" in err, (argv, err)
    from workbench.store import open_db

    db = open_db(db_file)
    assert db.execute("select count(*) from runs").fetchone()[0] == 0
    assert db.execute("select count(*) from responses").fetchone()[0] == 0
    # A server of one's own (api_base) needs no key: echo still runs with OPENAI_API_KEY unset.
    code, out, err = run_cli(capsys, "ask", *common, "-m", "echo", "hi")
    assert code == 0, err
