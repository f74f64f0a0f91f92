"""Many processes, one database, nothing lost.

Three `ice run`, an `rse run`, a stream of `ask` and an EvoKD job worker share one SQLite
file, all at once, against the fault-injecting server (429 with Retry-After, 500s and a
dropped stream land on whichever process asks next). Every item must be stored, the file
must pass `pragma integrity_check`, and no process may see "database is locked".

Sized for two shared CPU cores: small runs, real processes. Before the store began its
write transactions with BEGIN IMMEDIATE, one of three `ice run` alone crashed with
"database is locked" in 8 of 8 tries.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import REPO
from workbench.devtools.openai_server import Behavior

CHATGPT = "I am ChatGPT, developed by OpenAI."
ICE_RUNS, ICE_ITEMS = 3, 10
RSE_PROMPTS = 4
ASKS = 4


def _cli(*argv: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from workbench.cli import main; sys.exit(main())", *argv]


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def test_ice_rse_asks_and_a_job_worker_share_one_file(tmp_path, server, teacher_config, tiny_student,
                                                      toy_data):
    from workbench.store import open_db
    from workbench.store import jobs as jobs_store
    from workbench.store.runs import list_runs, run_items

    db_path = tmp_path / "shared.db"
    models = tmp_path / "probe-models.toml"  # teacher_config is tmp_path/models.toml
    models.write_text("".join(
        f'[models.{name}]\nmodel = "openai/{name}"\napi_base = "{server.url}"\n'
        "timeout = 10\nmax_retries = 6\nmax_concurrency = 4\n" for name in ("echo", "echo-b")),
        encoding="utf-8")
    server.default = Behavior(text=CHATGPT, latency_s=0.02)
    # Faults for whoever asks next: each is retried by the gateway, none may lose an item.
    server.script(Behavior(status=429, retry_after=0.2), Behavior(status=500),
                  Behavior(text=CHATGPT, drop_after=2), Behavior(status=503),
                  Behavior(status=429, retry_after=0.1), Behavior(status=500))
    common = ["--db", str(db_path), "--config", str(models)]
    open_db(db_path).close()  # the schema exists before the crowd arrives
    env = _env()

    procs: dict[str, subprocess.Popen] = {}
    logs: dict[str, Path] = {}

    def spawn(name: str, argv: list[str]) -> None:
        logs[name] = tmp_path / f"{name}.err"
        procs[name] = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=logs[name].open("w"), env=env,
                                       text=True, cwd=tmp_path)

    # The job worker first: it imports torch, the slowest start.
    done = subprocess.run(_cli("evokd", "run", "--db", str(db_path), "--config", str(teacher_config),
                               "--dataset", str(toy_data), "--student", str(tiny_student), "--teacher",
                               "teacher", "--per-round", "3", "--rounds", "1", "--device", "cpu",
                               "--threads", "1", "--detach", "--json"),
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    job_id = json.loads(done.stdout)["job_id"]
    for i in range(ICE_RUNS):
        spawn(f"ice{i}", _cli("ice", "run", *common, "--target", "echo", "--no-fuzz", "--budget",
                              str(ICE_ITEMS), "--concurrency", "4", "--seed", str(i), "--quiet", "--json"))
    spawn("rse", _cli("rse", "run", *common, "--reference", "echo", "--target", "echo-b", "--set", "arena",
                      "--limit", str(RSE_PROMPTS), "--fresh", "--quiet", "--json"))

    asks: list[subprocess.CompletedProcess] = []

    def ask_stream() -> None:
        for i in range(ASKS):
            asks.append(subprocess.run(_cli("ask", *common, "-m", "echo", "--json", f"question {i}"),
                                       capture_output=True, text=True, env=env, timeout=300))

    asker = threading.Thread(target=ask_stream)
    asker.start()
    outputs = {name: p.communicate(timeout=600)[0] for name, p in procs.items()}
    asker.join(600)

    db = open_db(db_path)
    deadline = time.monotonic() + 300
    while (job := jobs_store.get_job(db, job_id)).status not in jobs_store.TERMINAL:
        assert time.monotonic() < deadline, "the EvoKD job did not finish"
        time.sleep(0.5)

    errors = {name: path.read_text() for name, path in logs.items()}
    for name, p in procs.items():
        assert p.returncode == 0, (name, errors[name][-2000:])
    for text in errors.values():
        assert "database is locked" not in text and "Traceback" not in text
    for name in (f"ice{i}" for i in range(ICE_RUNS)):
        summary = json.loads(outputs[name])
        assert summary["status"] == "done" and summary["n"] == ICE_ITEMS, summary
    report = json.loads(outputs["rse"])
    assert report["status"] == "done"
    assert report["progress"]["answered"] == report["progress"]["total"] == RSE_PROMPTS

    assert len(asks) == ASKS
    for a in asks:
        assert a.returncode == 0 and "database is locked" not in a.stderr, a.stderr[-2000:]
        stored = json.loads(a.stdout.splitlines()[0])
        row = db.execute("select text, status from responses where id = ?", [stored["response_id"]]).fetchone()
        assert row == (stored["text"], "ok")

    assert job.status == "done", job.error
    from workbench.jobs.paths import worker_log

    assert "database is locked" not in worker_log(db_path, job_id).read_text()
    assert jobs_store.rounds(db, job_id)  # its rounds were written beside everyone else's rows

    ice_runs = [r for r in list_runs(db, "ice")]
    assert len(ice_runs) == ICE_RUNS
    for run in ice_runs:
        items = run_items(db, run.id)
        assert len(items) == ICE_ITEMS and all(i.status == "answered" for i in items)
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    db.close()
