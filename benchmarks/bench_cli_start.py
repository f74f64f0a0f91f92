"""A command's time to its first request byte, against `python -c pass`, in the same run.

`workbench ask -m echo "hi"` is started against the fault server on 127.0.0.1 (answering at
once); the clock runs from just before the process is started until the server has read the
chat request (the server is in this process, so both ends read one clock). Beside it, each
run also times `python -c pass` (the floor of any Python command) and the time a bare `python -c "import
litellm"` takes to finish its import (the floor of any command that sends through litellm: the
gateway needs it to send). Runs alternate between the sides so a burst of load hits all alike; the figures are
best-of-N and the ratios to `python -c pass`.

What the workbench adds on top of the two floors is what this measures: its own imports,
the database, the config, the pre-flight probe (the GET /models that comes first), and
litellm's first call. litellm is imported only on the path that sends, in a thread started as
soon as the command knows it will send, so it overlaps the rest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.timing import alternate
from workbench.devtools.openai_server import Behavior, FakeOpenAIServer

REPEATS = 5


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}


def _wall(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.time()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.time() - t0


def _imported(env: dict[str, str]) -> float:
    """Seconds until `import litellm` has finished (printed by the child; its exit, which
    tears down litellm's thousands of modules, is not part of any request)."""
    t0 = time.time()
    done = subprocess.run([sys.executable, "-c", "import litellm, time; print(time.time())"], env=env,
                          check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1]) - t0


def _first_request(argv: list[str], env: dict[str, str], server: FakeOpenAIServer) -> tuple[float, float]:
    """(seconds to the chat request, seconds to the process's exit)."""
    server.requests.clear()
    t0 = time.time()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    end = time.time()
    if done.returncode != 0 or not server.requests:
        raise RuntimeError(f"{' '.join(argv[-4:])} failed: {done.stderr.strip()[-400:]}")
    return server.requests[0].at - t0, end - t0


def bench_cli_start(repeats: int = REPEATS) -> dict:
    server = FakeOpenAIServer(default=Behavior(text="Paris.")).start_in_thread()
    env = _env()
    py = sys.executable
    try:
        with tempfile.TemporaryDirectory(prefix="wb-bench-cli-") as tmp:
            cfg = Path(tmp) / "models.toml"
            cfg.write_text(f'[models.echo]\nmodel = "openai/echo"\napi_base = "{server.url}"\n', encoding="utf-8")
            ask = [py, "-c", "import sys; from workbench.cli import main; sys.exit(main())", "ask",
                   "--db", str(Path(tmp) / "b.db"), "--config", str(cfg), "-m", "echo", "--json", "hi"]
            _first_request(ask, env, server)  # warm: the database exists, .pyc files are written
            totals: list[float] = []

            def ask_first() -> float:
                first, total = _first_request(ask, env, server)
                totals.append(total)
                return first

            times = alternate({"pass": lambda: _wall([py, "-c", "pass"], env), "litellm": lambda: _imported(env),
                               "ask": ask_first}, repeats)
    finally:
        server.stop_thread()
    p, lit, first, total = min(times["pass"]), min(times["litellm"]), min(times["ask"]), min(totals)
    return {
        "python_pass_s": round(p, 3), "import_litellm_s": round(lit, 3),
        "ask_first_request_s": round(first, 3), "ask_total_s": round(total, 3),
        "first_request_vs_pass": round(first / p, 2), "import_litellm_vs_pass": round(lit / p, 2),
        "beyond_litellm_floor_s": round(first - lit, 3), "repeats": repeats,
    }


def main(argv: list[str]) -> dict:
    result = bench_cli_start()
    print(f"python -c pass           {result['python_pass_s']:.3f}s (1.00x)")
    print(f"python -c 'import litellm' {result['import_litellm_s']:.3f}s ({result['import_litellm_vs_pass']:.2f}x)")
    print(f"workbench ask: first request byte {result['ask_first_request_s']:.3f}s "
          f"({result['first_request_vs_pass']:.2f}x python -c pass; "
          f"{result['beyond_litellm_floor_s']:+.3f}s beyond the litellm import), exit {result['ask_total_s']:.3f}s")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
