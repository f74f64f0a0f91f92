"""RSE runs end to end: the CLI and the runner against the test server and the real local model."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import LOCAL_MODEL, REPO
from workbench.cli import main
from workbench.devtools.openai_server import Behavior
from workbench.store import open_db
from workbench.store.runs import HUMAN, add_verdict, get_run, run_items, run_verdicts

GOOD_VERDICT = json.dumps({"rationale": "Both answers say the same thing in the same way.",
                           "style": 2, "logic": 2, "content": 1, "overall": 4})


def write_config(path: Path, url: str, *names: str) -> Path:
    """models.toml with each name served by the test server."""
    body = "".join(f'[models.{n}]\nmodel = "openai/{n}"\napi_base = "{url}"\ntimeout = 30\nmax_retries = 1\n'
                   f"max_concurrency = 8\n\n" for n in names)
    path.write_text(body, encoding="utf-8")
    return path


def asked(server, model: str) -> int:
    """Distinct requests a model received (a retried request counts once)."""
    return len({json.dumps(r.messages) for r in server.requests if r.model == model})


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def cfg(tmp_path, server) -> Path:
    return write_config(tmp_path / "models.toml", server.url, "echo", "echo-b", "judge")


def rse(capsys, db_file, cfg, *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, "rse", *argv, "--db", str(db_file), "--config", str(cfg))


# -- the run summary ------------------------------------------------------------------------------------
def test_run_json_has_every_measure_per_target_and_set(server, cfg, db_file, capsys):
    server.default = Behavior(text=GOOD_VERDICT)  # every model answers the same JSON text
    code, out, err = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b",
                         "--target", "echo", "--set", "arena", "--set", "chat", "--limit", "2",
                         "--judge", "judge", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["run_id"] == 1 and report["status"] == "done"
    assert report["progress"] == {"answered": 8, "total": 8}
    for view in ("judge_only", "human_adjusted"):
        targets = report[view]["targets"]
        assert set(targets) == {"echo-b", "echo"}
        for t in targets.values():
            assert set(t["sets"]) == {"arena", "chat"}
            for s in t["sets"].values():
                for measure in ("judge_mean", "style", "logic", "content", "lexical", "ngram2", "embedding"):
                    assert set(s[measure]) >= {"mean", "low", "high", "n"}
                assert s["judge_mean"]["mean"] == 4.0 and s["content"]["mean"] == 1.0
                assert s["lexical"]["mean"] == pytest.approx(1.0)
                assert s["embedding"]["mean"] == pytest.approx(1.0, abs=1e-4)
            assert t["avg"]["judge_mean"]["mean"] == 4.0 and t["avg"]["judge_mean"]["complete"]
    # Each judge request (identical for both targets here) is sent once per prompt; the target
    # "echo" may reuse the reference's stored answer to the same request if it was already there.
    assert asked(server, "echo-b") == 4 and asked(server, "judge") == 4
    assert 4 <= sum(r.model == "echo" for r in server.requests) <= 8
    db = open_db(db_file)
    items = run_items(db, 1)
    assert sorted(i.key for i in items)[0] == "echo-b|arena|arena-001"
    item = next(i for i in items if i.key == "echo|chat|chat-002")
    assert item.meta == {"set": "chat", "prompt_id": "chat-002", "target": "echo", "reference": "echo"}
    assert set(item.metrics) == {"lexical", "ngram2", "embedding"}
    assert item.response_id and item.reference_response_id
    verdicts = run_verdicts(db, 1, "rse")
    assert len(verdicts) == 8 and {v.judge for v in verdicts} == {"judge"}
    assert verdicts[0].value == 4 and verdicts[0].detail["style"] == 2 and verdicts[0].raw == GOOD_VERDICT
    run = get_run(db, 1)
    assert (run.kind, run.reference, run.judge) == ("rse", "echo", "judge")
    assert run.config["limit"] == 2 and run.config["targets"] == ["echo-b", "echo"]


def test_human_review_replaces_the_judge_score_in_the_adjusted_view(server, cfg, db_file, capsys):
    server.default = Behavior(text=GOOD_VERDICT)
    code, _, err = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b", "--limit", "2",
                       "--judge", "judge", "--json")
    assert code == 0, err
    from workbench.runs.rse import summarize

    db = open_db(db_file)
    first = run_items(db, 1)[0]
    vid = add_verdict(db, first.id, judge=HUMAN, kind="rse", value=2, author="tester", reason="not that alike")
    judge_only = summarize(db, 1)["targets"]["echo-b"]["sets"]["arena"]["judge_mean"]
    human = summarize(db, 1, human=True)["targets"]["echo-b"]
    assert judge_only["mean"] == 4.0
    assert human["sets"]["arena"]["judge_mean"]["mean"] == 3.0 and human["human_reviewed"] == 1
    # Style, logic and content stay the judge's when the human gave only an overall score.
    assert human["sets"]["arena"]["style"]["mean"] == 2.0
    add_verdict(db, first.id, judge=HUMAN, kind="rse", value=None, author="tester", retracts=vid)
    assert summarize(db, 1, human=True)["targets"]["echo-b"]["sets"]["arena"]["judge_mean"]["mean"] == 4.0
    code, out, _ = rse(capsys, db_file, cfg, "show", "1", "--json", "--items")
    shown = json.loads(out)
    assert code == 0 and shown["judge_only"]["targets"]["echo-b"]["avg"]["judge_mean"]["mean"] == 4.0
    assert len(shown["items"]) == 2 and shown["items"][0]["judge"]["overall"] == 4


def test_malformed_judge_output_is_stored_as_needs_review(server, cfg, db_file, capsys):
    # concurrency 1: reference and target answer (in either order), then the judge.
    server.script(Behavior(text="The same answer."), Behavior(text="The same answer."),
                  Behavior(text="I think they are quite similar, maybe a four? Style: good."))
    code, out, err = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b", "--limit", "1",
                         "--judge", "judge", "--concurrency", "1", "--json")
    assert code == 0, err
    report = json.loads(out)
    target = report["judge_only"]["targets"]["echo-b"]
    assert target["needs_review"] == 1 and target["answered"] == 1
    assert target["sets"]["arena"]["judge_mean"]["n"] == 0  # a verdict needing review does not count
    assert target["sets"]["arena"]["lexical"]["mean"] == pytest.approx(1.0)
    (verdict,) = run_verdicts(open_db(db_file), 1, "rse")
    assert verdict.value is None and verdict.needs_review
    assert verdict.detail["needs_review"] is True and verdict.detail["error"]
    assert verdict.raw.startswith("I think they are quite similar")
    assert "judge needs review" in err


def test_swap_judges_both_orders_and_keeps_both(server, cfg, db_file, capsys):
    server.default = Behavior(text=GOOD_VERDICT)
    code, out, err = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b", "--limit", "1",
                         "--judge", "judge", "--swap", "--json")
    assert code == 0, err
    (verdict,) = run_verdicts(open_db(db_file), 1, "rse")
    assert verdict.value == 4 and verdict.detail["swapped"]["overall"] == 4 and verdict.detail["first"]["style"] == 2
    assert "[reference first]" in verdict.raw and "[target first]" in verdict.raw


# -- refusals and user mistakes -------------------------------------------------------------------------
def test_self_judge_is_refused_unless_allowed(server, cfg, db_file, capsys):
    code, _, err = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b", "--judge", "echo",
                       "--limit", "1")
    assert code == 2 and err.count("\n") == 1 and "--allow-self-judge" in err
    assert not server.requests
    assert not list(open_db(db_file).query("select * from runs"))
    server.default = Behavior(text=GOOD_VERDICT)
    code, _, err = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b", "--judge", "echo",
                       "--limit", "1", "--allow-self-judge", "--json")
    assert code == 0 and "warning" in err


@pytest.mark.parametrize("argv, needle", [
    (["--reference", "nope", "--target", "echo"], "unknown model 'nope'"),
    (["--reference", "echo", "--target", "echo-b", "--judge", "nojudge"], "unknown model 'nojudge'"),
    (["--reference", "echo", "--target", "echo-b", "--set", "nosuchset"], "unknown prompt set 'nosuchset'"),
    (["--reference", "echo"], "--target"),
    (["--resume", "99"], "no run 99"),
])
def test_user_mistakes_are_one_line_exit_2(server, cfg, db_file, capsys, argv, needle):
    code, _, err = rse(capsys, db_file, cfg, "run", *argv)
    assert code == 2 and err.count("\n") == 1 and needle in err, err


def test_malformed_set_file_names_the_line(tmp_path, server, cfg, db_file, capsys):
    bad = tmp_path / "mine.jsonl"
    bad.write_text('{"id": "a", "prompt": "hi"}\n{"id": "b", "prompt": \n', encoding="utf-8")
    code, _, err = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b", "--set", str(bad))
    assert code == 2 and err.count("\n") == 1 and "mine.jsonl:2" in err
    good = tmp_path / "mine2.jsonl"
    good.write_text('{"id": "a", "prompt": "hi"}\n{"id": "b", "messages": [{"role": "user", "content": "yo"}]}\n')
    code, out, err = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b", "--set",
                         str(good), "--json")
    assert code == 0, err
    assert json.loads(out)["judge_only"]["targets"]["echo-b"]["sets"]["mine2"]["n_items"] == 2


# -- reuse ----------------------------------------------------------------------------------------------
def test_second_run_reuses_stored_answers_and_fresh_asks_again(server, cfg, db_file, capsys):
    server.default = Behavior(text=GOOD_VERDICT)
    args = ("run", "--reference", "echo", "--target", "echo-b", "--limit", "2", "--judge", "judge", "--json")
    code, first, _ = rse(capsys, db_file, cfg, *args)
    assert code == 0 and len(server.requests) == 6
    server.requests.clear()
    code, second, err = rse(capsys, db_file, cfg, *args)
    assert code == 0, err
    assert server.requests == []  # answers and judge verdicts all came from the store
    a, b = json.loads(first), json.loads(second)
    assert b["run_id"] == 2 and b["state"]["sent"] == 0 and b["state"]["reused"] == 6
    assert a["judge_only"]["targets"]["echo-b"]["avg"] == b["judge_only"]["targets"]["echo-b"]["avg"]
    # Different params are a different request: nothing to reuse.
    code, _, _ = rse(capsys, db_file, cfg, *args, "--max-tokens", "7")
    assert code == 0 and len(server.requests) == 6
    server.requests.clear()
    code, _, _ = rse(capsys, db_file, cfg, *args, "--fresh")
    assert code == 0 and len(server.requests) == 6


# -- resume ---------------------------------------------------------------------------------------------
async def test_cancelled_run_resumes_without_asking_answered_items_again(server, cfg, db_file, capsys):
    from workbench.config import load_config
    from workbench.models.gateway import Gateway
    from workbench.runs.rse import RSEOptions, RSERunner, prepare, start_run

    server.default = Behavior(text="An answer of a few words.", latency_s=0.05)
    gateway = Gateway(load_config(cfg))
    prepared = prepare(RSEOptions(reference="echo", targets=["echo-b"], sets=["arena"], limit=6, fresh=True,
                                  concurrency=1, params={"temperature": 0.0, "max_tokens": 32}), gateway)
    db = open_db(db_file)
    run_id = start_run(db, prepared)
    cancel = asyncio.Event()

    def on_event(e):
        if e.kind == "item" and e.done >= 2:
            cancel.set()

    status = await RSERunner(db_file, run_id, prepared, gateway, on_event=on_event, cancel=cancel).run()
    assert status == "interrupted" and get_run(db, run_id).status == "interrupted"
    answered = {i.meta["prompt_id"] for i in run_items(db, run_id) if i.status == "answered"}
    assert 2 <= len(answered) < 6
    server.requests.clear()
    code = await asyncio.to_thread(main, ["rse", "run", "--resume", str(run_id), "--db", str(db_file),
                                          "--config", str(cfg), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "done" and report["progress"] == {"answered": 6, "total": 6}
    asked = {m["content"] for r in server.requests for m in r.messages}
    from probes.rse.sets import load_set

    prompts = {p.id: p.prompt for p in load_set("arena").head(6)}
    assert not any(prompts[pid] in asked for pid in answered)  # answered items were not asked again
    assert len(server.requests) == 2 * (6 - len(answered))
    assert len(run_items(db, run_id)) == 6


def test_killed_process_resumes(tmp_path, server, db_file, capsys):
    cfg = write_config(tmp_path / "models.toml", server.url, "echo", "echo-b")
    server.default = Behavior(text="Slow but steady answer.", latency_s=0.4)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "workbench"), "rse", "run", "--db", str(db_file), "--config", str(cfg),
         "--reference", "echo", "--target", "echo-b", "--limit", "8", "--concurrency", "1", "--fresh",
         "--json"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        answered = 0
        while time.time() < deadline and answered < 2:
            time.sleep(0.3)
            if db_file.exists():
                try:
                    answered = open_db(db_file).execute(
                        "select count(*) from run_items where status = 'answered'").fetchone()[0]
                except Exception:
                    answered = 0
            assert proc.poll() is None, proc.stderr.read().decode()
        proc.send_signal(signal.SIGKILL)  # no chance to clean up: the run row still says running
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    db = open_db(db_file)
    assert get_run(db, 1).status == "running"
    done_before = {i.meta["prompt_id"] for i in run_items(db, 1) if i.status == "answered"}
    assert 2 <= len(done_before) < 8
    server.default = Behavior(text="Slow but steady answer.")
    server.requests.clear()
    code, out, err = run_cli(capsys, "rse", "run", "--resume", "1", "--db", str(db_file), "--config", str(cfg),
                             "--json")
    assert code == 0, err
    assert json.loads(out)["progress"] == {"answered": 8, "total": 8}
    assert len(server.requests) <= 2 * (8 - len(done_before))
    assert "already answered" in err


def test_failed_items_leave_a_resumable_run(server, cfg, db_file, capsys):
    server.default = Behavior(status=400)  # a client error is not retried
    code, out, err = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b", "--limit", "2",
                         "--json")
    assert code == 1 and json.loads(out)["status"] == "failed" and "--resume 1" in err
    server.default = Behavior()
    code, out, err = rse(capsys, db_file, cfg, "run", "--resume", "1", "--json")
    assert code == 0 and json.loads(out)["status"] == "done"
    code, out, _ = rse(capsys, db_file, cfg, "runs", "--json")
    (row,) = json.loads(out)
    assert row["status"] == "done" and row["answered"] == 2 and row["total"] == 2
    code, out, _ = rse(capsys, db_file, cfg, "runs")
    header, line = out.splitlines()
    assert header.split()[:4] == ["run", "status", "items", "created"]
    assert line.split()[:3] == ["1", "done", "2/2"] and "echo → echo-b" in line


# -- matrix ---------------------------------------------------------------------------------------------
def test_matrix_generates_missing_answers_then_reuses_them(server, cfg, db_file, capsys):
    code, out, err = rse(capsys, db_file, cfg, "matrix", "--model", "echo", "--model", "echo-b", "--model", "judge",
                         "--set", "arena", "--limit", "2", "--metric", "lexical", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["models"] == ["echo", "echo-b", "judge"] and len(result["matrix"]) == 3
    assert result["matrix"][0][0] == 1.0 and result["matrix"][0][1] == pytest.approx(1.0)  # all echo the prompt
    assert len(server.requests) == 6 and result["sent"] == 6
    server.requests.clear()
    code, out, _ = rse(capsys, db_file, cfg, "matrix", "--model", "echo", "--model", "echo-b", "--model", "judge",
                       "--set", "arena", "--limit", "2", "--json")
    assert code == 0 and server.requests == [] and json.loads(out)["reused"] == 6
    assert json.loads(out)["metric"] == "embedding"


def test_matrix_judge_metric(server, cfg, db_file, capsys):
    server.default = Behavior(text=GOOD_VERDICT)
    code, out, err = rse(capsys, db_file, cfg, "matrix", "--model", "echo", "--model", "echo-b", "--set", "arena",
                         "--limit", "2", "--metric", "judge", "--judge", "judge", "--json")
    assert code == 0, err
    assert json.loads(out)["matrix"][0][1] == 4.0
    code, _, err = rse(capsys, db_file, cfg, "matrix", "--model", "echo", "--model", "echo-b", "--set", "arena",
                       "--metric", "judge", "--judge", "echo")
    assert code == 2 and "--allow-self-judge" in err


def test_run_matrix_reads_a_stored_run(server, cfg, db_file, capsys):
    server.default = Behavior(text=GOOD_VERDICT)
    code, _, _ = rse(capsys, db_file, cfg, "run", "--reference", "echo", "--target", "echo-b", "--target", "echo",
                     "--limit", "2", "--judge", "judge")
    assert code == 0
    server.requests.clear()
    from workbench.runs.rse_matrix import run_matrix

    db = open_db(db_file)
    m = run_matrix(db, 1, metric="lexical")
    assert m["models"] == ["echo (reference)", "echo-b", "echo"] and m["n"][0][1] == 2
    j = run_matrix(db, 1, metric="judge")
    assert j["matrix"][0][1] == 4.0 and j["matrix"][1][2] is None
    assert server.requests == []


# -- the real local model ---------------------------------------------------------------------------------
def _local_run(capsys, db_file, *extra: str) -> dict:
    code, out, err = run_cli(capsys, "rse", "run", "--db", str(db_file), "--reference", LOCAL_MODEL,
                             "--target", LOCAL_MODEL, "--set", "arena", "--limit", "2", "--max-tokens", "24",
                             "--judge", "none", "--fresh", "--json",
                             # One request at a time: no batching to tell the two greedy answers apart.
                             "--concurrency", "1", *extra)
    assert code == 0, err
    return json.loads(out)["judge_only"]["targets"][LOCAL_MODEL]["avg"]


@pytest.mark.slow
def test_local_model_against_itself_is_near_maximum_and_variants_are_lower(db_file, capsys):
    same = _local_run(capsys, db_file)
    # Sent one at a time; still 0.85, not 1: the second answer reads its prompt from llama.cpp's
    # cache, and a cached prefix is not bit-identical to a fresh one.
    assert same["lexical"]["mean"] >= 0.85 and same["embedding"]["mean"] >= 0.95
    sampled = _local_run(capsys, db_file, "--target-temperature", "1.0", "--target-seed", "7")
    prompted = _local_run(capsys, db_file, "--target-system",
                          "You are a pirate. Answer only in pirate speak, starting with 'Arr'.")
    for variant in (sampled, prompted):
        assert variant["lexical"]["mean"] < same["lexical"]["mean"]
        assert variant["embedding"]["mean"] < same["embedding"]["mean"]
