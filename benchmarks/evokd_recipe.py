"""Choose EvoKD's student-training defaults by measurement, on data the benchmark never scores.

A simulation of the loop's training side only (no teacher): round 0 trains on the 1-shot
seeds of bbc-news; each later round adds ``--per-round`` "teacher samples" that are real
train articles cut to ``--words`` words (the length the 0.5B teacher writes), a fraction
``--noise`` of them given a wrong label (the teacher's labels are ~0.7 right), and the
student trains by one recipe. Accuracy is measured on a validation split held out of the
*train* split (``--val`` articles per topic), never on the test set the benchmark reports.

Recipes: ``old`` (the pre-issue-23 loop: at least 20 steps at lr 1e-4 on the newest batch +
seeds + 10 replayed samples, no balance) and ``lr:epochs`` (all kept data, class-balanced,
``epochs`` passes). Output: one JSON file in benchmarks/results/evokd_recipe/ and a table.

Run: python benchmarks/evokd_recipe.py [--seeds 0,1] [--recipes old,1e-4:5,...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
OUT = REPO / "benchmarks" / "results" / "evokd_recipe"


def simulate(recipe: str, seed: int, args: argparse.Namespace) -> list[float]:
    from workbench.distill.data import Example, kshot, load_dataset
    from workbench.distill.student import Student

    ds = load_dataset("bbc-news")
    rng = random.Random(f"recipe:{seed}")
    by_label: dict[str, list[Example]] = {}
    for e in ds.train:
        by_label.setdefault(e.label, []).append(e)
    val, pool = [], []
    for label in sorted(by_label):
        items = by_label[label][:]
        random.Random(f"val:{label}").shuffle(items)  # the same validation split for every seed
        val += items[:args.val]
        pool += items[args.val:]
    seeds = kshot(pool, 1, seed)
    rng.shuffle(pool)
    student = Student.from_base(None, "classification", ds.labels, seed=seed * 1009)
    old = recipe == "old"
    lr, epochs = (1e-4, 3) if old else (float(recipe.split(":")[0]), int(recipe.split(":")[1]))
    kept: list[Example] = []
    scores = []
    for r in range(args.rounds + 1):
        new: list[Example] = []
        if r:
            for e in pool[(r - 1) * args.per_round:r * args.per_round]:
                label = e.label
                if rng.random() < args.noise:
                    label = rng.choice([x for x in ds.labels if x != e.label])
                new.append(Example(text=" ".join(e.text.split()[:args.words]), label=label))
        if old:
            replay = random.Random(f"{seed}:{r}").sample(kept, min(10, len(kept)))
            data = new + seeds + replay
            student.train(data, epochs=epochs, batch_size=8, lr=lr, min_steps=20, seed=seed * 1009 + r)
        else:
            data = seeds + kept + new
            student.train(data, epochs=epochs, batch_size=8, lr=lr, seed=seed * 1009 + r, balanced=True)
        kept += new
        scores.append(round(student.evaluate(val)["accuracy"], 4))
        print(f"  {recipe} seed {seed} round {r}: val accuracy {scores[-1]:.3f}", flush=True)
    return scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--recipes", default="old,1e-4:5,1e-4:10,2e-4:5,5e-5:10")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--per-round", type=int, default=12)
    ap.add_argument("--words", type=int, default=25)
    ap.add_argument("--noise", type=float, default=0.3)
    ap.add_argument("--val", type=int, default=20, help="validation articles per topic")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--file", default="recipes.json", help="results file in benchmarks/results/evokd_recipe/ "
                                                          "(one per process when several run at once)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / args.file
    done = json.loads(path.read_text()) if path.exists() else {}
    for other in OUT.glob("*.json"):  # what other processes measured, for the table
        if other != path:
            for k, v in json.loads(other.read_text()).items():
                done.setdefault(k, v)
    for recipe in args.recipes.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            key = f"{recipe}|{seed}|{args.rounds}|{args.per_round}|{args.words}|{args.noise}|{args.val}"
            if key in done:
                continue
            t0 = time.perf_counter()
            done[key] = {"recipe": recipe, "seed": seed, "val_accuracy": simulate(recipe, seed, args),
                         "seconds": round(time.perf_counter() - t0, 1)}
            path.write_text(json.dumps(done, indent=1))
    print("| recipe | seeds | val accuracy by round (mean over seeds) | final - round 0 | min round - round 0 |")
    print("|---|---:|---|---:|---:|")
    for recipe in args.recipes.split(","):
        runs = [v["val_accuracy"] for v in done.values() if v["recipe"] == recipe]
        if not runs:
            continue
        means = [statistics.fmean(r[i] for r in runs) for i in range(len(runs[0]))]
        print(f"| {recipe} | {len(runs)} | {' → '.join(f'{m:.3f}' for m in means)} | "
              f"{means[-1] - means[0]:+.3f} | {min(means[1:]) - means[0]:+.3f} |")


if __name__ == "__main__":
    main()
