"""The local engine, measured in one run (`python -m benchmarks local_engine`):

(a) tok/s of the built-in SmolLM2 GGUF on the same greedy answers, sequentially, three ways:
    through the gateway (`local/` on llama.cpp's llama-server), raw llama-cpp-python (`Llama`
    in this process, same threads), and transformers fp32 `generate` (what `local/` used
    before). Aims: gateway >= 4x transformers and >= 0.9x raw llama-cpp-python.
(b) 8 concurrent answers through the gateway against the same 8 one after another (tokens/s
    in all; llama-server's parallel slots batch them). Aim >= 1.5x.
(c) the optional teachers (`make install-teacher`: Qwen2.5-Coder 0.5B and 1.5B, Q4_K_M):
    tok/s of one answer, and label accuracy on bbc-news test texts labelled through the
    gateway with a JSON schema whose `label` is an enum of the five topics (enforced by
    llama.cpp's grammar), 8 at a time. $LOCAL_ENGINE_TEXTS texts (default 200, a stratified
    sample of the test split, each cut to its first $LOCAL_ENGINE_CHARS characters, default 600).

Rounds are interleaved and the median taken, so a burst of load on a shared machine hits all
sides alike. Threads: all the cores this process may use, for every engine.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BUILTIN = "local/smollm2-135m-instruct"
PROMPTS = [
    "Write a short story about a lighthouse keeper.",
    "Explain how a bicycle works.",
    "Describe a day at the seaside.",
]
NEW_TOKENS = 128
ROUNDS = 3
CONCURRENT = 8
LABELS = ["business", "entertainment", "politics", "sport", "tech"]


def _gateway():
    from workbench.config import WorkbenchConfig, builtin_models
    from workbench.models.gateway import Gateway

    return Gateway(WorkbenchConfig(models=builtin_models(), author="bench", path=Path("/nonexistent")))


def _messages(prompt: str) -> list[dict]:
    return [{"role": "user", "content": prompt}]


# -- (a) one answer at a time, three engines -----------------------------------------------------
def gateway_sequential(gateway, model: str = BUILTIN, prompts=PROMPTS) -> tuple[int, float, list[str]]:
    async def run() -> tuple[int, float, list[str]]:
        tokens, seconds, texts = 0, 0.0, []
        for p in prompts:
            t0 = time.perf_counter()
            r = await gateway.complete(model, _messages(p), max_tokens=NEW_TOKENS, temperature=0)
            seconds += time.perf_counter() - t0
            assert r.ok, r.error
            tokens += r.completion_tokens or 0
            texts.append(r.text)
        return tokens, seconds, texts

    return asyncio.run(run())


def gateway_concurrent(gateway, prompts: list[str]) -> tuple[int, float]:
    async def run() -> tuple[int, float]:
        t0 = time.perf_counter()
        rs = await asyncio.gather(*(gateway.complete(BUILTIN, _messages(p), max_tokens=NEW_TOKENS,
                                                     temperature=0) for p in prompts))
        elapsed = time.perf_counter() - t0
        assert all(r.ok for r in rs), [r.error for r in rs if not r.ok][:2]
        return sum(r.completion_tokens or 0 for r in rs), elapsed

    return asyncio.run(run())


class RawLlama:
    """llama-cpp-python's own `Llama`, in this process: the engine without the workbench."""

    def __init__(self, path: Path, threads: int):
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(path), n_threads=threads, n_threads_batch=threads, n_ctx=2048,
                         verbose=False)

    def run(self, prompts=PROMPTS) -> tuple[int, float, list[str]]:
        tokens, seconds, texts = 0, 0.0, []
        for p in prompts:
            self.llm.reset()  # no prompt cache across answers, as for the other engines
            t0 = time.perf_counter()
            out = self.llm.create_chat_completion(_messages(p), max_tokens=NEW_TOKENS, temperature=0.0)
            seconds += time.perf_counter() - t0
            tokens += out["usage"]["completion_tokens"]
            texts.append(out["choices"][0]["message"]["content"])
        return tokens, seconds, texts


class TransformersFP32:
    """transformers `generate` in float32 on the GGUF's weights: the old `local/` engine."""

    def __init__(self, path: Path, threads: int):
        import torch

        from workbench.models.local import _load

        torch.set_num_threads(threads)
        self.model, self.tokenizer, _ = _load(path, "cpu")

    def run(self, prompts=PROMPTS) -> tuple[int, float, list[str]]:
        import torch

        tokens, seconds, texts = 0, 0.0, []
        for p in prompts:
            ids = self.tokenizer.apply_chat_template(_messages(p), add_generation_prompt=True,
                                                     return_tensors="pt")
            if hasattr(ids, "keys"):
                ids = ids["input_ids"]
            t0 = time.perf_counter()
            with torch.inference_mode():
                out = self.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                          max_new_tokens=NEW_TOKENS, do_sample=False,
                                          pad_token_id=self.tokenizer.pad_token_id)
            seconds += time.perf_counter() - t0
            new = out[0, ids.shape[1]:]
            tokens += int(new.shape[0])
            texts.append(self.tokenizer.decode(new, skip_special_tokens=True))
        return tokens, seconds, texts


def bench_engines() -> dict:
    from workbench.models.llama_server import default_threads
    from workbench.models.local import LocalModelHost, builtin_gguf_path

    threads = default_threads()
    path = builtin_gguf_path()
    gateway = _gateway()
    t0 = time.perf_counter()
    gateway_sequential(gateway, prompts=PROMPTS[:1])  # starts llama-server, imports litellm
    start_s = time.perf_counter() - t0
    raw = RawLlama(path, threads)
    hf = TransformersFP32(path, threads)
    raw.run(PROMPTS[:1])
    hf.run(PROMPTS[:1])
    rates: dict[str, list[float]] = {"gateway": [], "raw": [], "transformers": []}
    texts: dict[str, list[str]] = {}
    for _ in range(ROUNDS):
        for name, fn in (("gateway", lambda: gateway_sequential(gateway)), ("raw", raw.run),
                         ("transformers", hf.run)):
            tokens, seconds, texts[name] = fn()
            rates[name].append(tokens / seconds)
    median = {k: statistics.median(v) for k, v in rates.items()}

    # (b) 8 at once against the same 8 one after another, through the gateway.
    prompts8 = [PROMPTS[i % len(PROMPTS)] + f" ({i + 1})" for i in range(CONCURRENT)]
    seq, conc = [], []
    for _ in range(ROUNDS):
        tokens, seconds, _ = gateway_sequential(gateway, prompts=prompts8)
        seq.append(tokens / seconds)
        tokens, seconds = gateway_concurrent(gateway, prompts8)
        conc.append(tokens / seconds)
    server = LocalModelHost.get(BUILTIN).server
    return {
        "threads": threads, "new_tokens": NEW_TOKENS, "rounds": ROUNDS,
        "server_start_s": start_s,
        "gateway_tok_s": median["gateway"], "raw_llama_cpp_tok_s": median["raw"],
        "transformers_fp32_tok_s": median["transformers"],
        "gateway_vs_transformers": median["gateway"] / median["transformers"],
        "gateway_vs_raw": median["gateway"] / median["raw"],
        "same_answers_gateway_raw": texts["gateway"] == texts["raw"],
        "sequential8_tok_s": statistics.median(seq), "concurrent8_tok_s": statistics.median(conc),
        "concurrent_ratio": statistics.median(conc) / statistics.median(seq),
        "engine": {"parallel": server.settings.parallel, "context": server.settings.context},
        "all_rates": rates, "all_sequential8": seq, "all_concurrent8": conc,
    }


# -- (c) the teachers ---------------------------------------------------------------------------
LABEL_FORMAT = {"type": "json_schema", "json_schema": {"name": "topic", "strict": True, "schema": {
    "type": "object", "properties": {"label": {"type": "string", "enum": LABELS}},
    "required": ["label"], "additionalProperties": False}}}


def label_prompt(text: str) -> list[dict]:
    return [{"role": "system", "content": "You classify news articles by topic."},
            {"role": "user", "content": f"Topics: {', '.join(LABELS)}.\n\nArticle:\n{text}\n\n"
                                        "Answer with the article's topic as JSON."}]


def bench_teacher(gateway, model: str, texts: list[tuple[str, str]]) -> dict:
    tokens, seconds, _ = gateway_sequential(gateway, model, PROMPTS[:1])  # warm-up and start
    tokens, seconds, _ = gateway_sequential(gateway, model, PROMPTS[:2])

    async def label_all() -> tuple[list[str | None], float, int]:
        t0 = time.perf_counter()
        rs = await asyncio.gather(*(gateway.complete(model, label_prompt(t), max_tokens=16, temperature=0,
                                                     response_format=LABEL_FORMAT) for t, _ in texts))
        out: list[str | None] = []
        for r in rs:
            try:
                out.append(json.loads(r.text)["label"] if r.ok else None)
            except (ValueError, KeyError, TypeError):
                out.append(None)
        return out, time.perf_counter() - t0, sum(r.prompt_tokens or 0 for r in rs)

    predicted, label_s, prompt_tokens = asyncio.run(label_all())
    correct = sum(p == gold for p, (_, gold) in zip(predicted, texts))
    return {"tok_s": tokens / seconds, "texts": len(texts), "accuracy": correct / len(texts),
            "invalid": sum(p is None for p in predicted), "label_seconds": label_s,
            "prompt_tokens": prompt_tokens}


def bench_teachers() -> dict:
    from workbench.distill.data import load_dataset
    from workbench.models import packaged

    installed = [m for m in packaged.PACKAGED_MODELS if m.installed()]
    if not installed:
        return {"skipped": "no optional teacher installed (make install-teacher)"}
    n = int(os.environ.get("LOCAL_ENGINE_TEXTS", "200"))
    chars = int(os.environ.get("LOCAL_ENGINE_CHARS", "600"))
    ds = load_dataset("bbc-news", "classification", test_limit=n, seed=0)
    texts = [(e.text[:chars], e.label) for e in ds.test]
    gateway = _gateway()
    out = {}
    for teacher in installed:
        t0 = time.perf_counter()
        out[teacher.model] = r = bench_teacher(gateway, teacher.model, texts)
        r["wall_s"] = time.perf_counter() - t0
        print(f"(c) {teacher.model}: {r['tok_s']:.1f} tok/s; label accuracy {r['accuracy']:.3f} on "
              f"{r['texts']} bbc-news texts ({r['invalid']} invalid) in {r['label_seconds']:.0f} s", flush=True)
    return out


def main(argv: list[str] | None = None) -> dict:
    results: dict = {}
    results["engines"] = r = bench_engines()
    print(f"(a) built-in model, {r['new_tokens']} greedy tokens, {r['threads']} threads: gateway "
          f"{r['gateway_tok_s']:.1f} tok/s, raw llama-cpp-python {r['raw_llama_cpp_tok_s']:.1f}, "
          f"transformers fp32 {r['transformers_fp32_tok_s']:.1f} -> gateway/transformers "
          f"{r['gateway_vs_transformers']:.2f}x (aim >= 4), gateway/raw {r['gateway_vs_raw']:.2f} "
          f"(aim >= 0.9); same answers: {r['same_answers_gateway_raw']}", flush=True)
    print(f"(b) {CONCURRENT} concurrent: {r['concurrent8_tok_s']:.1f} tok/s vs {r['sequential8_tok_s']:.1f} "
          f"one after another -> {r['concurrent_ratio']:.2f}x (aim >= 1.5)", flush=True)
    results["teachers"] = bench_teachers()
    from workbench.models.local import LocalModelHost

    LocalModelHost.shutdown_all()
    return results


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), indent=2, default=str))
