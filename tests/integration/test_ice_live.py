"""Live ICE runs against the real built-in local model (slow): a seed run killed with SIGKILL
and resumed without re-asking, and a fuzzing run with the same model as helper."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import LOCAL_MODEL, REPO
from workbench.store import open_db
from workbench.store.runs import get_run, list_runs, run_items

pytestmark = pytest.mark.slow

BUDGET = 8
MAX_TOKENS = 24


def _cli(tmp_path, db_file, *argv: str) -> list[str]:
    empty = tmp_path / "models.toml"
    empty.touch()  # built-in models only, whatever the user's own config holds
    return [sys.executable, "-m", "workbench.cli", "ice", "run", "--db", str(db_file),
            "--config", str(empty), *argv]


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}


def _answered(db_file) -> int:
    if not db_file.exists():
        return 0
    try:
        db = open_db(db_file)
        try:
            return next(iter(db.query(
                "select count(*) as n from run_items where status = 'answered'")))["n"]
        finally:
            db.close()
    except Exception:  # the file is being created
        return 0


def test_seed_run_survives_kill_9_and_resumes_without_reasking(tmp_path, db_file):
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        _cli(tmp_path, db_file, "--target", LOCAL_MODEL, "--no-fuzz", "--budget", str(BUDGET),
             "--max-tokens", str(MAX_TOKENS), "--concurrency", "4", "--json"),
        cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 900
    while _answered(db_file) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()[-2000:]!r}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    first_s = time.perf_counter() - t0

    db = open_db(db_file)
    run = list_runs(db, "ice")[0]
    assert run.status == "running"  # killed: nobody could mark it
    before = {i.key: i.response_id for i in run_items(db, run.id) if i.status == "answered"}
    assert 3 <= len(before) < BUDGET

    t1 = time.perf_counter()
    done = subprocess.run(_cli(tmp_path, db_file, "--resume", str(run.id), "--json"),
                          cwd=REPO, env=_env(), capture_output=True, text=True, timeout=1200)
    resume_s = time.perf_counter() - t1
    assert done.returncode == 0, done.stderr[-2000:]
    s = json.loads(done.stdout)
    assert s["status"] == "done" and s["n"] == BUDGET and s["errors"] == 0
    for key in ("loose", "strict", "hard", "loose_count", "strict_count", "hard_count", "loose_ci",
                "strict_ci", "hard_ci", "by_category", "by_language", "by_template"):
        assert key in s

    db = open_db(db_file)
    assert get_run(db, run.id).status == "done"
    items = {i.key: i for i in run_items(db, run.id)}
    assert len(items) == BUDGET and all(i.status == "answered" for i in items.values())
    for key, rid in before.items():
        assert items[key].response_id == rid  # answered before the kill: never asked again
    # Every item was asked exactly once: one exchange per item in the run's session.
    exchanges = next(iter(db.query("select count(*) as n from exchanges where session_id = ?",
                                   [run.session_id])))["n"]
    assert exchanges == BUDGET
    assert len(list(db.query("select id from verdicts where kind = 'loose'"))) == BUDGET
    print(f"\nlive ICE run: {len(before)} answered before SIGKILL after {first_s:.1f}s; resume "
          f"finished the other {BUDGET - len(before)} in {resume_s:.1f}s; loose {s['loose_count']}, "
          f"strict {s['strict_count']}, hard {s['hard_count']} of {s['n']}")


async def test_fuzzing_with_the_local_model_as_helper(db_file):
    from pathlib import Path

    from workbench.config import WorkbenchConfig, builtin_models
    from workbench.models.gateway import Gateway
    from workbench.runs.ice import ICERunConfig, ICERunner, create_ice_run

    cfg = ICERunConfig(target=LOCAL_MODEL, helper=LOCAL_MODEL, budget=4, questions=2, templates=3,
                       max_tokens=24, helper_max_tokens=96, max_helper_failures=4,
                       concurrency=4).resolve()
    db = open_db(db_file)
    run_id = create_ice_run(db, cfg)
    gateway = Gateway(WorkbenchConfig(models=builtin_models(), author="t", path=Path("/nonexistent")))
    events: list = []
    s = await ICERunner(db_file, run_id, gateway, on_event=events.append).run()
    assert s["status"] == "done", s["error"]
    fuzz = get_run(db, run_id).state["fuzz"]
    assert fuzz["step"] >= 1 and fuzz["queries_used"] <= 4 and not fuzz["pending"]
    mutations = [e for e in events if e.kind == "mutation"]
    assert mutations
    # Either the helper produced usable mutants (evaluated on both questions) or the search
    # stopped with a note after unusable ones; both end cleanly within the budget.
    assert s["n"] == fuzz["queries_used"] == 2 * len(fuzz["history"])
    assert s["n"] > 0 or "unusable mutations" in (s["error"] or "")
