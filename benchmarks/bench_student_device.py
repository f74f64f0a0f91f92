"""The EvoKD student on every device torch sees: throughput, and full-shot accuracy.

Usage:
    .venv/bin/python -m benchmarks student_device        (not in the quick set: it trains)
    .venv/bin/python benchmarks/bench_student_device.py [--no-full-shot] [--json]

Throughput (``bench_evokd.throughput``: all-MiniLM-L6-v2 on bbc-news, batch 8, 128 tokens)
on CPU with one thread and with every core, and on CUDA when there is a GPU; each figure is
also given as a ratio to one CPU thread measured in the same run. Then the full-shot
reference exactly as an EvoKD job trains it (``loop._full_shot``'s settings: every train
article, 2 epochs, batch 16, lr 5e-5, seed 10,000) on the fastest device, with its test
accuracy and macro-F1, to compare with the CPU figure in docs/evokd-bench.md. On CUDA the
student trains under bfloat16 autocast, so this is the check that the GPU path learns as
well as the CPU one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def full_shot(device: str) -> dict[str, Any]:
    """The full-shot reference of an EvoKD job (options' defaults), on ``device``."""
    from workbench.distill.data import load_dataset
    from workbench.distill.options import EvoKDOptions
    from workbench.distill.student import Student

    o = EvoKDOptions(dataset="bbc-news")
    ds = load_dataset("bbc-news")
    t0 = time.perf_counter()
    student = Student.from_base(None, ds.task, ds.labels, device=device, max_length=o.max_length,
                                seed=10_000)
    stats = student.train(ds.train, epochs=o.full_shot_epochs, batch_size=max(o.batch_size, 16),
                          lr=o.lr / 2, seed=10_000)
    scores = student.evaluate(ds.test)
    return {"device": device, "train_size": len(ds.train), "test_size": len(ds.test),
            "epochs": o.full_shot_epochs, "accuracy": round(scores["accuracy"], 4),
            "macro_f1": round(scores["macro_f1"], 4), "train_seconds": round(stats.seconds, 1),
            "train_samples_per_s": round(stats.samples_per_s, 1),
            "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-full-shot", action="store_true", help="throughput only")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv if argv is not None else [])
    import torch

    from benchmarks.bench_evokd import throughput_all

    env = {"torch": torch.__version__, "cuda": torch.cuda.is_available(),
           "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
           "cpu_cores": os.cpu_count()}
    import transformers

    env["transformers"] = transformers.__version__
    print(f"torch {env['torch']}, transformers {env['transformers']}, {env['cpu_cores']} CPU cores, "
          f"GPU: {env['gpu'] or 'none'}", flush=True)
    rows = throughput_all()
    base = rows[0]
    for r in rows:
        r["train_ratio_to_one_thread"] = round(r["train_samples_per_s"] / base["train_samples_per_s"], 2)
        r["predict_ratio_to_one_thread"] = round(r["predict_samples_per_s"] / base["predict_samples_per_s"], 2)
        print(f"  {r['device']} x{r['threads']}: train {r['train_samples_per_s']} samples/s "
              f"({r['train_ratio_to_one_thread']}x one CPU thread), predict {r['predict_samples_per_s']} "
              f"samples/s ({r['predict_ratio_to_one_thread']}x)", flush=True)
    out: dict[str, Any] = {"env": env, "throughput": rows}
    if not args.no_full_shot:
        device = "cuda" if env["cuda"] else "cpu"
        torch.set_num_threads(os.cpu_count() or 1)
        fs = full_shot(device)
        print(f"  full-shot on {device}: accuracy {fs['accuracy']:.3f}, macro-F1 {fs['macro_f1']:.3f} "
              f"({fs['train_size']} articles x {fs['epochs']} epochs in {fs['train_seconds']}s)", flush=True)
        out["full_shot"] = fs
    if args.json:
        print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
