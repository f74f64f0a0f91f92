"""Agreement of ICE judges with the published GPT-4o-mini loose verdicts (Cohen's kappa).

Usage:
    .venv/bin/python -m benchmarks ice_judge_agreement
    .venv/bin/python benchmarks/ice_judge_agreement.py [RESULTS.jsonl ...] [--show N] [--json]

Judges, for every file of ``../shared/data/ice-paper`` (or the files given):
- ``rule``: the rule judge (no training);
- ``distilled``: MiniLM embeddings + logistic head, trained on the *other* file(s) only
  (leave-one-file-out: with the two shared files, trained on deepseek -> scored on claude
  and trained on claude -> scored on deepseek);
- ``combined``: the same head over embeddings + the rule judge's findings, trained likewise
  (the default of ``workbench judge train``);
- ``rule-head``: the head over the rule findings alone.
Pooled figures concatenate the held-out predictions of every file. The distilled judges
are scored with every answer decided at the threshold (forced), and also with the review
band left undecided (decided-only kappa; the share left for review is printed).
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
from probes.judges import RULE_FEATURES, rule_judge  # noqa: E402
from probes.stats import cohen_kappa, confusion  # noqa: E402

DEFAULT_DIR = REPO.parent / "shared" / "data" / "ice-paper"
HEADS = {"distilled": ("embedding",), "combined": ("embedding", "rule"), "rule-head": ("rule",)}


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def _score(pred: list[bool], ref: list[bool]) -> dict:
    c = confusion(pred, ref)
    return {"n": c.n, "kappa": cohen_kappa(pred, ref), "precision": c.precision, "recall": c.recall,
            "confusion": c.as_dict()}


def _line(name: str, s: dict, extra: str = "") -> str:
    c = s["confusion"]
    return (f"  {name:<10} kappa={_fmt(s['kappa'])}  P={_fmt(s['precision'])}  R={_fmt(s['recall'])}"
            f"  tp={c['tp']} fp={c['fp']} fn={c['fn']} tn={c['tn']}{extra}")


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

    from workbench.distill.student import configure_threads
    from workbench.judging.distilled import base_encoder, feature_matrix, _fit, choose_l2
    from workbench.judging.labels import Example
    import numpy as np

    data: dict[str, list[Example]] = {}
    targets: dict[str, str] = {}
    for path in files:
        run = load_published(path, find_strict_csv(path))
        fact = fact_for(run.target)
        targets[path.name] = run.target
        data[path.name] = [Example(run_id=0, item_id=r.line, prompt=fill(r.template, r.query),
                                   response=r.response, fact=fact, label=r.loose) for r in run.rows]

    t0 = time.perf_counter()
    configure_threads()
    encoder = base_encoder(256)
    x_by = {name: {k: feature_matrix(encoder, feats, [e.prompt for e in ex], [e.response for e in ex],
                                     [e.fact for e in ex]).astype(np.float64)
                   for k, feats in HEADS.items()}
            for name, ex in data.items()}
    embed_s = time.perf_counter() - t0
    rule_s = 0.0
    results: dict = {"files": {}, "embed_seconds": round(embed_s, 1)}
    pooled: dict[str, tuple[list[bool], list[bool]]] = {}
    for name, ex in data.items():
        ref = [bool(e.label) for e in ex]
        t1 = time.perf_counter()
        verdicts = [rule_judge(e.response, e.fact, prompt=e.prompt) for e in ex]
        rule_s += time.perf_counter() - t1
        rule_pred = [v.loose for v in verdicts]
        train_on = [n for n in data if n != name]
        print(f"{name}  target={targets[name]}  n={len(ex)}  published loose={sum(ref)}"
              + (f"  (heads trained on {', '.join(train_on)})" if train_on else ""))
        per = {"target": targets[name], "trained_on": train_on, "rule": _score(rule_pred, ref)}
        print(_line("rule", per["rule"]))
        pooled.setdefault("rule", ([], []))
        pooled["rule"][0].extend(rule_pred)
        pooled["rule"][1].extend(ref)
        if train_on:
            for k in HEADS:
                xtr = np.concatenate([x_by[n][k] for n in train_on])
                ytr = np.asarray([bool(e.label) for n in train_on for e in data[n]], dtype=np.float64)
                n_rule = len(RULE_FEATURES) if "rule" in HEADS[k] else 0
                l2, _ = choose_l2(xtr, ytr, seed=0, n_rule=n_rule)
                head = _fit(xtr, ytr, l2, seed=0, n_rule=n_rule)
                p = head.probabilities(x_by[name][k])
                forced = [bool(v >= 0.5) for v in p]
                band = (p >= 0.35) & (p <= 0.65)
                decided = [i for i in range(len(ref)) if not band[i]]
                s = _score(forced, ref)
                s_dec = _score([forced[i] for i in decided], [ref[i] for i in decided])
                s.update({"l2": l2, "review_share": float(band.mean()), "decided_kappa": s_dec["kappa"]})
                per[k] = s
                print(_line(k, s, f"  l2={l2:g}  review={band.mean():.1%} decided kappa={_fmt(s_dec['kappa'])}"))
                pooled.setdefault(k, ([], []))
                pooled[k][0].extend(forced)
                pooled[k][1].extend(ref)
        if args.show:
            for label, want_pred, want_ref in (("FALSE POSITIVE", True, False), ("FALSE NEGATIVE", False, True)):
                shown = 0
                for e, v in zip(ex, verdicts):
                    if v.loose == want_pred and e.label == want_ref and shown < args.show:
                        shown += 1
                        print(f"  --- {label} (line {e.item_id}) {v.rationale}\n      "
                              + " ".join(e.response.split())[:500])
        results["files"][name] = per
    if len(data) > 1:
        print(f"pooled over {len(data)} files (held-out predictions):")
        results["pooled"] = {}
        for k, (pred, ref) in pooled.items():
            results["pooled"][k] = _score(pred, ref)
            print(_line(k, results["pooled"][k]))
    print(f"rule judge {1000 * rule_s / max(1, sum(len(v) for v in data.values())):.2f} ms/answer; "
          f"embedding {sum(len(v) for v in data.values())} answers once: {embed_s:.1f}s")
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
