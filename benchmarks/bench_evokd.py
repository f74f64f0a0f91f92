"""EvoKD benchmark: bbc-news, 1-shot, EvoKD vs `static` vs `none` vs full-shot, over seeds.

For each seed, real jobs (worker processes, as `workbench evokd run` starts them): EvoKD and
the `static` baseline at the same teacher-token budget per round, and the K-shot `none`
baseline with the full-shot reference (one job, `--baseline none --full-shot`). Optionally
the EvoKD ablations of issue 23's fixes (`--methods evokd-fresh,evokd-history,evokd-recipe`:
the analysis on data already trained on, no history, the old training recipe). The teacher
is the best offline one installed (`bench_teacher()`: Qwen2.5-Coder-1.5B when installed, it
labels bbc-news 0.50 right against 0.20, chance, for the 0.5B; else `default_teacher()`).

Incremental: each finished (method, seed) job is written at once to its own JSON file in
--out; a later run with the same settings skips it, so a crash or Ctrl-C loses only the job in
progress (and that job is resumed from its last finished round when its database is still
there). From every result there, it writes the tables (docs/evokd-bench.md) and a matplotlib
figure (docs/evokd-bench.png: test accuracy per round, mean ± sd over seeds; and accuracy
against the kept samples, so methods are also compared at equal data).

Run:   make bench-evokd          (= .venv/bin/python -m benchmarks evokd)
  or:  .venv/bin/python benchmarks/bench_evokd.py [--seeds 0,1,2,3,4] [--rounds 4] [--budget 1500]
       [--methods evokd,static,none] [--report-only] [--throughput]
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
PLOT = REPO / "docs" / "evokd-bench.png"
OUT = REPO / "benchmarks" / "results" / "evokd"
ABLATED = ("evokd-fresh", "evokd-history", "evokd-recipe")
METHODS = ("evokd", "static", "none", *ABLATED)
NAMES = {"evokd": "EvoKD", "static": "static", "none": "none (K-shot only)",
         "evokd-fresh": "EvoKD, analysis on trained-on data", "evokd-history": "EvoKD, no history",
         "evokd-recipe": "EvoKD, old training recipe"}


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
def run_job(db_path: Path, options: dict[str, Any], label: str, retries: int = 2,
            config_path: str | None = None) -> dict[str, Any]:
    """Run one job to its end. A job that fails or loses its worker is resumed from its last
    finished round (the same seeds, so the same result), at most ``retries`` times."""
    from workbench.jobs import launcher
    from workbench.jobs.monitor import effective_status
    from workbench.jobs.results import job_result
    from workbench.store import jobs as store
    from workbench.store.db import open_db

    db = open_db(db_path)
    # A stopped benchmark leaves its job behind: a finished one is reported, a running one (its
    # worker lives on in its own session) is followed, any other continues from its last
    # finished round. Only a job never started is started.
    same = [j for j in store.list_jobs(db, kind="evokd") if (j.config or {}).get("options") == options]
    by_status = {effective_status(j, db): j for j in same}
    proc = None
    if "done" in by_status or "running" in by_status or "queued" in by_status:
        job_id = (by_status.get("done") or by_status.get("running") or by_status["queued"]).id
        print(f"  {label}: job {job_id} of an earlier run is {effective_status(store.get_job(db, job_id), db)}; "
              "following it", flush=True)
    elif same:
        job_id = same[0].id
        print(f"  {label}: resuming job {job_id} left unfinished", flush=True)
        proc = launcher.resume(db, db_path, job_id)
    else:
        job_id, proc = launcher.submit(db, db_path, "evokd", {"options": options, "config_path": config_path})
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
        if status == "interrupted" and proc is not None and proc.poll() is None:
            # The worker this run started is alive: the process table was read between its
            # fork and its exec (under load that gap lasts), when it does not look like a worker.
            time.sleep(2)
            continue
        if status in ("failed", "interrupted") and retries > 0:
            if proc is not None:
                proc.wait(timeout=60)
            retries -= 1
            print(f"  {label}: job {job_id} {status} ({job.error}); resuming it", flush=True)
            proc = launcher.resume(db, db_path, job_id)
            continue
        if status in ("done", "failed", "cancelled", "interrupted"):
            break
        time.sleep(2)
    if proc is not None:
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
            "full_shot_epochs": args.full_shot_epochs, "lr": args.lr, "epochs": args.epochs,
            "batch_size": args.batch_size, "engine": args.engine}


def result_path(out: Path, method: str, seed: int, key: dict[str, Any]) -> Path:
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:8]
    return out / f"{method}-seed{seed}-{digest}.json"


def plan(args: argparse.Namespace) -> list[tuple[str, int]]:
    # Seed by seed, EvoKD and static side by side (a stop leaves pairs, not one method's seeds);
    # the none + full-shot jobs last: `none` equals round 0 of the teacher runs (same K-shot
    # seeds, same torch seed), so it adds only the full-shot line; ablations after that.
    runs = [(m, s) for s in args.seeds for m in ("evokd", "static") if m in args.methods]
    runs += [("none", s) for s in args.seeds if "none" in args.methods]
    return runs + [(m, s) for m in ABLATED if m in args.methods for s in args.seeds]


def job_options(args: argparse.Namespace, method: str, seed: int) -> dict[str, Any]:
    opts: dict[str, Any] = dict(dataset="bbc-news", shots=1, rounds=args.rounds, per_round=args.per_round,
                                teacher=args.teacher, device=args.device,
                                full_shot_epochs=args.full_shot_epochs, test_limit=args.test_limit,
                                threads=args.threads, lr=args.lr, epochs=args.epochs,
                                batch_size=args.batch_size, seed=seed)
    if method == "none":
        opts.update(method="none", full_shot=not args.no_full_shot)
    else:
        opts.update(method="static" if method == "static" else "evokd", budget=args.budget)
        if method.startswith("evokd-"):
            opts["ablate"] = [method.split("-", 1)[1]]
    return opts


def run_all(args: argparse.Namespace) -> None:
    from workbench.distill.options import EvoKDOptions

    key = settings(args)
    args.out.mkdir(parents=True, exist_ok=True)
    db_path = args.work / "bench.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for method, seed in plan(args):
        path = result_path(args.out, method, seed, key)
        if path.exists():
            print(f"{method} seed {seed}: done before ({path.name})", flush=True)
            continue
        opts = EvoKDOptions(**job_options(args, method, seed)).validate().to_dict()
        print(f"running {method} seed {seed} ...", flush=True)
        result = run_job(db_path, opts, f"{method}/{seed}",
                         config_path=str(args.config.resolve()) if args.config else None)
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
def _stats(values: list[float]) -> tuple[float, float]:
    """mean, sample standard deviation."""
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, sd


def _fmt(values: list[float], digits: int = 3) -> str:
    if not values:
        return "-"
    mean, sd = _stats(values)
    return f"{mean:.{digits}f} ± {sd:.{digits}f}" if len(values) > 1 else f"{mean:.{digits}f}"


def _at(result: dict[str, Any], x: int, field: str = "accuracy") -> float:
    rounds = result["rounds"]
    return float(rounds[min(x, len(rounds) - 1)][field])


def _kept_by_round(result: dict[str, Any], rounds: int) -> list[float]:
    out, total = [], 0
    for x in range(rounds + 1):
        if x < len(result["rounds"]):
            total += result["rounds"][x]["kept"]
        out.append(float(total))
    return out


def _acct(result: dict[str, Any]) -> dict[str, int]:
    total: dict[str, int] = {}
    for r in result["rounds"]:
        for k, v in (r.get("accounting") or {}).items():
            total[k] = total.get(k, 0) + int(v)
    return total


def aims(found: dict[str, dict[int, dict[str, Any]]], rounds: int) -> dict[str, Any]:
    """The issue's aim, measured: EvoKD >= static at the final round (means), no EvoKD round
    below round 0 on average, and the teacher tokens of the two within 10%."""
    ev, st = found.get("evokd", {}), found.get("static", {})
    if not ev or not st:
        return {}
    ev_means = [statistics.fmean(_at(r, x) for r in ev.values()) for x in range(rounds + 1)]
    st_final = statistics.fmean(_at(r, rounds) for r in st.values())
    ev_tokens = statistics.fmean(r["teacher_tokens"] for r in ev.values())
    st_tokens = statistics.fmean(r["teacher_tokens"] for r in st.values())
    paired = sorted(set(ev) & set(st))
    return {"evokd_final": ev_means[-1], "static_final": st_final,
            "evokd_ge_static": ev_means[-1] >= st_final,
            "evokd_min_round_minus_round0": min(ev_means[1:]) - ev_means[0] if rounds else 0.0,
            "no_round_below_round0": all(m >= ev_means[0] for m in ev_means[1:]),
            "token_ratio": ev_tokens / st_tokens if st_tokens else None,
            "paired_final_diffs": [round(_at(ev[s], rounds) - _at(st[s], rounds), 4) for s in paired]}


def at_equal_kept(found: dict[str, dict[int, dict[str, Any]]], rounds: int) -> dict[str, float] | None:
    """``static``'s mean accuracy at the number of samples EvoKD kept by its last round
    (linear between static's rounds, on the means over seeds): the two compared at equal data
    rather than at equal teacher tokens."""
    import numpy as np

    ev, st = found.get("evokd", {}), found.get("static", {})
    if not ev or not st:
        return None
    kept_ev = statistics.fmean(_kept_by_round(r, rounds)[-1] for r in ev.values())
    kept_st = [statistics.fmean(v) for v in zip(*(_kept_by_round(r, rounds) for r in st.values()))]
    acc_st = [statistics.fmean(_at(r, x) for r in st.values()) for x in range(rounds + 1)]
    return {"kept": kept_ev, "evokd": statistics.fmean(_at(r, rounds) for r in ev.values()),
            "static": float(np.interp(kept_ev, kept_st, acc_st))}


def ablation_lines(found: dict[str, dict[int, dict[str, Any]]], rounds: int) -> list[str]:
    """Each fix's ablation against full EvoKD on the same seeds: final accuracy, the
    student's accuracy on the fresh samples before training, kept samples."""
    ev = found.get("evokd", {})
    rows = []
    for method in ("evokd", *ABLATED):
        runs = found.get(method, {})
        seeds = sorted(set(runs) & set(ev))
        if not seeds or (method == "evokd" and not any(found.get(m) for m in ABLATED)):
            continue
        fresh = [statistics.fmean(x["fresh_accuracy"] for x in runs[s]["rounds"][1:]
                                  if x.get("fresh_accuracy") is not None) for s in seeds
                 if any(x.get("fresh_accuracy") is not None for x in runs[s]["rounds"][1:])]
        diffs = [_at(ev[s], rounds) - _at(runs[s], rounds) for s in seeds]
        rows.append(f"| {NAMES[method]} | {', '.join(map(str, seeds))} | "
                    f"{_fmt([_at(runs[s], rounds) for s in seeds])} | "
                    f"{_fmt([_at(ev[s], rounds) for s in seeds])} | "
                    + ("-" if method == "evokd" else ", ".join(f"{d:+.3f}" for d in diffs)) + " | "
                    f"{_fmt([min(_at(runs[s], x) for x in range(1, rounds + 1)) - _at(runs[s], 0) for s in seeds])} | "
                    f"{_fmt(fresh)} | {_fmt([float(sum(x['kept'] for x in runs[s]['rounds'])) for s in seeds], 1)} |")
    if not rows:
        return []
    return ["", "Ablations, one per fix of issue 23, against full EvoKD on the same seeds (final test "
                "accuracy; EvoKD minus the ablation per seed, positive when the fix helps; the lowest "
                "round minus round 0; the student's accuracy on each round's fresh samples before "
                "training, mean over rounds; kept samples):", "",
            "| run | seeds | final accuracy | EvoKD, same seeds | EvoKD - ablation | lowest round - round 0 | "
            "fresh accuracy | kept |", "|---|---|---:|---:|---|---:|---:|---:|", *rows]


def report(found: dict[str, dict[int, dict[str, Any]]], key: dict[str, Any], command: str) -> str:
    full = {s: r["full_shot"] for s, r in found.get("none", {}).items() if r.get("full_shot")}
    full_acc = [f["accuracy"] for f in full.values()]
    full_by_seed = {s: f["accuracy"] for s, f in full.items()}
    seeds = sorted({s for m in found.values() for s in m})
    rounds = key["rounds"]
    lines = [
        "# EvoKD benchmark: bbc-news, 1-shot",
        "",
        f"Made by `{command}` (results per job in `benchmarks/results/evokd/`).",
        "",
        f"![test accuracy per round, and against kept samples]({PLOT.name})",
        "",
        f"bbc-news, 1-shot (5 seed articles), {rounds} rounds, batches of {key['per_round']} texts, teacher "
        f"`{key['teacher']}` on {key.get('engine') or 'the local engine'}, budget {key['budget']} teacher "
        f"tokens per round for EvoKD and static (prompt + completion), student lr {key.get('lr')}, "
        f"{key.get('epochs')} epochs a round on everything kept (class-balanced), batch "
        f"{key.get('batch_size')}; seeds {', '.join(map(str, seeds)) or '-'}; test set "
        f"{key['test_limit'] or 300} articles; full-shot {key['full_shot_epochs']} epoch(s) on the 1816 "
        "train articles. Mean ± sample standard deviation over seeds.",
        "",
        "| method | seeds | teacher tokens / job | kept samples / job | final accuracy | final macro-F1 | "
        "% of full-shot acc |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for method in METHODS:
        runs = found.get(method, {})
        if not runs:
            continue
        tokens = [float(r["teacher_tokens"]) for r in runs.values()]
        kept = [float(sum(x["kept"] for x in r["rounds"])) for r in runs.values()]
        share = [100 * _at(runs[s], rounds) / full_by_seed[s] for s in runs if s in full_by_seed]
        lines.append(f"| {NAMES[method]} | {len(runs)} | {_fmt(tokens, 0)} | {_fmt(kept, 1)} | "
                     f"{_fmt([_at(r, rounds) for r in runs.values()])} | "
                     f"{_fmt([_at(r, rounds, 'macro_f1') for r in runs.values()])} | "
                     f"{_fmt(share, 0) + '%' if share else '-'} |")
    if full:
        lines.append(f"| full-shot | {len(full)} | 0 | - | {_fmt(full_acc)} | "
                     f"{_fmt([f['macro_f1'] for f in full.values()])} | 100% |")
    for field, title in (("accuracy", "Test accuracy"), ("macro_f1", "Test macro-F1")):
        lines += ["", f"{title} by round (mean ± sd over seeds; round 0 is the K-shot student, "
                      "`none` stays there):", "",
                  "| method | " + " | ".join(f"round {x}" for x in range(rounds + 1)) + " |",
                  "|---|" + "---:|" * (rounds + 1)]
        for method in METHODS:
            runs = found.get(method, {})
            if runs and method != "none":
                cells = [_fmt([_at(r, x, field) for r in runs.values()]) for x in range(rounds + 1)]
                lines.append(f"| {NAMES[method]} | " + " | ".join(cells) + " |")
    a = aims(found, rounds)
    if a:
        lines += ["", "The aim (issue 23), measured on these results:", "",
                  f"- EvoKD final accuracy {a['evokd_final']:.3f} vs static {a['static_final']:.3f}: "
                  f"EvoKD {'>=' if a['evokd_ge_static'] else '<'} static (per seed, EvoKD - static: "
                  f"{', '.join(f'{d:+.3f}' for d in a['paired_final_diffs'])}).",
                  f"- Lowest EvoKD round minus round 0 (means): {a['evokd_min_round_minus_round0']:+.3f}: "
                  f"{'no round below round 0' if a['no_round_below_round0'] else 'a round below round 0'}.",
                  f"- Teacher tokens EvoKD / static: {a['token_ratio']:.3f} (equal within 10%: "
                  f"{'yes' if a['token_ratio'] and abs(a['token_ratio'] - 1) <= 0.10 else 'no'})."]
        eq = at_equal_kept(found, rounds)
        if eq:
            lines.append(f"- At equal kept samples ({eq['kept']:.1f}, EvoKD's mean by its last round): "
                         f"EvoKD {eq['evokd']:.3f}, static {eq['static']:.3f} (static's mean accuracy "
                         "interpolated between its rounds).")
    lines += ablation_lines(found, rounds)
    lines += ["", "Budget accounting, summed over the rounds (mean per job): texts asked of the teacher, "
                  "parsed from its answers, dropped as echoes (near-duplicates of seeds, earlier samples "
                  "or the prompt), left unlabelled, kept, and kept with a separate label that differs from "
                  "the one the teacher intended:", "",
              "| method | asked | parsed | echoed | unlabelled | kept | relabelled | prompt tokens | "
              "completion tokens |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for method in METHODS:
        runs = found.get(method, {})
        accts = [_acct(r) for r in runs.values() if method != "none"]
        accts = [x for x in accts if x]
        if accts:
            cells = [f"{statistics.fmean(x.get(k, 0) for x in accts):.1f}" for k in
                     ("asked", "parsed", "echoed", "unlabelled", "kept", "disagree", "prompt_tokens",
                      "completion_tokens")]
            lines.append(f"| {NAMES[method]} | " + " | ".join(cells) + " |")
    lines += ["", "Per seed (final accuracy; teacher tokens; kept samples):", "",
              "| seed | " + " | ".join(NAMES[m] for m in METHODS if found.get(m)) + " | full-shot |",
              "|---:|" + "---|" * sum(1 for m in METHODS if found.get(m)) + "---:|"]
    for s in seeds:
        cells = []
        for method in METHODS:
            if not found.get(method):
                continue
            r = found[method].get(s)
            cells.append("-" if r is None else
                         f"{_at(r, rounds):.3f}; {r['teacher_tokens']}; {sum(x['kept'] for x in r['rounds'])}")
        cells.append(f"{full_by_seed[s]:.3f}" if s in full_by_seed else "-")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def plot(found: dict[str, dict[int, dict[str, Any]]], key: dict[str, Any], path: Path) -> bool:
    """Two panels: test accuracy per round (mean ± sd over seeds), and accuracy against the
    mean number of kept samples (methods compared at equal data). Full-shot as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rounds = key["rounds"]
    methods = [m for m in METHODS if found.get(m) and m != "none"]
    if not methods and not found.get("none"):
        return False
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    xs = list(range(rounds + 1))
    for method in methods:
        runs = list(found[method].values())
        stats = [_stats([_at(r, x) for r in runs]) for x in xs]
        mean = [m for m, _ in stats]
        sd = [d for _, d in stats]
        line, = ax1.plot(xs, mean, marker="o", label=f"{NAMES[method]} (n={len(runs)})")
        ax1.fill_between(xs, [m - d for m, d in zip(mean, sd)], [m + d for m, d in zip(mean, sd)],
                         color=line.get_color(), alpha=0.15)
        kept = [statistics.fmean(v) for v in zip(*(_kept_by_round(r, rounds) for r in runs))]
        ax2.errorbar(kept, mean, yerr=sd, marker="o", capsize=3, color=line.get_color(),
                     label=NAMES[method])
    none = list(found.get("none", {}).values())
    if none:
        base = _stats([_at(r, 0) for r in none])
        for ax in (ax1, ax2):
            ax.axhline(base[0], color="grey", linestyle=":", label=f"none, K-shot ({base[0]:.3f})")
    full = [r["full_shot"]["accuracy"] for r in none if r.get("full_shot")]
    if full:
        for ax in (ax1, ax2):
            ax.axhline(statistics.fmean(full), color="black", linestyle="--",
                       label=f"full-shot ({statistics.fmean(full):.3f})")
    ax1.set(xlabel="round (0 = K-shot student)", ylabel="test accuracy", xticks=xs,
            title=f"bbc-news 1-shot, {key['budget']} teacher tokens a round")
    ax2.set(xlabel="kept teacher samples (mean over seeds)", ylabel="test accuracy",
            title="at equal kept samples")
    ax1.legend(fontsize=7, loc="lower right")
    ax2.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"EvoKD vs baselines, teacher {key['teacher']}; mean ± sd over seeds", fontsize=9)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def bench_teacher() -> str:
    """The teacher the committed results used when it is installed: Qwen2.5-Coder-1.5B (labels
    40 bbc-news test texts 0.50 right through a JSON-schema enum on llama.cpp, the 0.5B 0.20,
    chance: `python -m benchmarks local_engine`), else the product's default teacher."""
    from workbench.distill.options import default_teacher
    from workbench.models import packaged

    return packaged.TEACHER_15B.model if packaged.TEACHER_15B.installed() else default_teacher()


def detect_engine(teacher: str, config: Path | None) -> str:
    """What will serve a local teacher: llama.cpp's server when this checkout has that engine and
    its binary, else transformers in process. Results of different engines are not mixed."""
    if config is not None or not teacher.startswith("local/"):
        return "a server from models.toml"
    try:
        from workbench.models import llama_server  # the llama.cpp engine (issue 24), when present
    except ImportError:
        return "transformers-in-process-fp32"
    return "llama.cpp llama-server" if llama_server.find_binary() else "transformers-in-process-fp32"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from workbench.distill.options import EvoKDOptions

    d = EvoKDOptions(dataset="")
    parser = argparse.ArgumentParser(description="EvoKD vs static vs none at an equal teacher budget, bbc-news 1-shot")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (default 0-4)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--budget", type=int, default=1500, help="teacher tokens per round (EvoKD and static)")
    parser.add_argument("--teacher", default=None,
                        help="default: Qwen2.5-Coder-1.5B when installed, else the best offline teacher")
    parser.add_argument("--engine", default=None,
                        help="what serves the teacher, recorded in the settings (default: detected)")
    parser.add_argument("--config", type=Path, default=None,
                        help="models.toml for the jobs (a teacher served elsewhere, e.g. llama-server)")
    parser.add_argument("--test-limit", type=int, default=100,
                        help="evaluate on N test articles, 20 a topic (default 100; 0: all 300)")
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--epochs", type=int, default=d.epochs)
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--full-shot-epochs", type=int, default=1)
    parser.add_argument("--no-full-shot", action="store_true", help="none jobs without the full-shot reference")
    parser.add_argument("--methods", default="evokd,static,none",
                        help=f"which jobs to run, from {', '.join(METHODS)} (two processes with different "
                             "--methods and --work can share the work on more cores)")
    parser.add_argument("--out", type=Path, default=OUT, help="one JSON result per finished job")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / f"bench-evokd-{os.getuid()}",
                        help="database and checkpoints of the jobs")
    parser.add_argument("--report-only", action="store_true", help="write the tables and plot from --out")
    parser.add_argument("--throughput", action="store_true", help="also measure student samples/s")
    parser.add_argument("--no-docs", action="store_true", help="print the table, leave docs/ alone")
    args = parser.parse_args(argv if argv is not None else [])
    args.teacher = args.teacher or bench_teacher()
    args.engine = args.engine or detect_engine(args.teacher, args.config)
    args.test_limit = args.test_limit or None
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
    text = report(found, key, command)
    print(text)
    if not args.no_docs:
        TABLE.write_text(text, encoding="utf-8")
        drew = plot(found, key, PLOT)
        print(f"wrote {TABLE.relative_to(REPO)}" + (f" and {PLOT.relative_to(REPO)}" if drew else ""))
    return {"settings": key, "throughput": speeds, "wall_s": round(time.perf_counter() - t0, 1),
            "runs": {m: sorted(v) for m, v in found.items()}, "aims": aims(found, key["rounds"])}


if __name__ == "__main__":
    main(sys.argv[1:])
