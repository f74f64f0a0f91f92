"""The ICE paper's loose judge prompt against ours, asked to an offline model, on published answers.

`python benchmarks/ice_paper_prompt.py [--judge MODEL] [--per-model N] [FILES...]` (also
`python -m benchmarks ice_paper_prompt`; 17 min on 2 cores with the defaults) reads the shared
ICE files (`../shared/data/ice-paper`), takes N answers of each model (half published conflicts,
half not, or all the conflicts a model has when it has fewer; a fixed seed), and asks MODEL each
answer's loose verdict twice: with our prompt (`--judge MODEL`) and with the paper's
(`--judge paper:MODEL`), through the gateway as `ice rejudge` does. The rule judge on the same
answers is the baseline of the same run. Prints kappa, precision, recall and how many outputs
could not be read (needs review), per prompt; `--json` for the numbers.

The sample is balanced, so kappa here is not the kappa on a whole file; it compares the prompts
with each other and with the rule judge on the same answers. What it says about a small local
judge does not carry to the paper's judge (GPT-4o-mini), which no offline run can ask.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from probes.ice.identity import fact_for  # noqa: E402
from probes.ice.published import load_published  # noqa: E402
from probes.ice.templates import fill  # noqa: E402
from probes.judges import rule_judge  # noqa: E402
from probes.stats import cohen_kappa, confusion  # noqa: E402

from benchmarks.ice_judge_agreement import result_files  # noqa: E402

DEFAULT_JUDGE = "local/qwen2.5-coder-1.5b-instruct"


def sample(files: list[Path], per_model: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out: list[dict] = []
    for path in files:
        run = load_published(path)
        pos = [r for r in run.rows if r.loose]
        neg = [r for r in run.rows if not r.loose]
        k_pos = min(len(pos), per_model // 2)
        chosen = rng.sample(pos, k_pos) + rng.sample(neg, per_model - k_pos)
        for r in chosen:
            out.append({"model": run.target, "line": r.line, "prompt": fill(r.template, r.query),
                        "response": r.response, "published": bool(r.loose)})
    return out


def score(pred: list[bool | None], ref: list[bool]) -> dict:
    pairs = [(p, r) for p, r in zip(pred, ref) if p is not None]
    ps, rs = [p for p, _ in pairs], [r for _, r in pairs]
    c = confusion(ps, rs)
    k = cohen_kappa(ps, rs)
    return {"n": len(pairs), "unread": len(pred) - len(pairs), "kappa": None if k is None else round(k, 3),
            "precision": None if c.precision is None else round(c.precision, 3),
            "recall": None if c.recall is None else round(c.recall, 3), "confusion": c.as_dict()}


async def ask_all(judge: str, items: list[dict], concurrency: int, max_tokens: int) -> dict:
    from probes.judges import llm_verdict
    from workbench.config import load_config
    from workbench.models.gateway import Gateway, GatewayError

    gw = Gateway(load_config())
    sem = asyncio.Semaphore(concurrency)
    out: dict[str, list] = {"workbench": [None] * len(items), "paper": [None] * len(items)}
    raw: dict[str, list] = {"workbench": [""] * len(items), "paper": [""] * len(items)}
    errors: list[str] = []
    done = 0
    t0 = time.perf_counter()

    async def one(i: int, style: str) -> None:
        nonlocal done
        it = items[i]
        async with sem:
            try:
                v = await llm_verdict(gw.generate, judge, "loose", fact_for(it["model"]), it["prompt"],
                                      it["response"], style=style, max_tokens=max_tokens)
            except GatewayError as exc:  # counted apart: a failed call is no verdict
                errors.append(f"{it['model']} line {it['line']} ({style}): {exc}")
            else:
                out[style][i], raw[style][i] = v.value, v.raw
        done += 1
        if done % 20 == 0:
            print(f"  {done}/{2 * len(items)} verdicts ({time.perf_counter() - t0:.0f}s)", flush=True)

    await asyncio.gather(*(one(i, s) for i in range(len(items)) for s in ("workbench", "paper")))
    return {"values": out, "raw": raw, "errors": errors, "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--judge", default=DEFAULT_JUDGE, help=f"the model asked (default {DEFAULT_JUDGE})")
    ap.add_argument("--per-model", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=192, help="the judge's room to reason and decide")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    files = result_files(args.files)
    if not files:
        return {"skipped": "no data"}
    from workbench.config import load_config

    if args.judge not in load_config().models:  # the built-in models and models.toml's
        why = " (`make install-teacher` installs it)" if args.judge == DEFAULT_JUDGE else ""
        print(f"skipped: no model {args.judge!r} here{why}")
        return {"skipped": f"no model {args.judge}"}
    items = sample(files, args.per_model, args.seed)
    ref = [it["published"] for it in items]
    print(f"{len(items)} answers ({args.per_model} per model, {sum(ref)} published conflicts); judge {args.judge}",
          flush=True)
    rule = [rule_judge(it["response"], fact_for(it["model"]), prompt=it["prompt"]).loose for it in items]
    asked = asyncio.run(ask_all(args.judge, items, args.concurrency, args.max_tokens))
    result = {"judge": args.judge, "answers": len(items), "per_model": args.per_model, "seed": args.seed,
              "published_conflicts": sum(ref), "seconds": asked["seconds"], "errors": asked["errors"],
              "rule": score(rule, ref),
              "ours": score(asked["values"]["workbench"], ref),
              "paper": score(asked["values"]["paper"], ref)}
    result["by_model"] = {}
    for m in dict.fromkeys(it["model"] for it in items):
        idx = [i for i, it in enumerate(items) if it["model"] == m]
        result["by_model"][m] = {name: score([vals[i] for i in idx], [ref[i] for i in idx])["kappa"]
                                 for name, vals in (("rule", rule), ("ours", asked["values"]["workbench"]),
                                                    ("paper", asked["values"]["paper"]))}
    for name in ("rule", "ours", "paper"):
        s = result[name]
        print(f"{name:6s} kappa {s['kappa']}  P {s['precision']}  R {s['recall']}  "
              f"read {s['n']}/{len(items)}", flush=True)
    for e in asked["errors"][:5]:
        print("call failed:", e, flush=True)
    if args.json:
        print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
