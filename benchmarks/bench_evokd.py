"""EvoKD benchmark: bbc-news, 1-shot, several rounds.

1. Student training and inference throughput (samples/s) of all-MiniLM-L6-v2 on CPU with one
   thread and with every core, and on CUDA (bf16 autocast) when a GPU is present.
2. Four real jobs (worker processes, as `workbench evokd run` starts them): EvoKD and the
   `static` baseline at the same teacher-token budget per round, the K-shot `none` baseline,
   and the full-shot reference (the `none` job with --full-shot).

Run:   .venv/bin/python -m benchmarks evokd
  or:  .venv/bin/python benchmarks/bench_evokd.py [--rounds 3] [--budget 2000] [--write-docs]

With --write-docs the table replaces the block between the bench markers in docs/evokd.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
DOC = REPO / "docs" / "evokd.md"
START, END = "<!-- bench:evokd:start -->", "<!-- bench:evokd:end -->"


# -- throughput -----------------------------------------------------------------------------
def throughput(device: str, threads: int, steps: int = 12, batch: int = 8, max_length: int = 128) -> dict[str, Any]:
    import torch

    from workbench.distill.data import load_dataset
    from workbench.distill.student import Student

    torch.set_num_threads(threads)
    ds = load_dataset("bbc-news")
    student = Student.from_base(None, "classification", ds.labels, device=device, max_length=max_length)
    examples = ds.train[: steps * batch]
    student.train(examples[:batch], epochs=1, batch_size=batch, seed=0)  # warm-up (allocations, kernels)
    stats = student.train(examples, epochs=1, batch_size=batch, seed=1)
    t0 = time.perf_counter()
    student.predict(ds.test[:96], batch_size=32)
    if device == "cuda":
        torch.cuda.synchronize()
    infer = 96 / (time.perf_counter() - t0)
    return {"device": device, "threads": threads, "batch": batch, "max_length": max_length,
            "train_samples_per_s": round(stats.samples_per_s, 2), "predict_samples_per_s": round(infer, 1)}


def throughput_all() -> list[dict[str, Any]]:
    import torch

    rows = [throughput("cpu", 1)]
    cores = os.cpu_count() or 1
    if cores > 1:
        rows.append(throughput("cpu", cores))
    if torch.cuda.is_available():
        rows.append(throughput("cuda", cores))
    return rows


# -- jobs -----------------------------------------------------------------------------------
def run_job(db_path: Path, options: dict[str, Any], label: str) -> dict[str, Any]:
    from workbench.jobs import launcher
    from workbench.jobs.monitor import effective_status
    from workbench.jobs.results import job_result
    from workbench.store import jobs as store
    from workbench.store.db import open_db

    db = open_db(db_path)
    job_id, proc = launcher.submit(db, db_path, "evokd", {"options": options, "config_path": None})
    t0 = time.perf_counter()
    last = ""
    while True:
        job = store.get_job(db, job_id)
        status = effective_status(job)
        p = job.progress or {}
        line = f"  {label}: job {job_id} {status} round {p.get('round')}/{p.get('rounds')} {p.get('phase')}"
        if line != last:
            print(line, flush=True)
            last = line
        if status in ("done", "failed", "cancelled", "interrupted"):
            break
        time.sleep(2)
    proc.wait(timeout=60)
    result = job_result(db, db_path, job_id)
    result["wall_s"] = round(time.perf_counter() - t0, 1)
    db.close()
    if status != "done":
        raise RuntimeError(f"{label} job {job_id} ended {status}: {result.get('error')}")
    return result


def run_all(args: argparse.Namespace, db_path: Path) -> dict[str, dict[str, Any]]:
    from workbench.distill.options import EvoKDOptions

    common = dict(dataset="bbc-news", shots=1, rounds=args.rounds, per_round=args.per_round, seed=args.seed,
                  teacher=args.teacher, device=args.device, full_shot_epochs=args.full_shot_epochs)
    plans = {
        "evokd": dict(common, budget=args.budget),
        "static": dict(common, method="static", budget=args.budget),
        "none + full-shot": dict(common, method="none", full_shot=True),
    }
    out = {}
    for label, opts in plans.items():
        print(f"running {label} ...", flush=True)
        out[label] = run_job(db_path, EvoKDOptions(**opts).validate().to_dict(), label)
    return out


# -- report ---------------------------------------------------------------------------------
def table(results: dict[str, dict[str, Any]], speeds: list[dict[str, Any]], args: argparse.Namespace,
          seconds: float) -> str:
    full = results.get("none + full-shot", {}).get("full_shot") or {}
    full_acc = full.get("accuracy")
    lines = [
        f"bbc-news, 1-shot (5 seed articles), {args.rounds} rounds of {args.per_round} texts per batch, "
        f"teacher `{args.teacher}`, budget {args.budget} teacher tokens per round (EvoKD and static), "
        f"seed {args.seed}, test set 300 articles (60 per topic). Wall time {seconds / 60:.1f} min.",
        "",
        "| method | teacher tokens | kept samples | accuracy by round (0 = K-shot) | final acc | final macro-F1 | % of full-shot acc |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for label in ("evokd", "static", "none + full-shot"):
        r = results.get(label)
        if not r:
            continue
        rounds = r["rounds"]
        last = rounds[-1]
        accs = " → ".join(f"{x['accuracy']:.3f}" for x in rounds)
        share = f"{100 * last['accuracy'] / full_acc:.0f}%" if full_acc else "-"
        name = "none (K-shot only)" if label.startswith("none") else label
        lines.append(f"| {name} | {r['teacher_tokens']} | {sum(x['kept'] for x in rounds)} | {accs} | "
                     f"{last['accuracy']:.3f} | {last['macro_f1']:.3f} | {share} |")
    if full:
        lines.append(f"| full-shot ({full.get('train_size')} articles, {full.get('epochs')} epoch) | 0 | - | - | "
                     f"{full['accuracy']:.3f} | {full['macro_f1']:.3f} | 100% |")
    if speeds:
        lines += ["", "Student training throughput (all-MiniLM-L6-v2 + head, batch 8, 128 tokens):", "",
                  "| device | threads | train samples/s | predict samples/s |", "|---|---:|---:|---:|"]
        for s in speeds:
            lines.append(f"| {s['device']} | {s['threads']} | {s['train_samples_per_s']} | {s['predict_samples_per_s']} |")
    return "\n".join(lines) + "\n"


def write_docs(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# EvoKD\n\n{START}\n{END}\n"
    if START not in doc or END not in doc:
        doc += f"\n{START}\n{END}\n"
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{START}\n{text}{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from workbench.distill.options import BUILTIN_TEACHER

    parser = argparse.ArgumentParser(description="EvoKD vs static vs none at an equal teacher budget, bbc-news 1-shot")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=10)
    parser.add_argument("--budget", type=int, default=2000, help="teacher tokens per round (EvoKD and static)")
    parser.add_argument("--teacher", default=BUILTIN_TEACHER)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--full-shot-epochs", type=int, default=1)
    parser.add_argument("--db", default=None, help="keep the jobs in this database (default: a temp dir)")
    parser.add_argument("--skip-runs", action="store_true", help="only measure throughput")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--write-docs", action="store_true", help=f"put the table into {DOC.relative_to(REPO)}")
    args = parser.parse_args(argv if argv is not None else [])
    t0 = time.perf_counter()
    speeds = [] if args.skip_throughput else throughput_all()
    for s in speeds:
        print(f"  student {s['device']} x{s['threads']}: train {s['train_samples_per_s']} samples/s, "
              f"predict {s['predict_samples_per_s']} samples/s", flush=True)
    db_path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="bench-evokd-")) / "bench.db"
    results = {} if args.skip_runs else run_all(args, db_path)
    text = table(results, speeds, args, time.perf_counter() - t0)
    print(text)
    if args.write_docs:
        write_docs(text)
    summary = {"throughput": speeds, "runs": results, "db": str(db_path)}
    out = db_path.parent / "bench-evokd.json"
    out.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print(f"raw results: {out}")
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
