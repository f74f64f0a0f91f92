"""Agreement of the ICE rule judge's loose verdict with the published GPT-4o-mini verdicts.

Usage:
    .venv/bin/python benchmarks/ice_rule_judge_agreement.py [RESULTS.jsonl ...] [--show N]

Without arguments it reads every ``*.jsonl`` of ``../shared/data/ice-paper`` (beside the
repo). ``--show N`` prints N disagreements of each kind per file for inspection.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from probes.ice.identity import fact_for  # noqa: E402
from probes.ice.published import find_strict_csv, load_published  # noqa: E402
from probes.ice.templates import fill  # noqa: E402
from probes.judges import rule_judge  # noqa: E402
from probes.stats import cohen_kappa, confusion  # noqa: E402

DEFAULT_DIR = REPO.parent / "shared" / "data" / "ice-paper"


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--show", type=int, default=0, help="print N disagreements of each kind")
    args = ap.parse_args(argv)
    files = args.files or sorted(DEFAULT_DIR.glob("*.jsonl"))
    if not files:
        print(f"no result files given and none found in {DEFAULT_DIR}", file=sys.stderr)
        return 1
    all_pred: list[bool] = []
    all_ref: list[bool] = []
    for path in files:
        strict_csv = find_strict_csv(path)
        run = load_published(path, strict_csv)
        fact = fact_for(run.target)
        t0 = time.perf_counter()
        verdicts = [rule_judge(r.response, fact, prompt=fill(r.template, r.query)) for r in run.rows]
        elapsed = time.perf_counter() - t0
        pred = [v.loose for v in verdicts]
        ref = [r.loose for r in run.rows]
        all_pred += pred
        all_ref += ref
        c = confusion(pred, ref)
        kappa = cohen_kappa(pred, ref)
        print(f"{path.name}  target={run.target}  family={fact.family.key if fact.family else None}")
        print(f"  n={c.n}  rule loose={sum(pred)}  published loose={sum(ref)}")
        print(f"  kappa={_fmt(kappa)}  precision={_fmt(c.precision)}  recall={_fmt(c.recall)}")
        print(f"  confusion: tp={c.tp} fp={c.fp} fn={c.fn} tn={c.tn}")
        if strict_csv is not None:
            # The published strict judge also counted a model naming its own developer
            # (Claude -> Anthropic); the rule judge never does, so agreement here is capped.
            sp = [v.strict for v in verdicts]
            sr = [r.strict for r in run.rows]
            cs = confusion(sp, sr)
            print(f"  strict vs {strict_csv.name}: rule={sum(sp)} published={sum(sr)} "
                  f"kappa={_fmt(cohen_kappa(sp, sr))} precision={_fmt(cs.precision)} "
                  f"recall={_fmt(cs.recall)} tp={cs.tp} fp={cs.fp} fn={cs.fn} tn={cs.tn}")
        print(f"  time={elapsed:.2f}s ({1000 * elapsed / max(1, c.n):.2f} ms/answer)")
        if args.show:
            for label, want_pred, want_ref in (("FALSE POSITIVE", True, False),
                                                ("FALSE NEGATIVE", False, True)):
                shown = 0
                for r, v in zip(run.rows, verdicts):
                    if v.loose == want_pred and r.loose == want_ref and shown < args.show:
                        shown += 1
                        text = " ".join(r.response.split())[:500]
                        print(f"  --- {label} (line {r.line}) {v.rationale}\n      {text}")
    if len(files) > 1:
        c = confusion(all_pred, all_ref)
        print(f"pooled over {len(files)} files: n={c.n}  kappa={_fmt(cohen_kappa(all_pred, all_ref))}  "
              f"precision={_fmt(c.precision)}  recall={_fmt(c.recall)}  "
              f"tp={c.tp} fp={c.fp} fn={c.fn} tn={c.tn}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
