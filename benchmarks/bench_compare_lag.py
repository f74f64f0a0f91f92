"""Is the app still responsive while four compare columns stream?

Event-loop lag, measured inside a headless ``run_test()`` app on its own loop: a task sleeps
10 ms again and again and records how late each wake-up is. First with the Compare screen
open and idle, then while four columns stream long Markdown answers from the test server
(a subprocess: ``python -m workbench.devtools.openai_server``, one chunk every 10 ms per
stream, ~400 chunks/s in all). Reported: p50 / p99 / max lateness of both phases, the ratio
of the p99s, and how long a key press (ctrl+l, next column) waits for its action while
streaming. Aim: streaming p99 <= 50 ms.

litellm is imported and one short warm-up exchange is sent before measuring, as in the real
app where litellm loads in the background at start-up. The embedding model is off (it loads
in a thread after the answers, outside both windows).

Run: ``python -m benchmarks compare_lag`` or ``python -m benchmarks.bench_compare_lag --json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

PERIOD_S = 0.010
AIM_P99_MS = 50.0
MODELS = ("bench-a", "bench-b", "bench-c", "bench-d")


def long_markdown(words: int) -> str:
    """A Markdown answer of about ``words`` words: paragraphs, a list, some bold and code."""
    vocab = ("the model answers with care and the distilled student repeats most of the wording "
             "while the teacher explains each step in plain terms").split()
    out: list[str] = []
    n = 0
    block = 0
    while n < words:
        block += 1
        if block % 4 == 0:
            items = [f"- item {block}.{i} **{vocab[(n + i) % len(vocab)]}** `x{i}`" for i in range(4)]
            out.append("\n".join(items))
            n += 4 * 4
        else:
            sentence = " ".join(vocab[(n + i) % len(vocab)] for i in range(40))
            out.append(sentence.capitalize() + ".")
            n += 40
    return "\n\n".join(out)


def start_server(text: str, chunk_delay: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.devtools.openai_server", "--port", "0",
         "--chunk-delay", str(chunk_delay), "--text", text],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        cwd=Path(__file__).resolve().parents[1])
    line = proc.stdout.readline().strip() if proc.stdout else ""
    if not line.startswith("serving "):
        proc.kill()
        raise RuntimeError(f"test server did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def summarize(samples_s: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples_s)
    if not ms:
        return {"samples": 0}

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(round(p / 100 * (len(ms) - 1))))]

    return {"samples": len(ms), "p50_ms": round(pct(50), 2), "p99_ms": round(pct(99), 2),
            "max_ms": round(ms[-1], 2), "mean_ms": round(statistics.fmean(ms), 2)}


async def _lag_monitor(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(PERIOD_S)
        samples.append(max(0.0, time.perf_counter() - t0 - PERIOD_S))


async def _measure(url: str, idle_s: float, key_presses: int) -> dict:
    from workbench.config import ModelSpec, WorkbenchConfig, builtin_models
    from workbench.models.gateway import load_litellm
    from workbench.ui.app import WorkbenchApp
    from workbench.ui.screens.compare import CompareScreen

    models = builtin_models()
    for name in MODELS:
        models[name] = ModelSpec(name=name, model=f"openai/{name}", api_base=url, timeout=60.0,
                                 max_retries=0, max_concurrency=4)
    await asyncio.to_thread(load_litellm)
    with tempfile.TemporaryDirectory() as tmp:
        app = WorkbenchApp(db_path=Path(tmp) / "bench.db", load_heavy=False)
        app.config = WorkbenchConfig(models=models, author="bench", path=Path(tmp) / "models.toml")
        async with app.run_test(size=(200, 50)) as pilot:
            screen = CompareScreen(embeddings=False)
            app.install_screen(screen, name="compare")
            app.action_open_screen("compare")
            await pilot.pause(0.2)
            for _ in range(2):
                await screen.action_add_column()
            for column, name in zip(screen.columns, MODELS):
                column.set_model(name)
                column.set_params(None, 8)  # warm-up: short answers
            screen.query_one("#prompt").text = "Explain distillation."
            screen.action_send()
            while screen.running:
                await asyncio.sleep(0.05)
            for column in screen.columns:
                column.set_params(None, None)
            await pilot.pause(0.2)

            stop = asyncio.Event()
            idle: list[float] = []
            monitor = asyncio.create_task(_lag_monitor(idle, stop))
            await asyncio.sleep(idle_s)
            stop.set()
            await monitor

            key_waits: list[float] = []
            handled = asyncio.Event()
            original = screen.action_next_column

            def timed_next_column() -> None:
                original()
                handled.set()

            screen.action_next_column = timed_next_column  # type: ignore[method-assign]

            async def press_keys() -> None:
                from textual import events

                for _ in range(key_presses):
                    await asyncio.sleep(0.25)
                    if not screen.running:
                        return
                    handled.clear()
                    t0 = time.perf_counter()
                    app.post_message(events.Key("ctrl+l", None))
                    await handled.wait()
                    key_waits.append(time.perf_counter() - t0)

            stop = asyncio.Event()
            streaming: list[float] = []
            monitor = asyncio.create_task(_lag_monitor(streaming, stop))
            t0 = time.perf_counter()
            thread_cpu0 = time.thread_time()
            screen.action_send()
            keys = asyncio.create_task(press_keys())
            while screen.running:
                await asyncio.sleep(0.02)
            stream_s = time.perf_counter() - t0
            loop_cpu_s = time.thread_time() - thread_cpu0
            stop.set()
            await monitor
            keys.cancel()
            await asyncio.gather(keys, return_exceptions=True)
            columns = [{"model": c.model, "status": c.response.status, "chars": len(c.text),
                        "deltas": c.markdown.fragments_fed, "appends": c.markdown.appends}
                       for c in screen.columns]
            await pilot.pause(0.1)
    return {"idle": summarize(idle), "streaming": summarize(streaming), "stream_s": round(stream_s, 2),
            "loop_thread_cpu_s": round(loop_cpu_s, 2),
            "key_ms": summarize(key_waits), "columns": columns}


def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=600, help="words per answer (one chunk each)")
    parser.add_argument("--chunk-delay", type=float, default=0.01)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    parser.add_argument("--keys", type=int, default=20, help="key presses timed while streaming")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    proc, url = start_server(long_markdown(args.words), args.chunk_delay)
    try:
        result = asyncio.run(_measure(url, args.idle_seconds, args.keys))
    finally:
        proc.terminate()
        proc.wait(10)
    idle_p99 = result["idle"]["p99_ms"]
    stream_p99 = result["streaming"]["p99_ms"]
    result.update({
        "words_per_answer": args.words, "chunk_delay_s": args.chunk_delay, "columns_streaming": len(MODELS),
        "p99_ratio": round(stream_p99 / max(idle_p99, 0.01), 2),
        "aim_p99_ms": AIM_P99_MS, "meets_aim": stream_p99 <= AIM_P99_MS,
        "cpus": os.cpu_count(), "load_average_before": round(load_before, 2),
    })
    _print(result)
    if args.json:
        print(json.dumps(result, indent=2))
    return result


def _print(r: dict) -> None:
    i, s, k = r["idle"], r["streaming"], r["key_ms"]
    print(f"event-loop lag (10 ms timer), {r['columns_streaming']} columns x {r['words_per_answer']} chunks "
          f"every {r['chunk_delay_s'] * 1000:.0f} ms, streamed in {r['stream_s']} s "
          f"(loop thread busy {r['loop_thread_cpu_s']} s; {r['cpus']} CPUs, load average "
          f"{r['load_average_before']} before the run)")
    print(f"  idle      p50 {i['p50_ms']:7.2f} ms  p99 {i['p99_ms']:7.2f} ms  max {i['max_ms']:7.2f} ms  "
          f"({i['samples']} samples)")
    print(f"  streaming p50 {s['p50_ms']:7.2f} ms  p99 {s['p99_ms']:7.2f} ms  max {s['max_ms']:7.2f} ms  "
          f"({s['samples']} samples)")
    print(f"  p99 ratio streaming/idle: {r['p99_ratio']}x   aim p99 <= {r['aim_p99_ms']:.0f} ms: "
          f"{'met' if r['meets_aim'] else 'NOT met'}")
    if k.get("samples"):
        print(f"  key press -> action while streaming: p50 {k['p50_ms']:.2f} ms  max {k['max_ms']:.2f} ms "
              f"({k['samples']} presses)")
    for c in r["columns"]:
        print(f"  {c['model']}: {c['status']}, {c['deltas']} deltas rendered in {c['appends']} appends, "
              f"{c['chars']} chars")


if __name__ == "__main__":
    main(sys.argv[1:])
