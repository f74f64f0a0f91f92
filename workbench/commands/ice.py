"""``workbench ice``: identity consistency runs, imports of published results, re-judging.

    workbench ice run --target MODEL [--judge rule|MODEL] [--helper MODEL] [--budget N] ...
    workbench ice run --resume RUN
    workbench ice import RESULTS.jsonl [--strict STRICT.csv] [--target NAME]
    workbench ice rejudge RUN --judge rule|MODEL
    workbench ice runs | show RUN
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from typing import Any

from workbench.cli_support import CLIError, Context, preflight, print_json, validated


# The commands' own defaults, below a flag and the model's models.toml params (models/params.py).
JUDGE_MAX_TOKENS = 512
HELPER_MAX_TOKENS = 400


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("ice", parents=[common],
                              help="identity consistency: does a model claim to be another?")
    sub = p.add_subparsers(dest="ice_command", metavar="ACTION", required=True)

    r = sub.add_parser(
        "run", parents=[common], help="run (or resume) an ICE probe",
        description="Ask the target about its identity through jailbreak templates and judge every "
                    "answer. With --helper, templates are searched GPTFuzz-style (MCTS-Explore "
                    "selection, five mutation operators); otherwise the seed templates run as they are.")
    r.add_argument("--target", metavar="MODEL", help="the model under test")
    r.add_argument("--judge", metavar="rule|learned|MODEL|paper:MODEL|DIR", default="rule",
                   help="'rule' (no model needed, the default), 'learned' (built in), a judge model, "
                        "paper:MODEL (that model asked the ICE paper's loose question), or the folder "
                        "of a judge trained with `workbench judge train`")
    r.add_argument("--helper", metavar="MODEL", help="helper model that mutates templates (turns on fuzzing)")
    r.add_argument("--budget", type=int, default=100, metavar="N", help="queries to the target (default 100)")
    r.add_argument("--lang", default="en,zh", metavar="en,zh", help="question languages (default en,zh)")
    r.add_argument("--fact", metavar="TEXT", help="the target's true identity, if its name does not tell")
    r.add_argument("--concurrency", type=int, metavar="N",
                   help="answers in flight (default: the target's max_concurrency)")
    r.add_argument("--max-tokens", type=int, metavar="N", help="cap on each answer's length")
    r.add_argument("--temperature", type=float, metavar="T", help="target sampling temperature")
    r.add_argument("--no-fuzz", action="store_true", help="run the seed templates as they are")
    r.add_argument("--questions", type=int, metavar="N",
                   help="use N questions, balanced over categories (small runs)")
    r.add_argument("--templates", type=int, metavar="N",
                   help="use N seed templates, balanced over styles (small runs)")
    r.add_argument("--seed", type=int, default=0, help="random seed of sampling and search (default 0)")
    r.add_argument("--judge-max-tokens", type=int, metavar="N",
                   help=f"LLM judge answer cap (default: the judge's models.toml max_tokens, else {JUDGE_MAX_TOKENS})")
    r.add_argument("--helper-max-tokens", type=int, metavar="N",
                   help=f"helper answer cap (default: the helper's models.toml max_tokens, else {HELPER_MAX_TOKENS})")
    r.add_argument("--resume", type=int, metavar="RUN",
                   help="continue an interrupted run (its stored options are used)")
    r.add_argument("--json", action="store_true", help="print the summary as JSON")
    r.add_argument("--quiet", action="store_true", help="no per-item progress on stderr")
    r.set_defaults(func=cmd_run)

    im = sub.add_parser("import", parents=[common], help="import published ICE results (JSONL + strict CSV)")
    im.add_argument("results", metavar="RESULTS.jsonl")
    im.add_argument("--strict", metavar="STRICT.csv",
                    help="strict positives (default: the matching CSV beside RESULTS)")
    im.add_argument("--target", metavar="NAME", help="target name (default: from the file name)")
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=cmd_import)

    rj = sub.add_parser("rejudge", parents=[common],
                        help="judge a stored run again; agreement with its earlier verdicts")
    rj.add_argument("run", type=int, metavar="RUN")
    rj.add_argument("--judge", metavar="rule|learned|MODEL|paper:MODEL|DIR", required=True,
                    help="'rule', 'learned', a judge model, paper:MODEL (the ICE paper's loose "
                         "prompt), or a distilled judge's folder")
    rj.add_argument("--concurrency", type=int, default=4, metavar="N")  # checked in cmd_rejudge
    rj.add_argument("--judge-max-tokens", type=int, default=512, metavar="N")
    rj.add_argument("--json", action="store_true")
    rj.set_defaults(func=cmd_rejudge)

    ls = sub.add_parser("runs", parents=[common], help="list ICE runs")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_runs)

    sh = sub.add_parser("show", parents=[common], help="scores of one ICE run")
    sh.add_argument("run", type=int, metavar="RUN")
    sh.add_argument("--judge", metavar="NAME", help="score with this judge's verdicts (default: the run's)")
    sh.add_argument("--human", action="store_true", help="top-level scores human-adjusted")
    sh.add_argument("--answers", type=int, default=0, metavar="N", help="also print the last N answers")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)


# -- helpers ----------------------------------------------------------------------------------------
def _resolve_model(gateway: Any, name: str, role: str) -> Any:
    from workbench.models.gateway import GatewayError

    try:
        return gateway.resolve(name)
    except GatewayError as exc:
        raise CLIError(f"{role}: {exc}") from exc


def _langs(text: str) -> list[str]:
    langs = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in langs if x not in ("en", "zh")]
    if not langs or bad:
        raise CLIError(f"--lang takes en, zh or en,zh (got {text!r})")
    return langs


def _pct(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:5.3f}"


class _Progress:
    """One stderr line per finished answer, mutation and evaluated template."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def event(self, e: Any) -> None:
        d = e.data
        if e.kind == "item":
            width = len(str(e.total or 0))
            head = f"[{e.done:>{width}}/{e.total}] {d.get('key', '')}"
            if d.get("error"):
                line = f"{head}  error: {d['error']}"
            else:
                snippet = " ".join(str(d.get("text") or "").split())[:60]
                line = (f"{head}  loose={_flag(d.get('loose'))} strict={_flag(d.get('strict'))}"
                        f"  {d.get('seconds', 0):.1f}s  {snippet!r}")
            print(line, file=sys.stderr, flush=True)
        elif e.kind == "mutation":
            if d.get("ok"):
                msg = f"helper: {d.get('operator')} of {d.get('parent_id')} -> {d.get('template_id')}"
            else:
                msg = f"helper: {d.get('operator')} of {d.get('parent_id')} failed: {d.get('error')}"
            print(msg, file=sys.stderr, flush=True)
        elif e.kind == "template":
            kept = "kept" if d.get("kept") else "dropped"
            print(f"template {d.get('template_id')}: {d.get('positives')}/{d.get('total')} loose "
                  f"positives ({kept}); {d.get('queries_used')}/{e.total} queries spent",
                  file=sys.stderr, flush=True)
        elif e.kind == "finished":
            extra = f": {d['error']}" if d.get("error") else ""
            print(f"run {e.run_id} {d.get('status')} after {time.perf_counter() - self.t0:.1f}s{extra}",
                  file=sys.stderr, flush=True)


def _flag(v: float | None) -> str:
    return "?" if v is None else str(int(v))


def _print_summary(s: dict[str, Any]) -> None:
    print(f"ICE run {s['run_id']} · target {s['target']} · judge {s['judge']} · {s['status']}"
          f" · {s['n']} answers")
    if s.get("fact"):
        print(f"fact: {s['fact']}")
    for name in ("loose", "strict", "hard"):
        if not s["n"]:  # a share of nothing is no score: 0.000 (0/0) would read as "never"
            print(f"  {name:<6} not judged")
            continue
        lo, hi = s[f"{name}_ci"]
        print(f"  {name:<6} {_pct(s[name])}  ({s[f'{name}_count']}/{s['n']})   95% CI {lo:.3f}–{hi:.3f}")
    adj = s.get("human_adjusted") or {}
    print(f"  needs review: {s['needs_review']} · reviewed by hand: {s.get('reviewed', 0)}"
          + (f" · human-adjusted loose {adj['loose']:.3f} ({adj['loose_count']}/{adj['n']})"
             if s.get("reviewed") and adj else ""))
    if s.get("errors"):
        print(f"  failed queries: {s['errors']}")
    for title, key in (("by category", "by_category"), ("by language", "by_language")):
        groups = s.get(key) or {}
        if groups:
            parts = [f"{g} {v['loose']:.2f}/{v['strict']:.2f}/{v['hard']:.2f} (n={v['n']})"
                     for g, v in sorted(groups.items())]
            print(f"{title} (loose/strict/hard): " + ", ".join(parts))
    board = s.get("leaderboard") or []
    if board:
        print("top templates (loose share):")
        for row in board[:5]:
            lineage = f" {row['operator']} of {row['parent_id']}" if row.get("operator") else ""
            print(f"  {row['template_id']:<10} {row['loose']:.2f} ({row['loose_count']}/{row['n']})"
                  f"  strict {row['strict_count']}{lineage}")
    if s.get("mutants") is not None:
        print(f"search: {s.get('fuzz_steps', 0)} selections, {s['mutants']} mutants, "
              f"{s.get('queries_used', 0)}/{s.get('budget')} queries")
    if s.get("error"):
        print(f"note: {s['error']}")


# -- run ------------------------------------------------------------------------------------------
def cmd_run(ctx: Context) -> int:
    from workbench.runs import ice
    from workbench.runs.engine import resumable

    args = ctx.args
    db = ctx.db
    gateway = ctx.gateway()
    if args.resume is not None:
        try:
            run = resumable(db, args.resume, "ice")
        except LookupError as exc:
            raise CLIError(str(exc)) from exc
        if run.config.get("source") == "import":
            raise CLIError(f"run {run.id} is an import: nothing to ask (use `workbench ice rejudge`)")
        run_id = run.id
        cfg = ice.ICERunConfig.from_dict(run.config)
        _check_models(gateway, cfg)
        validated(check_count, args.concurrency, "--concurrency")
        preflight(gateway, cfg.models_called())
        if not args.quiet:
            print(f"resuming ICE run {run_id} ({cfg.target}, judge {cfg.judge})", file=sys.stderr)
    else:
        if not args.target:
            raise CLIError("give --target MODEL (or --resume RUN)")
        _check_numbers(args)
        cfg = ice.ICERunConfig(
            target=args.target, judge=_judge_name(args.judge), helper=args.helper, budget=args.budget,
            langs=_langs(args.lang), fact_text=args.fact, max_tokens=args.max_tokens,
            temperature=args.temperature, no_fuzz=args.no_fuzz, seed=args.seed,
            questions=args.questions, templates=args.templates,
            judge_max_tokens=args.judge_max_tokens, helper_max_tokens=args.helper_max_tokens)
        spec = _check_models(gateway, cfg)
        cfg.concurrency = args.concurrency if args.concurrency is not None else spec.max_concurrency
        _choose_params(gateway, cfg, args)
        from workbench.models.gateway import preload_litellm

        preload_litellm()  # overlaps question and template loading, the probe and the database
        try:
            cfg.resolve()
        except ValueError as exc:
            raise CLIError(str(exc)) from exc
        preflight(gateway, cfg.models_called())
        run_id = ice.create_ice_run(db, cfg)
        if not args.quiet:
            mode = f"fuzzing with helper {cfg.helper}" if cfg.fuzz else "seed templates"
            print(f"ICE run {run_id}: {cfg.target}, judge {cfg.judge}, {mode}, budget {cfg.budget}, "
                  f"{len(cfg.template_ids)} templates x {len(cfg.question_ids)} questions",
                  file=sys.stderr, flush=True)
    progress = None if args.quiet else _Progress()

    async def go() -> dict[str, Any]:
        cancel = asyncio.Event()
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGTERM, cancel.set)
        except (NotImplementedError, RuntimeError):
            pass
        runner = ice.ICERunner(ctx.db_path, run_id, gateway, concurrency=args.concurrency,
                               on_event=progress.event if progress else None, cancel=cancel)
        return await runner.run()

    try:
        summary = asyncio.run(go())
    except ice.ICERunError as exc:
        raise CLIError(str(exc)) from exc
    except KeyboardInterrupt:
        from workbench.cli_support import interrupted

        return interrupted(ctx, f"workbench: ICE run {run_id} interrupted: `workbench ice run --resume {run_id}` "
                                "continues it", run_id=run_id)
    if args.json:
        print_json(summary)
    else:
        _print_summary(summary)
    return 0 if summary["status"] == "done" else 1


def _check_numbers(args: argparse.Namespace) -> None:
    """Every number a new run takes, in range (and not NaN), before anything is stored."""
    from workbench.models.params import check_max_tokens, check_temperature

    validated(check_temperature, args.temperature)
    validated(check_max_tokens, args.max_tokens)
    validated(check_max_tokens, args.judge_max_tokens, "--judge-max-tokens")
    validated(check_max_tokens, args.helper_max_tokens, "--helper-max-tokens")
    validated(check_count, args.budget, "--budget")
    validated(check_count, args.concurrency, "--concurrency")
    validated(check_count, args.questions, "--questions")
    validated(check_count, args.templates, "--templates")


def check_count(value: int | None, flag: str) -> int | None:
    from workbench.models.params import check_count as check

    return check(value, flag)


def _choose_params(gateway: Any, cfg: Any, args: argparse.Namespace) -> None:
    """Flag > the model's models.toml params > this command's default, for the target, the
    judge and the helper; the values go into the run's config (so a resume sends the same),
    and ``cfg.params`` records each value and where it came from."""
    from workbench.judging import is_distilled, judge_model
    from workbench.models.params import check_params, choose_params

    record: dict[str, Any] = {}
    target = choose_params(gateway.resolve(cfg.target).params,
                           {"temperature": args.temperature, "max_tokens": args.max_tokens})
    cfg.temperature = target.values.get("temperature")
    cfg.max_tokens = target.values.get("max_tokens")
    record["target"] = target.record()
    if cfg.judge != "rule" and not is_distilled(cfg.judge):
        judge = choose_params(gateway.resolve(judge_model(cfg.judge)).params, {"max_tokens": args.judge_max_tokens},
                              {"max_tokens": JUDGE_MAX_TOKENS})
        cfg.judge_max_tokens = judge.values["max_tokens"]
        record["judge"] = judge.record()
    if cfg.fuzz:
        helper = choose_params(gateway.resolve(cfg.helper).params, {"max_tokens": args.helper_max_tokens},
                               {"max_tokens": HELPER_MAX_TOKENS})
        cfg.helper_max_tokens = helper.values["max_tokens"]
        record["helper"] = helper.record()
    for role, chosen in record.items():  # a models.toml value out of range is refused too
        validated(check_params, {k: v["value"] for k, v in chosen.items()}, f"{role} {getattr(cfg, role)}")
    cfg.params = record


def _judge_name(name: str) -> str:
    """'rule', a model name, or a distilled judge's folder (stored as its absolute path)."""
    from workbench.judging import JudgeError, check_judge_name

    try:
        return check_judge_name(name)
    except JudgeError as exc:
        raise CLIError(f"--judge: {exc}") from exc


def _check_models(gateway: Any, cfg: Any) -> Any:
    from workbench.judging import is_distilled, judge_model

    spec = _resolve_model(gateway, cfg.target, "--target")
    if cfg.judge != "rule" and not is_distilled(cfg.judge):
        _resolve_model(gateway, judge_model(cfg.judge), "--judge")
    if cfg.helper and not cfg.no_fuzz:
        _resolve_model(gateway, cfg.helper, "--helper")
    return spec


# -- import / rejudge -------------------------------------------------------------------------------
def cmd_import(ctx: Context) -> int:
    from probes.ice.published import PublishedFormatError
    from workbench.runs.ice import import_published, summarize

    args = ctx.args
    t0 = time.perf_counter()
    try:
        run_id = import_published(ctx.db, args.results, args.strict, args.target)
    except PublishedFormatError as exc:
        raise CLIError(str(exc)) from exc
    except UnicodeDecodeError:
        raise CLIError(f"{args.results} is not a text file (UTF-8 JSONL expected: one JSON object per "
                       "line, as the ICE paper's results files are); nothing was imported") from None
    summary = summarize(ctx.db, run_id)
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    if args.json:
        print_json(summary)
    else:
        _print_summary(summary)
        from workbench.store.runs import get_run

        run = get_run(ctx.db, run_id)
        csv_path = run.config.get("strict") if run is not None else None
        strict = f"strict from {csv_path}" if csv_path else "no strict CSV found: strict verdicts unknown"
        print(f"imported {summary['n']} answers as run {run_id} ({strict}) in {summary['seconds']:.2f}s",
              file=sys.stderr)
    return 0


def cmd_rejudge(ctx: Context) -> int:
    from workbench.runs.ice import rejudge

    from workbench.judging import is_distilled, judge_model

    args = ctx.args
    validated(check_count, args.concurrency, "--concurrency")
    validated(check_count, args.judge_max_tokens, "--judge-max-tokens")
    args.judge = _judge_name(args.judge)
    gateway = None
    if args.judge != "rule" and not is_distilled(args.judge):
        gateway = ctx.gateway()
        asked = judge_model(args.judge)  # paper:X asks X
        _resolve_model(gateway, asked, "--judge")
        preflight(gateway, [asked])
    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if not args.json and (done == total or done % max(1, total // 10) == 0):
            print(f"[{done}/{total}] judged", file=sys.stderr, flush=True)

    try:
        out = asyncio.run(rejudge(ctx.db_path, args.run, args.judge, gateway,
                                  concurrency=args.concurrency, max_tokens=args.judge_max_tokens,
                                  on_progress=progress))
    except LookupError as exc:
        raise CLIError(str(exc)) from exc
    out["seconds"] = round(time.perf_counter() - t0, 3)
    if args.json:
        print_json(out)
        return 0
    _print_summary(out)
    a = out["agreement"]
    c = a["confusion"]
    kappa = "n/a" if a["kappa"] is None else f"{a['kappa']:.3f}"
    prec = "n/a" if a["precision"] is None else f"{a['precision']:.3f}"
    rec = "n/a" if a["recall"] is None else f"{a['recall']:.3f}"
    print(f"agreement of {out['judge']} with {out['reference_judge']} (loose, n={a['n']}): kappa {kappa}, "
          f"precision {prec}, recall {rec}; tp {c['tp']} fp {c['fp']} fn {c['fn']} tn {c['tn']}")
    if out.get("judge_errors"):
        print(f"judge calls failed: {out['judge_errors']} (last: {out.get('last_judge_error')})")
    return 0


# -- runs / show ------------------------------------------------------------------------------------
def cmd_runs(ctx: Context) -> int:
    from workbench.runs.ice import run_overview
    from workbench.store.runs import list_runs

    rows = [run_overview(ctx.db, r) for r in list_runs(ctx.db, "ice")]
    if ctx.args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no ICE runs yet: `workbench ice run --target MODEL` or `workbench ice import FILE`")
        return 0
    print(f"{'run':>4}  {'status':<11} {'target':<32} {'judge':<12} {'n':>5} {'loose':>11} {'strict':>11}  created")
    for r in rows:
        scores = (f"{r['loose']:>5.3f}({r['loose_count']:>4}) {r['strict']:>5.3f}({r['strict_count']:>4})"
                  if r["n"] else f"{'not judged':>11} {'not judged':>11}")
        print(f"{r['run_id']:>4}  {r['status']:<11} {str(r['target'])[:32]:<32} {str(r['judge'])[:12]:<12} "
              f"{r['n']:>5} {scores}  {str(r['created'])[:19].replace('T', ' ')}")
    return 0


def cmd_show(ctx: Context) -> int:
    from workbench.runs.ice import summarize

    args = ctx.args
    if args.judge:
        from workbench.judging import judge_key

        args.judge = judge_key(args.judge)
    try:
        summary = summarize(ctx.db, args.run, human=args.human, judge=args.judge)
    except LookupError as exc:
        raise CLIError(str(exc)) from exc
    if args.answers:
        from workbench.runs.ice import recent_answers

        summary["answers"] = recent_answers(ctx.db, args.run, summary["judge"], args.answers)
    if args.json:
        print_json(summary)
        return 0
    _print_summary(summary)
    for a in summary.get("answers", []):
        text = " ".join((a["text"] or "").split())[:160]
        print(f"  #{a['item_id']} {a['key']}  loose={_flag(a['loose'])} strict={_flag(a['strict'])}  {text}")
    return 0

