"""``workbench report``: stored ICE, RSE and EvoKD results as a publishable report.

    workbench report --run ID [--run ID ...] [--job ID ...] --out DIR [--json]

DIR gets report.html (self-contained, figures as data URIs), report.md and figures/*.png|svg.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.cli_support import CLIError, Context, print_json


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "report", parents=[common], help="a self-contained HTML and Markdown report of stored runs",
        description="Write DIR/report.html (one file, figures embedded, readable offline) and "
                    "DIR/report.md with PNG and SVG figures in DIR/figures/. Any mix of ICE and RSE "
                    "runs and EvoKD jobs; several jobs of one method are shown as seeds (mean ± sd). "
                    "An earlier report in DIR is replaced atomically.")
    p.add_argument("--run", dest="runs", action="append", default=[], metavar="ID",
                   help="an ICE or RSE run (repeat for more); job:N names an EvoKD job")
    p.add_argument("--job", dest="jobs", action="append", default=[], type=int, metavar="ID",
                   help="an EvoKD job (repeat for more: several seeds of a method are averaged)")
    p.add_argument("--out", required=True, metavar="DIR", help="the report folder (created)")
    p.add_argument("--matrix-metric", default="embedding", choices=("embedding", "lexical", "ngram2", "judge"),
                   help="similarity of the RSE homogenization heatmap (default embedding, as in the TUI)")
    p.add_argument("--no-confusion", action="store_true",
                   help="skip the EvoKD confusion matrix (recomputed from the final checkpoint, loads the student)")
    p.add_argument("--human", action="store_true",
                   help="ICE and RSE scores with standing human reviews applied (default: the judge's verdicts)")
    p.add_argument("--json", action="store_true", help="print the paths and a summary as JSON")
    p.set_defaults(func=cmd_report)


def cmd_report(ctx: Context) -> int:
    from workbench.report import Ref, ReportError, parse_ref
    from workbench.report.build import build_report

    args = ctx.args
    try:
        refs = [parse_ref(r) for r in args.runs] + [Ref("job", j) for j in args.jobs]
        if not refs:
            raise ReportError("name at least one run: --run ID (ICE or RSE) or --job ID (EvoKD)")
        try:
            config = ctx.config
        except Exception:  # noqa: BLE001 - a broken models.toml only loses the models' settings
            config = None
        result = build_report(ctx.db, ctx.db_path, refs, args.out, config=config,
                              matrix_metric=args.matrix_metric, confusion=not args.no_confusion,
                              human=args.human)
    except ReportError as exc:
        raise CLIError(str(exc)) from exc
    if args.json:
        print_json(result.as_dict())
    else:
        print(f"wrote {result.html}", file=sys.stderr)
        print(f"      {result.md} (+ {len(result.figures)} figure files in {result.out / 'figures'})",
              file=sys.stderr)
    return 0
