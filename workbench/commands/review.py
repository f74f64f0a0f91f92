"""``workbench review``: open the review queue, print review stats, export a labelled set.

    workbench review [RUN]                                   the TUI on the review screen
    workbench review stats RUN [--judge NAME] [--json]       reviewed, remaining, scores, agreement
    workbench review export RUN --format jsonl|csv [-o FILE] [--reviewed] [--json]

``review`` takes either a run id or an action, so its arguments are parsed in two steps:
argparse cannot mix an optional positional with sub-commands. The second-step parsers are
built with the first and named in ``_nested_parsers``, so the CLI gives them ``--json``
like every other command.
"""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli_support import WorkbenchParser

ACTIONS = ("stats", "export")
USAGE = """workbench review [RUN]
       workbench review stats RUN [--judge NAME] [--json]
       workbench review export RUN --format jsonl|csv [-o FILE] [--reviewed] [--json]"""


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "review", parents=[common], usage=USAGE, help="review judge verdicts by hand; stats; export",
        description="Open the judge-review queue on a run (a run list when none is given), or print "
                    "its review stats, or export it as a labelled set.",
        epilog="Run `workbench review stats --help` or `workbench review export --help` for their options.")
    p.add_argument("target", nargs="?", metavar="RUN|stats|export", help="run id, or an action")
    p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    nested = {action: _action_parser(action, common) for action in ACTIONS}
    # `workbench review 3 --db x`: options after the run id.
    nested["open"] = WorkbenchParser(prog="workbench review RUN", parents=[common])
    p.set_defaults(func=cmd_review, _nested_parsers=nested)


def _action_parser(action: str, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    if action == "stats":
        p = WorkbenchParser(prog="workbench review stats", parents=[common],
                                    description="Reviewed / remaining, judge-only vs human-adjusted "
                                                "score, and each judge's agreement with the human labels.")
        p.add_argument("run", type=int, help="run id")
        p.add_argument("--judge", help="the judge whose score to adjust (default: the run's judge)")
        p.add_argument("--json", action="store_true", help="one JSON object")
        return p
    p = WorkbenchParser(prog="workbench review export", parents=[common],
                                description="Every item with all its verdicts and the human label.")
    p.add_argument("run", type=int, help="run id")
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.add_argument("--reviewed", action="store_true", help="only items with a standing human verdict")
    return p


def _merge(outer: argparse.Namespace, inner: argparse.Namespace) -> argparse.Namespace:
    merged = vars(outer).copy()
    for key, value in vars(inner).items():
        if value is not None or key not in merged:
            merged[key] = value
    return argparse.Namespace(**merged)


def cmd_review(ctx: Any) -> int:
    from workbench.cli_support import CLIError, Context

    args = ctx.args
    target = args.target
    nested = args._nested_parsers
    if target in ACTIONS:
        inner = nested[target].parse_args(args.rest)
        sub_ctx = Context(_merge(args, inner), ctx.tui)
        return _stats(sub_ctx) if target == "stats" else _export(sub_ctx)
    if args.rest:
        ctx = Context(_merge(args, nested["open"].parse_args(args.rest)), ctx.tui)
    run_id: int | None = None
    if target is not None:
        try:
            run_id = int(target)
        except ValueError:
            raise CLIError(f"review: {target!r} is neither a run id nor one of {', '.join(ACTIONS)}") from None
    return _open(ctx, run_id)


def _check(ctx: Any, run_id: int) -> None:
    from workbench.cli_support import CLIError
    from workbench.review.queue import ReviewError, check_run

    try:
        check_run(ctx.db, run_id)
    except ReviewError as exc:
        raise CLIError(str(exc)) from exc


def _open(ctx: Any, run_id: int | None) -> int:
    from workbench.cli_support import CLIError

    if ctx.args.json:
        raise CLIError("the review queue is the terminal app, with no JSON output: use "
                       "`workbench review stats RUN --json` or `workbench review export RUN --json`")
    if run_id is not None:
        _check(ctx, run_id)  # a wrong id is a one-line error, not an empty TUI
    ctx.open_tui(start_screen="review", review_run_id=run_id)  # ReviewScreen reads the run on mount
    return 0


def _stats(ctx: Any) -> int:
    from workbench.cli_support import print_json
    from workbench.review.stats import review_stats

    _check(ctx, ctx.args.run)
    stats = review_stats(ctx.db, ctx.args.run, judge=ctx.args.judge)
    if ctx.args.json:
        print_json(stats)
        return 0
    print(format_stats(stats))
    return 0


def _export(ctx: Any) -> int:
    from workbench.cli_support import write_export
    from workbench.review.export import export_run

    _check(ctx, ctx.args.run)
    text, count = export_run(ctx.db, ctx.args.run, ctx.args.format, reviewed_only=ctx.args.reviewed)
    write_export(ctx, text, {"run": ctx.args.run, "format": ctx.args.format, "items": count},
                 note=f"{count} items to ")
    return 0


def _num(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if kind == "ice" else f"{value:.2f}"


def format_stats(s: dict[str, Any]) -> str:
    kind = s["kind"]
    what = "loose share" if kind == "ice" else "mean overall (1-5)"
    lines = [f"run {s['run_id']} · {kind.upper()} · {s.get('target') or '?'}"
             + (f" vs {s['reference']}" if kind == "rse" and s.get("reference") else ""),
             f"reviewed {s['reviewed']} · remaining {s['remaining']} · of {s['n']} items"
             f" · {s['retractions']} undone",
             f"{what}: judge-only {_num(s['judge_score'], kind)} · human-adjusted "
             f"{_num(s['adjusted_score'], kind)}  (judge: {s['judge'] or 'none'})"]
    for judge in s["judges"]:
        if judge == s["judge"]:
            continue
        sc = s["scores"][judge]
        lines.append(f"  {judge}: judge-only {_num(sc['judge_score'], kind)} · adjusted {_num(sc['adjusted_score'], kind)}")
    lines.append("agreement with the human labels:")
    for judge, a in s["agreement"].items():
        kappa = "—" if a["kappa"] is None else f"{a['kappa']:.3f}"
        if kind == "ice":
            c = a["confusion"]
            prec = "—" if a["precision"] is None else f"{a['precision']:.2f}"
            rec = "—" if a["recall"] is None else f"{a['recall']:.2f}"
            lines.append(f"  {judge}: n {a['n']} · kappa {kappa} · tp {c['tp']} fp {c['fp']} fn {c['fn']} "
                         f"tn {c['tn']} · precision {prec} · recall {rec}")
        else:
            rho = "—" if a["spearman"] is None else f"{a['spearman']:.3f}"
            lines.append(f"  {judge}: n {a['n']} · weighted kappa {kappa} · spearman {rho}")
        pop = a.get("population") or {}
        if pop.get("kappa") is not None:
            lines.append(f"    run-wide estimate (queue groups reweighted): kappa {pop['kappa']:.3f}")
        elif pop.get("missing") and a["n"]:
            lines.append(f"    run-wide estimate needs reviews in: {', '.join(pop['missing'])}")
    if not s["agreement"]:
        lines.append("  (no machine judge verdicts)")
    return "\n".join(lines)
