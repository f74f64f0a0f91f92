"""One KV cache for all slots or one per slot? (`python -m benchmarks kv_cache`)

llama-server alone (no gateway, plain HTTP from threads) serving the built-in SmolLM2 GGUF with
8 parallel slots, two ways: ``--kv-unified`` (one cache of 4096 tokens shared by the slots;
what the workbench used first) and ``--no-kv-unified`` (a cache of 4096 tokens per slot, what
it uses now). For each: 8 greedy 128-token answers one after another, then the same 8 at once;
tokens/s of each and their ratio, median over rounds, the two servers taking turns so a burst
of load hits both alike; and the server's resident memory once ready.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ROUNDS = 5
NEW_TOKENS = 128
SLOTS = 8
SLOT_CONTEXT = 4096
PROMPTS = [p + f" ({i + 1})" for i, p in enumerate([
    "Write a short story about a lighthouse keeper.", "Explain how a bicycle works.",
    "Describe a day at the seaside."] * 3)][:SLOTS]
LAYOUTS = {
    "unified": ["--kv-unified", "--ctx-size", str(SLOT_CONTEXT)],
    "per_slot": ["--no-kv-unified", "--ctx-size", str(SLOT_CONTEXT * SLOTS)],
}


def _answer_tokens(url: str, prompt: str) -> int:
    body = json.dumps({"messages": [{"role": "user", "content": prompt}], "max_tokens": NEW_TOKENS,
                       "temperature": 0}).encode()
    request = urllib.request.Request(url + "/v1/chat/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as reply:
        return int(json.load(reply)["usage"]["completion_tokens"])


def _start(binary: str, model: str, threads: int, flags: list[str]) -> tuple[subprocess.Popen, str]:
    from workbench.models.llama_server import free_port

    port = free_port()
    process = subprocess.Popen(
        [binary, "--model", model, "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads),
         "--parallel", str(SLOTS), "--cont-batching", "--no-webui", "--offline", "--no-warmup", *flags],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/health", timeout=2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"llama-server {flags} did not start")
    _answer_tokens(url, "Hello")  # first request: graph reservation, page faults
    return process, url


def main(argv: list[str] | None = None) -> dict:
    import psutil

    from workbench.models.llama_server import default_threads, find_binary
    from workbench.models.local import builtin_gguf_path

    binary = find_binary()
    if binary is None:
        raise SystemExit("llama-server is not installed: run `make install`")
    threads = default_threads()
    servers = {name: _start(str(binary), str(builtin_gguf_path()), threads, flags)
               for name, flags in LAYOUTS.items()}
    rates: dict[str, dict[str, list[float]]] = {name: {"sequential": [], "concurrent": []} for name in LAYOUTS}
    try:
        rss = {name: psutil.Process(p.pid).memory_info().rss for name, (p, _) in servers.items()}
        with ThreadPoolExecutor(SLOTS) as pool:
            for _ in range(ROUNDS):
                for name, (_, url) in servers.items():
                    t0 = time.perf_counter()
                    tokens = sum(_answer_tokens(url, p) for p in PROMPTS)
                    rates[name]["sequential"].append(tokens / (time.perf_counter() - t0))
                    t0 = time.perf_counter()
                    tokens = sum(pool.map(lambda p: _answer_tokens(url, p), PROMPTS))
                    rates[name]["concurrent"].append(tokens / (time.perf_counter() - t0))
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=30)
    out: dict = {"threads": threads, "slots": SLOTS, "slot_context": SLOT_CONTEXT, "rounds": ROUNDS}
    for name in LAYOUTS:
        seq, conc = (statistics.median(rates[name][k]) for k in ("sequential", "concurrent"))
        out[name] = {"sequential_tok_s": round(seq, 1), "concurrent_tok_s": round(conc, 1),
                     "concurrent_ratio": round(conc / seq, 2), "rss_mib": round(rss[name] / 2**20),
                     "all": rates[name]}
        print(f"{name:>8}: {SLOTS} concurrent {conc:.1f} tok/s vs {seq:.1f} one after another -> "
              f"{conc / seq:.2f}x; server memory {rss[name] / 2**20:.0f} MiB", flush=True)
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=2))
