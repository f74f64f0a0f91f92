"""The workbench as the client of a real OpenAI-compatible server: llama-cpp-python's
``python -m llama_cpp.server`` serving the built-in GGUF on 127.0.0.1 (started once per test
session on a free port, stopped at the end). ask, Compare, an ICE run and an RSE run talk to
it through ``api_base`` in models.toml; an ICE run spread over two such servers (litellm
Router deployments) loses nothing when one of them stops mid-run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.ui import Notes, send_and_wait_started, wait_for
from workbench.cli import main

pytestmark = pytest.mark.slow
pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed (make install)")

SERVED = "smol"  # the model's alias on the servers
SMOL_FACT = "I am SmolLM, developed by Hugging Face."


@dataclass
class LlamaCppServer:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def served(self) -> int:
        """Chat requests it has answered so far (its access log: one line per request)."""
        return self.log.read_text(errors="replace").count("POST /v1/chat/completions")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_cpp_server(log_dir: Path) -> LlamaCppServer:
    from workbench.models.llama_server import default_threads
    from workbench.models.local import builtin_gguf_path

    port = _free_port()
    log = log_dir / f"llama-cpp-server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(builtin_gguf_path()),
             "--model_alias", SERVED, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
             "--n_threads", str(default_threads()),
             # By default a new request cuts the stream being generated short: queue it instead.
             "--interrupt_requests", "False"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    server = LlamaCppServer(process, port, log)
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/models", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"llama_cpp.server did not start in 180 s: {log.read_text()[-2000:]}")
        time.sleep(0.25)


@pytest.fixture(scope="session")
def llama_cpp_server(tmp_path_factory):
    server = start_llama_cpp_server(tmp_path_factory.mktemp("llama-cpp-server"))
    yield server
    server.stop()


def models_toml(path: Path, *urls: str, max_retries: int = 2) -> Path:
    """An entry `smol` on the first server, and `smol-farm` spread over all of them."""
    deployments = ", ".join(f'{{ api_base = "{u}" }}' for u in urls)
    path.write_text(
        f'[models.smol]\nmodel = "openai/{SERVED}"\napi_base = "{urls[0]}"\ntimeout = 120\n'
        f'max_retries = {max_retries}\nmax_concurrency = 2\nparams = {{ max_tokens = 24 }}\n\n'
        f'[models.smol-farm]\nmodel = "openai/{SERVED}"\ndeployments = [{deployments}]\ntimeout = 120\n'
        f'max_retries = 4\nmax_concurrency = 2\nparams = {{ max_tokens = 24 }}\n', encoding="utf-8")
    return path


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask(llama_cpp_server, tmp_path, db_file, capsys):
    cfg = models_toml(tmp_path / "models.toml", llama_cpp_server.url)
    code, out, err = run_cli(capsys, "ask", "--db", str(db_file), "--config", str(cfg), "-m", "smol",
                             "--max-tokens", "16", "--temperature", "0", "--json", "Name the capital of France.")
    assert code == 0, err
    row = json.loads(out)
    assert row["error"] is None and row["text"].strip()  # not its words (see test_local_model)
    assert row["prompt_tokens"] and row["completion_tokens"]


async def test_compare(llama_cpp_server, tmp_path, db_file):
    from workbench.config import load_config
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.screens.compare import CompareScreen

    app = WorkbenchApp(db_path=db_file, load_heavy=False)
    app.config = load_config(models_toml(tmp_path / "models.toml", llama_cpp_server.url))
    notes = Notes(app)
    async with app.run_test(size=(160, 48)) as pilot:
        app.install_screen(CompareScreen(), name="compare")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), 5, "compare screen")
        screen = app.screen
        for column in screen.columns:
            column.set_model("smol")
        await pilot.click("#prompt")
        await pilot.press(*"Name the capital of France.")
        await send_and_wait_started(pilot, screen, notes)
        await wait_for(pilot, lambda: not screen.running, 300, "both answers")
        for column in screen.columns:
            assert column.response.status == "ok", column.response.error
            assert column.text and column.response.completion_tokens
        assert not notes.errors()


async def test_ice_run(llama_cpp_server, tmp_path, db_file):
    from workbench.config import load_config
    from workbench.models.gateway import Gateway
    from workbench.runs.ice import ICERunConfig, ICERunner, create_ice_run
    from workbench.store import open_db

    gateway = Gateway(load_config(models_toml(tmp_path / "models.toml", llama_cpp_server.url)))
    cfg = ICERunConfig(target="smol", judge="rule", budget=4, questions=2, templates=2, no_fuzz=True,
                       fact_text=SMOL_FACT, concurrency=2, max_tokens=32).resolve()
    run_id = create_ice_run(open_db(db_file), cfg)
    summary = await ICERunner(db_file, run_id, gateway).run()
    assert summary["status"] == "done" and summary["n"] == 4


def test_rse_run(llama_cpp_server, tmp_path, db_file, capsys):
    cfg = models_toml(tmp_path / "models.toml", llama_cpp_server.url)
    code, out, err = run_cli(capsys, "rse", "run", "--db", str(db_file), "--config", str(cfg),
                             "--reference", "smol", "--target", "smol", "--set", "arena", "--limit", "2",
                             "--max-tokens", "24", "--judge", "none", "--fresh", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "done" and report["progress"] == {"answered": 2, "total": 2}
    same = report["judge_only"]["targets"]["smol"]["avg"]
    assert same["lexical"]["mean"] >= 0.9  # greedy answers of one model to the same prompts


async def test_ice_run_over_two_servers_survives_one_stopping(llama_cpp_server, tmp_path, db_file):
    from workbench.config import load_config
    from workbench.models.gateway import Gateway
    from workbench.runs.ice import ICERunConfig, ICERunner, create_ice_run
    from workbench.store import open_db
    from workbench.store.runs import run_items

    second = start_llama_cpp_server(tmp_path)
    try:
        first_before = llama_cpp_server.served()
        gateway = Gateway(load_config(models_toml(tmp_path / "models.toml", llama_cpp_server.url, second.url)))
        cfg = ICERunConfig(target="smol-farm", judge="rule", budget=8, questions=4, templates=2,
                           no_fuzz=True, fact_text=SMOL_FACT, concurrency=2, max_tokens=24).resolve()
        run_id = create_ice_run(open_db(db_file), cfg)
        stopped: list[int] = []

        def on_event(event) -> None:
            # Once both servers have answered, the second one goes away mid-run.
            if not stopped and second.served() >= 1 and llama_cpp_server.served() > first_before:
                stopped.append(second.served())
                second.process.terminate()

        summary = await ICERunner(db_file, run_id, gateway, on_event=on_event).run()
        assert stopped, "the run ended before both servers had answered"
        assert summary["status"] == "done" and summary["n"] == 8
        items = run_items(open_db(db_file), run_id)
        assert len(items) == 8 and all(i.response_id for i in items)
        assert llama_cpp_server.served() - first_before >= 1 and second.served() >= 1
    finally:
        second.stop()
