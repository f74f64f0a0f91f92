"""Foundation benchmarks, each a ratio measured in the same run:

(a) import time of the app module against a bare Textual app's import;
(b) local-model tokens/s: GGUF models run on llama.cpp now; `python -m benchmarks local_engine`
    measures them (gateway against raw llama-cpp-python and transformers fp32);
(c) requests/s against the test server with 200 ms latency at concurrency 32 against 1
    (aim >= 25x);
(d) loading the built-in model in a fresh process: from the GGUF file (what transformers does
    every time) against from its converted copy (workbench.models.gguf_cache);
(e) the pause of one full garbage collection once litellm and the built-in model are loaded:
    with the loaded heap left to the collector against frozen (workbench.heap).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPTS = [
    "What is the capital of France?",
    "Explain in two sentences why the sky is blue.",
    "List three uses of a paperclip.",
]
NEW_TOKENS = 48


def _import_seconds(statement: str) -> float:
    code = f"import time; t=time.perf_counter(); {statement}; print(time.perf_counter()-t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout)


def bench_import(repeats: int = 9) -> dict:
    # Interleaved, so a burst of load on the machine hits both sides alike.
    bare_stmt = "from textual.app import App; from textual.widgets import Header, Footer, DataTable"
    bare, ours = [], []
    for _ in range(repeats):
        bare.append(_import_seconds(bare_stmt))
        ours.append(_import_seconds("import workbench.ui.app"))
    b, o = statistics.median(bare), statistics.median(ours)
    return {"bare_textual_s": b, "workbench_app_s": o, "ratio": o / b}


def _config():
    from workbench.config import WorkbenchConfig, builtin_models

    return WorkbenchConfig(models=builtin_models(), author="bench", path=Path("/nonexistent"))


def bench_concurrency() -> dict:
    from workbench.config import ModelSpec
    from workbench.models.gateway import Gateway

    async def rate(server_url: str, concurrency: int, n: int) -> float:
        cfg = _config()
        cfg.models["slow"] = ModelSpec(name="slow", model="openai/slow", api_base=server_url,
                                       max_concurrency=concurrency, timeout=30, max_retries=0)
        gw = Gateway(cfg)
        msg = [{"role": "user", "content": "ping"}]
        await gw.complete("slow", msg)  # warm-up connection pool and litellm
        t0 = time.perf_counter()
        results = await asyncio.gather(*(gw.complete("slow", msg) for _ in range(n)))
        elapsed = time.perf_counter() - t0
        assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
        return n / elapsed

    # The server runs in its own process, as a remote server would: its CPU is not ours.
    proc = subprocess.Popen([sys.executable, "-m", "workbench.devtools.openai_server", "--port", "0",
                             "--latency", "0.2"], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[-1]

        async def run() -> dict:
            # Ten waves of 32, so the ramp-up and the last, partly idle wave weigh little;
            # the median of three rounds, each level measured in turn.
            ones, manys = [], []
            for _ in range(3):
                ones.append(await rate(url, 1, 10))
                manys.append(await rate(url, 32, 320))
            one, many = statistics.median(ones), statistics.median(manys)
            return {"rps_concurrency_1": one, "rps_concurrency_32": many, "ratio": many / one}

        return asyncio.run(run())
    finally:
        proc.terminate()
        proc.wait(5)


def _load_seconds(cache: str) -> float:
    """Seconds of one `_load` of the built-in model in a fresh process (imports not counted)."""
    code = ("import time, torch, transformers\n"
            "from workbench.models.local import _load, builtin_gguf_path\n"
            "t = time.perf_counter(); _load(builtin_gguf_path(), 'cpu'); print(time.perf_counter() - t)")
    env = {**os.environ, "WORKBENCH_MODEL_CACHE": cache}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def bench_model_load() -> dict:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-model-cache-") as cache:
        first = _load_seconds(cache)  # converts and writes the copy
        gguf = [_load_seconds("off"), _load_seconds("off")]
        copy = [_load_seconds(cache), _load_seconds(cache)]
    g, c = min(gguf), min(copy)
    return {"first_load_with_conversion_s": first, "gguf_s": g, "converted_copy_s": c, "ratio": g / c}


_GC_PAUSE_CODE = """
import gc, json, time
from workbench.config import BUILTIN_LOCAL_MODEL
from workbench.heap import freeze_loaded_heap
from workbench.models.gateway import load_litellm
from workbench.models.local import LocalModelHost
load_litellm()
LocalModelHost.get(BUILTIN_LOCAL_MODEL)
tracked = len(gc.get_objects()) + gc.get_freeze_count()
def pause():
    t = time.perf_counter(); gc.collect(); return time.perf_counter() - t
gc.unfreeze()
thawed = [pause() for _ in range(3)]
freeze_loaded_heap()
frozen = [pause() for _ in range(3)]
LocalModelHost.shutdown_all()
print(json.dumps({"objects": tracked, "thawed": thawed, "frozen": frozen}))
"""


def bench_gc_pause() -> dict:
    import json

    out = subprocess.run([sys.executable, "-c", _GC_PAUSE_CODE], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    thawed, frozen = statistics.median(r["thawed"]), statistics.median(r["frozen"])
    return {"objects": r["objects"], "thawed_s": thawed, "frozen_s": frozen, "ratio": thawed / frozen}


def main(argv: list[str] | None = None) -> dict:
    results = {}
    results["import"] = r = bench_import()
    print(f"(a) app import {r['workbench_app_s']*1000:.0f} ms vs bare Textual {r['bare_textual_s']*1000:.0f} ms"
          f" -> ratio {r['ratio']:.2f}", flush=True)
    results["concurrency"] = r = bench_concurrency()
    print(f"(c) 200 ms server: {r['rps_concurrency_32']:.1f} req/s at 32 vs {r['rps_concurrency_1']:.2f} at 1"
          f" -> ratio {r['ratio']:.1f}x (aim >= 25x)", flush=True)
    print("(b) local-model tokens/s: see `python -m benchmarks local_engine`", flush=True)
    results["model_load"] = r = bench_model_load()
    print(f"(d) built-in model load in a fresh process: {r['gguf_s']:.2f} s from GGUF vs "
          f"{r['converted_copy_s']:.2f} s from the converted copy -> {r['ratio']:.0f}x faster "
          f"(the first load, which converts: {r['first_load_with_conversion_s']:.2f} s)", flush=True)
    results["gc_pause"] = r = bench_gc_pause()
    print(f"(e) one full GC with litellm and the built-in model loaded ({r['objects']:,} objects): "
          f"{r['thawed_s']*1000:.0f} ms with the loaded heap collectable vs {r['frozen_s']*1e6:.1f} µs "
          "frozen", flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
