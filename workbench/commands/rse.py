"""``workbench rse``: response similarity runs, their summaries, and homogenization matrices.

    workbench rse run --reference M --target T [--target T2 ...] [--set arena ...] [--judge J|none]
    workbench rse run --resume RUN
    workbench rse runs | show RUN | matrix --model A --model B --set arena
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

from workbench.cli_support import CLIError, Context, interrupted, preflight, print_json, validated


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("rse", parents=[common], help="response similarity: how much a model answers like another")
    sub = p.add_subparsers(dest="rse_command", metavar="ACTION", required=True)

    r = sub.add_parser("run", parents=[common], help="run (or resume) an RSE probe",
                       description="Reference and targets answer every prompt; lexical, 2-gram and embedding "
                                   "similarity are always measured; a judge, if given, rates style, logic and "
                                   "content. Stored answers for the same model, prompt and params are reused "
                                   "unless --fresh.")
    r.add_argument("--reference", metavar="MODEL", help="the model targets are compared with")
    r.add_argument("--target", metavar="MODEL", action="append", default=[], help="a model to compare (repeat for several)")
    r.add_argument("--set", metavar="NAME|PATH", action="append", default=[],
                   help="prompt set: arena, math, chat, or a .jsonl file (repeat; default arena)")
    r.add_argument("--judge", metavar="MODEL|none", default="none", help="granular judge model (default none)")
    r.add_argument("--limit", type=int, metavar="N", help="first N prompts of each set")
    r.add_argument("--swap", action="store_true", help="judge both orders and average")
    r.add_argument("--fresh", action="store_true", help="ask every model again instead of reusing stored answers")
    r.add_argument("--concurrency", type=int, default=None, metavar="N", help="items in flight (default 4)")
    # No argparse defaults for model params: a flag given > the model's models.toml params >
    # the command's default (0 and 512), model by model (workbench/models/params.py).
    r.add_argument("--max-tokens", type=int, metavar="N",
                   help="answer length cap, both sides (default: each model's models.toml max_tokens, else 512)")
    r.add_argument("--temperature", type=float, metavar="T",
                   help="both sides (default: each model's models.toml temperature, else 0)")
    r.add_argument("--seed", type=int, default=None, help="sampling seed, both sides")
    r.add_argument("--reference-temperature", type=float, metavar="T", help="override for the reference")
    r.add_argument("--target-temperature", type=float, metavar="T", help="override for the targets (a sampled variant)")
    r.add_argument("--target-max-tokens", type=int, metavar="N", help="override for the targets")
    r.add_argument("--target-seed", type=int, metavar="N", help="override for the targets")
    r.add_argument("--target-system", metavar="TEXT", help="system prompt only the targets get (a differently prompted variant)")
    r.add_argument("--judge-max-tokens", type=int, metavar="N",
                   help="judge answer cap (default: the judge's models.toml max_tokens, else 512)")
    r.add_argument("--allow-self-judge", action="store_true", help="let the reference model judge its own look-alikes")
    r.add_argument("--resume", type=int, metavar="RUN", help="continue an interrupted run (other options come from it)")
    r.add_argument("--json", action="store_true", help="print the summary as JSON")
    r.add_argument("--quiet", action="store_true", help="no per-item progress on stderr")
    r.set_defaults(func=cmd_run)

    ls = sub.add_parser("runs", parents=[common], help="list RSE runs")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_runs)

    sh = sub.add_parser("show", parents=[common], help="summary of one RSE run")
    sh.add_argument("run", type=int, metavar="RUN")
    sh.add_argument("--items", action="store_true", help="also list every item's measures")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)

    m = sub.add_parser("matrix", parents=[common], help="homogenization matrix of N models on one set")
    m.add_argument("--model", metavar="MODEL", action="append", default=[], required=True, help="repeat, two or more")
    m.add_argument("--set", metavar="NAME|PATH", required=True)
    m.add_argument("--metric", choices=["embedding", "lexical", "ngram2", "judge"], default="embedding")
    m.add_argument("--judge", metavar="MODEL", help="judge model for --metric judge")
    m.add_argument("--limit", type=int, metavar="N", help="first N prompts of the set (a quick matrix)")
    m.add_argument("--max-tokens", type=int, metavar="N", help="default: each model's models.toml, else 512")
    m.add_argument("--temperature", type=float, metavar="T", help="default: each model's models.toml, else 0")
    m.add_argument("--judge-max-tokens", type=int, metavar="N", help="default: the judge's models.toml, else 512")
    m.add_argument("--concurrency", type=int, default=4, metavar="N")
    m.add_argument("--fresh", action="store_true", help="ask every model again instead of reusing stored answers")
    m.add_argument("--allow-self-judge", action="store_true", help="let a compared model be the judge")
    m.add_argument("--json", action="store_true")
    m.add_argument("--quiet", action="store_true", help="no per-answer progress on stderr")
    m.set_defaults(func=cmd_matrix)


# -- run ------------------------------------------------------------------------------------------
def _count(value: int | None, flag: str) -> int | None:
    from workbench.models.params import check_count

    return check_count(value, flag)


def _params(temperature: float | None, max_tokens: int | None, seed: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if temperature is not None:
        out["temperature"] = temperature
    if max_tokens is not None:
        out["max_tokens"] = max_tokens
    if seed is not None:
        out["seed"] = seed
    return out


def options_from_args(args: argparse.Namespace) -> Any:
    from workbench.runs.rse import RSEOptions

    if not args.reference:
        raise CLIError("give --reference MODEL (or --resume RUN)")
    if not args.target:
        raise CLIError("give at least one --target MODEL")
    _check_numbers(args)
    return RSEOptions(
        reference=args.reference, targets=list(args.target), sets=list(args.set) or ["arena"],
        judge=args.judge, limit=args.limit, swap=args.swap, fresh=args.fresh,
        concurrency=args.concurrency or 4,
        params=_params(args.temperature, args.max_tokens, args.seed),
        reference_params=_params(args.reference_temperature, None, None),
        target_params=_params(args.target_temperature, args.target_max_tokens, args.target_seed),
        target_system=args.target_system,
        judge_params=_params(None, args.judge_max_tokens, None),
        allow_self_judge=args.allow_self_judge)


def _check_numbers(args: argparse.Namespace) -> None:
    """Every number the command takes, in range (NaN refused), before anything is stored."""
    from workbench.models.params import check_count, check_max_tokens, check_temperature

    for flag in ("temperature", "reference_temperature", "target_temperature"):
        validated(check_temperature, getattr(args, flag, None), "--" + flag.replace("_", "-"))
    for flag in ("max_tokens", "target_max_tokens", "judge_max_tokens"):
        validated(check_max_tokens, getattr(args, flag, None), "--" + flag.replace("_", "-"))
    validated(check_count, args.concurrency, "--concurrency")
    validated(check_count, args.limit, "--limit")


def cmd_run(ctx: Context) -> int:
    from workbench.runs import rse

    args = ctx.args
    gateway = ctx.gateway()
    db = ctx.db
    try:
        if args.resume is not None:
            if args.reference or args.target:
                print("workbench: note: --resume continues the stored run; --reference/--target are ignored",
                      file=sys.stderr)
            run, prepared = rse.load_run(db, args.resume, gateway)
            validated(_count, args.concurrency, "--concurrency")
            if args.concurrency:
                prepared.options.concurrency = args.concurrency
            run_id = run.id
        else:
            prepared = rse.prepare(options_from_args(args), gateway)
            run_id = None
    except rse.RSEError as exc:
        raise CLIError(str(exc)) from None
    opts = prepared.options
    from workbench.models.gateway import preload_litellm

    preload_litellm()
    preflight(gateway, opts.models_called())
    for warning in prepared.warnings:
        print(f"workbench: {warning}", file=sys.stderr)
    if run_id is None:
        run_id = rse.start_run(db, prepared)
    progress = None if args.quiet else _Progress(run_id, prepared.total)
    cancel: asyncio.Event | None = None

    async def go() -> str:
        nonlocal cancel
        cancel = asyncio.Event()
        loop = asyncio.get_running_loop()
        try:
            # SIGTERM (kill) ends the run cleanly: in-flight items stop, the run is resumable.
            loop.add_signal_handler(signal.SIGTERM, cancel.set)
        except (NotImplementedError, RuntimeError):
            pass
        runner = rse.RSERunner(ctx.db_path, run_id, prepared, gateway,
                               on_event=progress.event if progress else None, cancel=cancel)
        return await runner.run()

    print(f"workbench: RSE run {run_id}: {prepared.total} items "
          f"({', '.join(prepared.options.targets)} vs {prepared.options.reference}; "
          f"judge {prepared.options.judge or 'none'})", file=sys.stderr)
    try:
        status = asyncio.run(go())
    except rse.RSEError as exc:  # e.g. the run is still going in another process
        raise CLIError(str(exc)) from None
    except KeyboardInterrupt:
        return interrupted(ctx, f"workbench: run {run_id} interrupted: `workbench rse run --resume {run_id}` "
                                "continues it", run_id=run_id)
    report = rse.run_report(db, run_id)
    if args.json:
        print_json(report)
    else:
        print(render_report(report))
    if status == "interrupted":
        print(f"workbench: run {run_id} interrupted: `workbench rse run --resume {run_id}` continues it",
              file=sys.stderr)
        return 130
    if status == "failed":
        print(f"workbench: {report['error']}", file=sys.stderr)
        return 1
    return 0


class _Progress:
    """One stderr line per finished item."""

    def __init__(self, run_id: int, total: int):
        self.run_id = run_id
        self.total = total

    def event(self, e: Any) -> None:
        if e.kind == "progress" and e.done:
            print(f"  resuming: {e.done} of {e.total} items already answered", file=sys.stderr)
        if e.kind != "item":
            return
        d = e.data
        where = f"{d.get('target')} · {d.get('set')}/{d.get('prompt_id')}"
        if d.get("error"):
            line = f"error: {d['error']}"
        else:
            parts = [f"{k} {d[k]:.3f}" for k in ("lexical", "ngram2", "embedding") if d.get(k) is not None]
            if "judge" in d:
                parts.append("judge needs review" if d.get("needs_review") else f"judge {d['judge']:g}")
            if d.get("reused"):
                parts.append(f"{d['reused']} reused")
            line = "  ".join(parts)
        print(f"  [{e.done}/{e.total}] {where}  {line}", file=sys.stderr, flush=True)


def render_report(report: dict[str, Any], *, items: list[dict[str, Any]] | None = None) -> str:
    from workbench.runs.rse import format_interval

    judge_only, human = report["judge_only"], report["human_adjusted"]
    lines = [f"RSE run {report['run_id']} · {report['status']} · reference {report['reference']} · "
             f"judge {report['judge']} · {report['progress']['answered']}/{report['progress']['total']} items"]
    if report.get("error"):
        lines.append(f"  {report['error']}")
    cols = ("judge_mean", "style", "logic", "content", "lexical", "ngram2", "embedding")
    heads = ("judge", "style", "logic", "content", "lexical", "ngram2", "embedding")
    for target, t in judge_only["targets"].items():
        lines.append("")
        extra = []
        if t["needs_review"]:
            extra.append(f"{t['needs_review']} need review")
        if t["errors"]:
            extra.append(f"{t['errors']} failed")
        if t["human_reviewed"]:
            extra.append(f"{t['human_reviewed']} reviewed by hand")
        lines.append(f"target {target}" + (f"  ({', '.join(extra)})" if extra else ""))
        rows: list[tuple[str, ...]] = [("set", "n", *heads)]
        def cells(stats: dict[str, Any]) -> list[str]:
            out = [format_interval(stats[c]) for c in cols]
            if report["judge"] not in (None, "none") and out[0] == "–":
                out[0] = "not judged"  # a judge ran, but no answer of this row has its score
            return out

        for name, s in t["sets"].items():
            rows.append((name, str(s["n_items"]), *cells(s)))
        rows.append(("avg", "", *cells(t["avg"])))
        if t["human_reviewed"]:
            h = human["targets"][target]
            for name, s in h["sets"].items():
                rows.append((f"{name} (human)", "", format_interval(s["judge_mean"]), *([""] * 6)))
            rows.append(("avg (human)", "", format_interval(h["avg"]["judge_mean"]), *([""] * 6)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    if items:
        lines.append("")
        lines.append("items")
        for it in items:
            m = it["metrics"]
            sims = "  ".join(f"{k} {m[k]:.3f}" for k in ("lexical", "ngram2", "embedding") if m.get(k) is not None)
            judge = it.get("judge")
            jtxt = "" if judge is None else ("  judge needs review" if judge.get("needs_review") else
                                            f"  judge {judge.get('overall')}")
            err = f"  error: {m['error']}" if m.get("error") else ""
            lines.append(f"  #{it['item_id']} {it['key']}  [{it['status']}]  {sims}{jtxt}{err}")
    return "\n".join(lines)


# -- runs / show ------------------------------------------------------------------------------------
def cmd_runs(ctx: Context) -> int:
    from workbench.runs.rse import list_rse_runs

    runs = list_rse_runs(ctx.db)
    if ctx.args.json:
        print_json(runs)
        return 0
    if not runs:
        print("no RSE runs yet: start one with `workbench rse run --reference M --target T`")
        return 0
    print(f"{'run':>4}  {'status':<11}  {'items':>9}  {'created':<19}  reference → targets · judge · sets")
    for r in runs:
        items = f"{r['answered']}/{r['total']}"
        print(f"{r['run_id']:>4}  {r['status']:<11}  {items:>9}  {(r['created'] or '')[:19].replace('T', ' '):<19}  "
              f"{r['reference']} → {', '.join(r['targets'])} · judge {r['judge']} · {', '.join(r['sets'])}")
    return 0


def cmd_show(ctx: Context) -> int:
    from workbench.runs.rse import RSEError, item_rows, run_report

    try:
        report = run_report(ctx.db, ctx.args.run)
    except RSEError as exc:
        raise CLIError(str(exc)) from None
    items = item_rows(ctx.db, ctx.args.run) if ctx.args.items else None
    if ctx.args.json:
        print_json({**report, **({"items": items} if items is not None else {})})
    else:
        print(render_report(report, items=items))
    return 0


# -- matrix ------------------------------------------------------------------------------------------
def cmd_matrix(ctx: Context) -> int:
    from workbench.runs.rse import RSEError
    from workbench.runs.rse_matrix import build_matrix

    args = ctx.args
    _check_numbers(args)
    gateway = ctx.gateway()
    preflight(gateway, [*args.model, *([args.judge] if args.judge and args.metric == "judge" else [])])

    try:
        result = asyncio.run(build_matrix(
            ctx.db, gateway, models=list(args.model), set_spec=args.set, metric=args.metric,
            judge=args.judge, limit=args.limit, params=_params(args.temperature, args.max_tokens, None),
            judge_params=_params(None, args.judge_max_tokens, None), fresh=args.fresh,
            concurrency=args.concurrency, allow_self_judge=args.allow_self_judge,
            on_progress=None if args.quiet else _matrix_progress))
    except RSEError as exc:
        raise CLIError(str(exc)) from None
    if args.json:
        print_json(result)
    else:
        print(render_matrix(result))
    for error in result["errors"]:
        print(f"workbench: {error}", file=sys.stderr)
    return 0 if not result["errors"] else 1


def _matrix_progress(stage: str, done: int, total: int, detail: dict[str, Any] | None = None) -> None:
    """The plan, then one stderr line per answer and judge call."""
    d = detail or {}
    if stage == "plan":
        part = f"the first {d['prompts']} of {d['of']} prompts" if d["prompts"] < d["of"] else f"{d['prompts']} prompts"
        line = (f"workbench: RSE matrix: {d['models']} models x {part} of {d['set']} = {total} answers "
                "(stored ones are reused)")
    elif stage == "answers":
        if d.get("error"):
            what = f"error: {d['error']}"
        else:
            what = "reused" if d.get("reused") else f"{d['seconds']:.1f}s"
        line = f"  [{done}/{total}] {d.get('model')} · {d.get('prompt_id')}  {what}"
    elif stage == "embedding":
        line = f"  embedding {total} answers"
    else:
        a, b = d.get("pair") or ("?", "?")
        what = f"  error: {d['error']}" if d.get("error") else ""
        line = f"  [judge {done}/{total}] {a} vs {b} · {d.get('prompt_id')}{what}"
    print(line, file=sys.stderr, flush=True)


def render_matrix(result: dict[str, Any]) -> str:
    models = result["models"]
    width = max(len(m) for m in models)
    of = result.get("set_prompts")
    count = f"{result['prompts']} of {of}" if of is not None and of != result["prompts"] else f"{result['prompts']}"
    lines = [f"{result['metric']} similarity on {result['set']} ({count} prompts; "
             f"{result['sent']} asked, {result['reused']} reused)"]
    lines.append(" " * (width + 2) + "  ".join(f"{i + 1:>6}" for i in range(len(models))))
    for i, (m, row) in enumerate(zip(models, result["matrix"])):
        cells = "  ".join(f"{'–':>6}" if x is None else f"{x:6.3f}" for x in row)
        lines.append(f"{m:<{width}}  {cells}   ({i + 1})")
    return "\n".join(lines)
