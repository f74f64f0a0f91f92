"""Agreement of ICE judges with the published GPT-4o-mini loose verdicts, on models never seen.

Usage:
    .venv/bin/python -m benchmarks ice_judge_agreement
    .venv/bin/python benchmarks/ice_judge_agreement.py [RESULTS.jsonl ...] [--encoder multilingual|minilm]
                                                       [--cost N] [--show N] [--json]

Judges, on every file of ``../shared/data/ice-paper`` (or the files given):
- ``rule``: the rule judge (no training; its rules come from our own cases, not these files);
- ``learned``: what ``workbench judge train`` fits by default and ``--judge learned`` ships: a
  logistic head over the answer's multilingual embedding and the rule judge's findings,
  anchored on the rule judge's verdict;
- ``embedding``: the same head over the embedding alone (the design before issue 25);
- ``unanchored``: embedding + findings learnt from the labels alone, no anchor.

Headline: leave-one-model-out. Each target model is scored by a judge trained on the other
models only, with ``distilled.leave_one_model_out`` (the code ``judge train`` reports), whose
L2 strength is chosen by cross-validation among the training models: nothing the scored
model said takes part in fitting or tuning. Pooled figures concatenate the held-out
predictions. Beside it, within-file: leave-one-template-out inside each file with 30+
positives (the judge has seen the model, not the template).

Cost: ``--cost N`` embeds N answers afresh (cache off) with each encoder and reports the
seconds per 1,000 answers, with the rule judge on the same answers as the baseline.
Embeddings are cached on disk (``WORKBENCH_EMBED_CACHE``), so only a first run encodes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from probes.ice.identity import fact_for  # noqa: E402
from probes.ice.published import find_strict_csv, load_published  # noqa: E402
from probes.ice.templates import fill  # noqa: E402
from probes.stats import bootstrap_binary_kappa, cohen_kappa, confusion, paired_kappa_difference  # noqa: E402

DEFAULT_DIR = REPO.parent / "shared" / "data" / "ice-paper"


def result_files(given: list[Path]) -> list[Path]:
    """The released result files given, else the shared ones; says so when there are none."""
    files = given or sorted(DEFAULT_DIR.glob("*.jsonl"))
    if not files:
        print(f"skipped: no result files given and none found in {DEFAULT_DIR}")
    return files
# name -> (features, anchor)
LEARNED = {"learned": (("embedding", "rule"), "rule"), "embedding": (("embedding",), "rule"),
           "unanchored": (("embedding", "rule"), "none")}
MIN_POSITIVES_FOR_TEMPLATE_CV = 30


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def _score(pred: list[bool], ref: list[bool]) -> dict:
    c = confusion(pred, ref)
    lo, hi = bootstrap_binary_kappa(pred, ref)
    return {"n": c.n, "positives": int(sum(ref)), "kappa": cohen_kappa(pred, ref), "kappa_ci95": [lo, hi],
            "precision": c.precision, "recall": c.recall, "confusion": c.as_dict()}


def _line(name: str, s: dict) -> str:
    c = s["confusion"]
    lo, hi = s["kappa_ci95"]
    return (f"  {name:<30} kappa={_fmt(s['kappa'])} [{_fmt(lo)},{_fmt(hi)}]  P={_fmt(s['precision'])}"
            f"  R={_fmt(s['recall'])}  tp={c['tp']} fp={c['fp']} fn={c['fn']} tn={c['tn']}")


def cost(files: list[Path], n: int, names: list[str]) -> dict:
    """Seconds per 1,000 answers of each encoder, fresh instances with no cache, after one
    warm-up text (loading is not counted), and of the rule judge on the same answers."""
    from probes.judges import judged_text, rule_judge
    from workbench.judging.distilled import Encoder, base_encoder
    from workbench.judging.multilingual import MultilingualEncoder

    sample = []
    for path in files:
        run = load_published(path, find_strict_csv(path))
        fact = fact_for(run.target)
        rows = run.rows[5::max(1, len(run.rows) * len(files) // n)]
        sample += [(fill(r.template, r.query), r.response, fact) for r in rows]
    sample = sample[:n]
    texts = [judged_text(r, f, p) for p, r, f in sample]
    t = time.perf_counter()
    for p, r, f in sample:
        rule_judge(r, f, prompt=p)
    rule_s = time.perf_counter() - t
    out = {"answers": len(sample), "rule_s_per_1000": round(rule_s / len(sample) * 1000, 1)}
    saved = os.environ.get("WORKBENCH_EMBED_CACHE")
    os.environ["WORKBENCH_EMBED_CACHE"] = "off"
    try:
        for name in names:
            enc = MultilingualEncoder() if name == "multilingual" else Encoder(base_encoder().folder, 256)
            enc.encode(["warm-up"])
            t = time.perf_counter()
            c = time.process_time()
            enc.encode(texts)
            s, cpu = time.perf_counter() - t, time.process_time() - c
            out[f"{name}_s_per_1000"] = round(s / len(sample) * 1000, 1)
            out[f"{name}_cpu_s_per_1000"] = round(cpu / len(sample) * 1000, 1)
            out[f"{name}_x_rule"] = round(s / rule_s, 2)
    finally:
        if saved is None:
            os.environ.pop("WORKBENCH_EMBED_CACHE", None)
        else:
            os.environ["WORKBENCH_EMBED_CACHE"] = saved
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--encoder", default=None, help="multilingual (default when installed) or minilm")
    ap.add_argument("--cost", type=int, default=40, metavar="N",
                    help="answers to time each encoder on, uncached (0: skip)")
    ap.add_argument("--every", type=int, default=1, metavar="K",
                    help="use every K-th answer of each file (all templates, fewer questions): on 2 "
                         "shared CPU cores a first run embeds 6,000 answers otherwise")
    ap.add_argument("--cost-only", action="store_true", help="only the cost per 1,000 answers")
    ap.add_argument("--show", type=int, default=0, help="print N disagreements of the learned judge per model")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    files = result_files(args.files)
    if not files:
        return {"skipped": "no data"}

    if args.cost_only:
        c = cost(files, args.cost or 40, ["multilingual", "minilm"])
        print(json.dumps(c, indent=2))
        return {"cost": c}

    import numpy as np

    from workbench.distill.student import configure_threads
    from workbench.judging.distilled import (
        Inputs,
        default_encoder_name,
        fit_head,
        judge_inputs,
        leave_one_model_out,
        make_encoder,
    )

    configure_threads()
    encoder_name = args.encoder or default_encoder_name()
    encoder = make_encoder(encoder_name)
    data: dict[str, dict] = {}
    t0 = time.perf_counter()
    for path in files:
        run = load_published(path, find_strict_csv(path))
        fact = fact_for(run.target)
        rows = run.rows[::max(1, args.every)]
        prompts = [fill(r.template, r.query) for r in rows]
        responses = [r.response for r in rows]
        full = judge_inputs(encoder, ("embedding", "rule"), prompts, responses, [fact] * len(prompts))
        data[run.target] = {"inputs": full, "fact": fact, "prompts": prompts, "responses": responses,
                            "y": np.asarray([bool(r.loose) for r in rows], dtype=np.float64),
                            "groups": [f"{run.target}:{r.template_id}" for r in rows],
                            "lines": [r.line for r in rows], "file": path.name}
        print(f"read {path.name}: {len(responses)} answers, {int(data[run.target]['y'].sum())} published "
              f"positives ({time.perf_counter() - t0:.0f}s)", flush=True)
    embed_s = time.perf_counter() - t0
    dims = encoder.dimensions

    def view(d: dict, features: tuple[str, ...], rows: np.ndarray | None = None) -> Inputs:
        x = d["inputs"].x if "rule" in features else d["inputs"].x[:, :dims]
        rule = d["inputs"].rule
        if rows is not None:
            x, rule = x[rows], rule[rows]
        return Inputs(x=x, rule=rule, verdicts=[])

    names = list(data)
    y = np.concatenate([data[n]["y"] for n in names])
    models = [n for n in names for _ in data[n]["y"]]
    results: dict = {"encoder": encoder_name, "every": args.every, "files": {n: data[n]["file"] for n in names},
                     "leave_one_model_out": {}, "within_file": {}}
    print(f"\nleave-one-model-out ({encoder_name} encoder): each model scored by judges trained on "
          f"the other {len(names) - 1} models")
    lomo: dict[str, dict] = {}
    for judge, (features, anchor) in LEARNED.items():
        parts = [view(data[n], features) for n in names]
        inputs = Inputs(x=np.concatenate([p.x for p in parts]), rule=np.concatenate([p.rule for p in parts]),
                        verdicts=[])
        t = time.perf_counter()
        lomo[judge] = leave_one_model_out(inputs, y, models, features=features, anchor=anchor,
                                          groups=models)
        lomo[judge]["seconds"] = round(time.perf_counter() - t, 1)
    held: dict[str, tuple[list[bool], list[bool]]] = {}
    held_groups: list[str] = []
    for n in names:
        d = data[n]
        ref = [bool(v) for v in d["y"]]
        held_groups.extend(d["groups"])
        print(f"{n}  n={len(ref)}  published loose={sum(ref)}")
        per = {"rule": _score([bool(v) for v in d["inputs"].rule], ref)}
        print(_line("rule", per["rule"]))
        held.setdefault("rule", ([], []))[0].extend(bool(v) for v in d["inputs"].rule)
        held["rule"][1].extend(ref)
        for judge in LEARNED:
            pred = lomo[judge]["predictions"][np.asarray(models) == n]
            per[judge] = _score([bool(v) for v in pred], ref)
            per[judge]["l2"] = lomo[judge]["models"][n]["l2"]
            print(_line(f"{judge} (trained on the other {len(names) - 1})", per[judge]))
            held.setdefault(judge, ([], []))[0].extend(bool(v) for v in pred)
            held[judge][1].extend(ref)
        results["leave_one_model_out"][n] = per
        if args.show:
            _show(d, lomo["learned"]["predictions"][np.asarray(models) == n], args.show)
    print(f"pooled over {len(names)} models (held-out predictions):")
    results["leave_one_model_out"]["pooled"] = {}
    for k, (pred, ref) in held.items():
        results["leave_one_model_out"]["pooled"][k] = _score(pred, ref)
        print(_line(k, results["leave_one_model_out"]["pooled"][k]))
    # Does a learned judge beat the rule judge? The paired difference, resampling whole
    # (model, template) clusters: overlapping per-judge intervals cannot answer it.
    print(f"learned minus rule, pooled (paired bootstrap over {len(set(held_groups))} model x template clusters):")
    results["leave_one_model_out"]["pooled_minus_rule"] = {}
    rule_pred, ref_all = held["rule"]
    for k in LEARNED:
        diff = paired_kappa_difference(held[k][0], rule_pred, ref_all, held_groups)
        results["leave_one_model_out"]["pooled_minus_rule"][k] = diff.as_dict() if diff else None
        if diff:
            print(f"  {k:30s} {diff.difference:+.3f} [{diff.low:+.3f}, {diff.high:+.3f}]")

    print(f"\nwithin-file: leave-one-template-out inside each file with {MIN_POSITIVES_FOR_TEMPLATE_CV}+ "
          "positives (the judge has seen this model, not this template)")
    for n in names:
        d = data[n]
        if d["y"].sum() < MIN_POSITIVES_FOR_TEMPLATE_CV:
            print(f"{n}: skipped, {int(d['y'].sum())} positives")
            continue
        groups = np.asarray(d["groups"])
        ref = [bool(v) for v in d["y"]]
        per = {"rule": _score([bool(v) for v in d["inputs"].rule], ref)}
        print(f"{n}  {len(set(d['groups']))} templates")
        print(_line("rule", per["rule"]))
        features, anchor = LEARNED["learned"]
        p = np.zeros(len(ref))
        for g in sorted(set(d["groups"])):
            te, tr = groups == g, groups != g
            head, _, _ = fit_head(view(d, features, tr), d["y"][tr], features=features,
                                  anchor=anchor, groups=list(groups[tr]))
            held_in = view(d, features, te)
            p[te] = head.probabilities(held_in.x, held_in.rule)
        per["learned"] = _score([bool(v >= 0.5) for v in p], ref)
        print(_line("learned", per["learned"]))
        results["within_file"][n] = per
    n_all = len(y)
    results["embed_and_rule_seconds"] = round(embed_s, 1)
    print(f"\nrule judge + {encoder_name} embedding of {n_all} answers (cached after a first run): "
          f"{embed_s:.1f}s")
    if args.cost:
        others = [e for e in ("multilingual", "minilm") if e == "minilm" or encoder_name == "multilingual"]
        results["cost"] = cost(files, args.cost, others)
        c = results["cost"]
        print(f"cost per 1,000 answers ({c['answers']} answers timed, uncached): rule judge "
              f"{c['rule_s_per_1000']}s; " + "; ".join(
                  f"{e} encoder {c[f'{e}_s_per_1000']}s ({c[f'{e}_x_rule']}x the rule judge)" for e in others))
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return results


def _show(d: dict, pred, k: int) -> None:
    for label, want_pred, want_ref in (("FALSE POSITIVE", True, False), ("FALSE NEGATIVE", False, True)):
        shown = 0
        for i, v in enumerate(pred):
            if bool(v) == want_pred and bool(d["y"][i]) == want_ref and shown < k:
                shown += 1
                print(f"  --- {label} (line {d['lines'][i]})\n      "
                      + " ".join(d["responses"][i].split())[:400])


if __name__ == "__main__":
    main()
