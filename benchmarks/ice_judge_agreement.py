"""Agreement of ICE judges with the published GPT-4o-mini loose verdicts (Cohen's kappa).

Usage:
    .venv/bin/python -m benchmarks ice_judge_agreement
    .venv/bin/python benchmarks/ice_judge_agreement.py [RESULTS.jsonl ...] [--show N] [--json]

Judges, for every file of ``../shared/data/ice-paper`` (or the files given):
- ``rule``: the rule judge (no training; its rules were written from issue 14's error classes
  and our own cases, not from these files);
- ``distilled``: the default of ``workbench judge train``: a head over the MiniLM embedding,
  anchored on the rule judge's verdict;
- ``combined``: the same, with the rule judge's findings as features too;
- ``unanchored``: the head over embedding + findings learnt from the labels alone (the
  design before the anchor), kept as the baseline that shows why the anchor is there.

Two ways to hold data out:
- leave-one-file-out: every learned judge is trained on the *other* file(s) only (with the
  two shared files: trained on deepseek, scored on claude; trained on claude, scored on
  deepseek), exactly as ``judge train`` trains (``fit_head``);
- leave-one-template-out, inside a file, where it applies (a file with 30+ positives): each
  of the file's jailbreak templates is scored by a judge trained on the other templates.
Each kappa has a 95% bootstrap interval: with 7 positives in a file it is wide.
Pooled figures concatenate the held-out predictions of every file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from probes.ice.identity import fact_for  # noqa: E402
from probes.ice.published import find_strict_csv, load_published  # noqa: E402
from probes.ice.templates import fill  # noqa: E402
from probes.stats import bootstrap_binary_kappa, cohen_kappa, confusion  # noqa: E402

DEFAULT_DIR = REPO.parent / "shared" / "data" / "ice-paper"
# name -> (features, anchor)
LEARNED = {"distilled": (("embedding",), "rule"), "combined": (("embedding", "rule"), "rule"),
           "unanchored": (("embedding", "rule"), "none")}
MIN_POSITIVES_FOR_TEMPLATE_CV = 30


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def _score(pred: list[bool], ref: list[bool]) -> dict:
    c = confusion(pred, ref)
    lo, hi = bootstrap_binary_kappa(pred, ref)
    return {"n": c.n, "kappa": cohen_kappa(pred, ref), "kappa_ci95": [lo, hi],
            "precision": c.precision, "recall": c.recall, "confusion": c.as_dict()}


def _line(name: str, s: dict, extra: str = "") -> str:
    c = s["confusion"]
    lo, hi = s["kappa_ci95"]
    return (f"  {name:<11} kappa={_fmt(s['kappa'])} [{_fmt(lo)},{_fmt(hi)}]  P={_fmt(s['precision'])}"
            f"  R={_fmt(s['recall'])}  tp={c['tp']} fp={c['fp']} fn={c['fn']} tn={c['tn']}{extra}")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--show", type=int, default=0, help="print N rule-judge disagreements per kind")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    files = args.files or sorted(DEFAULT_DIR.glob("*.jsonl"))
    if not files:
        print(f"skipped: no result files given and none found in {DEFAULT_DIR}")
        return {"skipped": "no data"}

    import numpy as np

    from workbench.distill.student import configure_threads
    from workbench.judging.distilled import Inputs, base_encoder, fit_head, judge_inputs

    configure_threads()
    encoder = base_encoder(256)
    data: dict[str, dict] = {}
    t0 = time.perf_counter()
    for path in files:
        run = load_published(path, find_strict_csv(path))
        fact = fact_for(run.target)
        prompts = [fill(r.template, r.query) for r in run.rows]
        responses = [r.response for r in run.rows]
        facts = [fact] * len(prompts)
        full = judge_inputs(encoder, ("embedding", "rule"), prompts, responses, facts)
        data[path.name] = {"target": run.target, "inputs": full,
                           "y": np.asarray([bool(r.loose) for r in run.rows], dtype=np.float64),
                           "groups": [f"{path.name}:{r.template_id}" for r in run.rows],
                           "responses": responses, "lines": [r.line for r in run.rows]}
    embed_s = time.perf_counter() - t0
    emb_dims = encoder.dimensions

    def view(d: dict, features: tuple[str, ...], rows: np.ndarray | None = None) -> Inputs:
        x = d["inputs"].x if "rule" in features else d["inputs"].x[:, :emb_dims]
        rule = d["inputs"].rule
        if rows is not None:
            x, rule = x[rows], rule[rows]
        return Inputs(x=x, rule=rule, verdicts=[])

    def stack(names: list[str], features: tuple[str, ...]) -> tuple[Inputs, np.ndarray, list[str]]:
        parts = [view(data[n], features) for n in names]
        return (Inputs(x=np.concatenate([p.x for p in parts]), rule=np.concatenate([p.rule for p in parts]),
                       verdicts=[]),
                np.concatenate([data[n]["y"] for n in names]),
                [g for n in names for g in data[n]["groups"]])

    results: dict = {"files": {}, "template_cv": {}, "embed_seconds": round(embed_s, 1)}
    pooled: dict[str, tuple[list[bool], list[bool]]] = {}
    print("leave-one-file-out (learned judges trained on the other file(s) only):")
    for name, d in data.items():
        ref = [bool(v) for v in d["y"]]
        rule_pred = [bool(v) for v in d["inputs"].rule]
        train_on = [n for n in data if n != name]
        print(f"{name}  target={d['target']}  n={len(ref)}  published loose={sum(ref)}"
              + (f"  (trained on {', '.join(train_on)})" if train_on else ""))
        per = {"target": d["target"], "trained_on": train_on, "rule": _score(rule_pred, ref)}
        print(_line("rule", per["rule"]))
        pooled.setdefault("rule", ([], []))[0].extend(rule_pred)
        pooled["rule"][1].extend(ref)
        if train_on:
            for judge, (features, anchor) in LEARNED.items():
                xtr, ytr, gtr = stack(train_on, features)
                head, l2, _ = fit_head(xtr, ytr, features=features, anchor=anchor, groups=gtr)
                te = view(d, features)
                p = head.probabilities(te.x, te.rule)
                forced = [bool(v >= 0.5) for v in p]
                band = (p >= 0.35) & (p <= 0.65)
                s = _score(forced, ref)
                s.update({"l2": l2, "review_share": float(band.mean())})
                per[judge] = s
                print(_line(judge, s, f"  l2={l2:g} review={band.mean():.1%}"))
                pooled.setdefault(judge, ([], []))[0].extend(forced)
                pooled[judge][1].extend(ref)
        if args.show:
            verdicts = d["inputs"].verdicts
            for label, want_pred, want_ref in (("FALSE POSITIVE", True, False), ("FALSE NEGATIVE", False, True)):
                shown = 0
                for i, v in enumerate(verdicts):
                    if v.loose == want_pred and ref[i] == want_ref and shown < args.show:
                        shown += 1
                        print(f"  --- {label} (line {d['lines'][i]}) {v.rationale}\n      "
                              + " ".join(d["responses"][i].split())[:500])
        results["files"][name] = per
    if len(data) > 1:
        print(f"pooled over {len(data)} files (held-out predictions):")
        results["pooled"] = {}
        for k, (pred, ref) in pooled.items():
            results["pooled"][k] = _score(pred, ref)
            print(_line(k, results["pooled"][k]))

    print(f"leave-one-template-out inside a file (files with {MIN_POSITIVES_FOR_TEMPLATE_CV}+ positives):")
    for name, d in data.items():
        if d["y"].sum() < MIN_POSITIVES_FOR_TEMPLATE_CV:
            print(f"{name}: skipped, {int(d['y'].sum())} positives")
            continue
        groups = np.asarray(d["groups"])
        ref = [bool(v) for v in d["y"]]
        per = {"rule": _score([bool(v) for v in d["inputs"].rule], ref)}
        print(f"{name}  {len(set(d['groups']))} templates")
        print(_line("rule", per["rule"]))
        for judge, (features, anchor) in LEARNED.items():
            p = np.zeros(len(ref))
            for g in sorted(set(d["groups"])):
                te, tr = groups == g, groups != g
                head, _, _ = fit_head(view(d, features, tr), d["y"][tr], features=features,
                                      anchor=anchor, groups=list(groups[tr]))
                held = view(d, features, te)
                p[te] = head.probabilities(held.x, held.rule)
            per[judge] = _score([bool(v >= 0.5) for v in p], ref)
            print(_line(judge, per[judge]))
        results["template_cv"][name] = per
    n_all = sum(len(d["y"]) for d in data.values())
    print(f"rule judge + embedding of {n_all} answers: {embed_s:.1f}s")
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
