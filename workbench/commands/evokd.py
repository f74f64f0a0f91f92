"""``workbench evokd run ...`` and ``workbench jobs list|show|follow|cancel|resume``.

Light at import (the CLI imports every command module to build its parser): the job
machinery is imported inside the command functions, and torch never in this process.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workbench.cli_support import CLIError, Context, print_json


def _suppressing(common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``common``'s options with SUPPRESS defaults.

    argparse copies every sub-parser's defaults over the parent's namespace, so with plain
    ``parents=[common]`` the ``--db`` of ``workbench --db X evokd run`` would be reset to
    None. With SUPPRESS a sub-parser only sets --db/--config when they are given to it.
    """
    parent = argparse.ArgumentParser(add_help=False)
    for action in common._actions:
        if action.option_strings:
            parent.add_argument(*action.option_strings, dest=action.dest, metavar=action.metavar,
                                help=action.help, default=argparse.SUPPRESS)
    return parent


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    from workbench.distill.options import ABLATIONS, BUILTIN_TEACHER, EvoKDOptions
    from workbench.models.packaged import TEACHER_15B, TEACHER_MODEL

    teacher_15b = TEACHER_15B.model

    D = EvoKDOptions(dataset="")  # the defaults, said once

    common = _suppressing(common)
    p = subparsers.add_parser("evokd", parents=[common], help="EvoKD: distil a teacher into a small student")
    sub = p.add_subparsers(dest="evokd_command", metavar="ACTION", required=True)
    run = sub.add_parser(
        "run", parents=[common], help="start an EvoKD job (its own process) and follow it",
        description="Start an EvoKD distillation job in a background process. Without --detach, "
                    "follow it with a progress bar and print its result at the end (as JSON with --json).")
    run.add_argument("--dataset", required=True, metavar="NAME|PATH",
                     help="bbc-news, a folder with train.jsonl/test.jsonl (or .csv), or a train file "
                          "with a sibling test file")
    run.add_argument("--task", choices=["classification", "ner"], default=None,
                     help="default: detected from the data (text,label or tokens,tags)")
    run.add_argument("--shots", type=int, default=1, metavar="K", help="seed examples per class (default 1)")
    run.add_argument("--rounds", type=int, default=3, metavar="R", help="teacher rounds (default 3)")
    run.add_argument("--per-round", type=int, default=10, metavar="N",
                     help="texts asked of the teacher per batch (default 10)")
    run.add_argument("--easy-ratio", type=float, default=0.3, metavar="F",
                     help="share of easy texts in a batch (default 0.3)")
    run.add_argument("--teacher", default=None, metavar="MODEL",
                     help="any gateway model (default: the strongest offline teacher `make install-teacher` "
                          f"installed, {teacher_15b}, then {TEACHER_MODEL}; else {BUILTIN_TEACHER})")
    run.add_argument("--student", default=None, metavar="PATH",
                     help="Hugging Face encoder folder (default all-MiniLM-L6-v2)")
    run.add_argument("--baseline", choices=["none", "static"], default=None,
                     help="none: K-shot only; static: same teacher and budget, no analysis")
    run.add_argument("--ablate", default="", metavar="LIST",
                     help=f"comma-separated parts to switch off: {','.join(ABLATIONS)}")
    run.add_argument("--full-shot", action="store_true", help="also train on the whole train split")
    run.add_argument("--seed", type=int, default=0, metavar="S")
    run.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    run.add_argument("--budget", type=int, default=None, metavar="TOKENS",
                     help="teacher tokens per round: batches continue until it is spent "
                          "(compare methods at an equal budget)")
    run.add_argument("--temperature", type=float, default=None, metavar="T",
                     help="teacher sampling temperature (default: the model's params in models.toml, "
                          "else 0.8; labelling is always greedy)")
    run.add_argument("--no-schema", action="store_true",
                     help="do not send JSON schemas (response_format) to the teacher")
    run.add_argument("--test-limit", type=int, default=None, metavar="N",
                     help="evaluate on at most N test examples (stratified sample)")
    run.add_argument("--max-length", type=int, default=128, metavar="TOKENS",
                     help="student input length (default 128)")
    run.add_argument("--epochs", type=int, default=D.epochs, metavar="E",
                     help=f"passes over each round's training data (default {D.epochs})")
    run.add_argument("--lr", type=float, default=D.lr, metavar="LR",
                     help=f"student learning rate (default {D.lr:g})")
    run.add_argument("--batch-size", type=int, default=D.batch_size, metavar="B",
                     help=f"student batch size (default {D.batch_size})")
    run.add_argument("--replay", type=int, default=None, metavar="N",
                     help="earlier kept samples trained each round (default: all of them)")
    run.add_argument("--threads", type=int, default=None, metavar="N",
                     help="torch CPU threads (default: all cores but one)")
    run.add_argument("--detach", action="store_true", help="start the job and return at once")
    run.add_argument("--json", action="store_true", help="JSON only on stdout (progress stays on stderr)")
    run.set_defaults(func=cmd_evokd_run)

    p = subparsers.add_parser("jobs", parents=[common], help="background jobs: list, show, follow, cancel, resume")
    sub = p.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    q = sub.add_parser("list", parents=[common], help="list jobs")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_jobs_list)
    for name, func, helptext in (
        ("show", cmd_jobs_show, "a job's rounds, result and recent log"),
        ("follow", cmd_jobs_follow, "follow a job until it ends (Ctrl-C detaches)"),
        ("cancel", cmd_jobs_cancel, "stop a job cleanly (SIGTERM)"),
        ("resume", cmd_jobs_resume, "continue an interrupted, failed or cancelled job"),
    ):
        q = sub.add_parser(name, parents=[common], help=helptext)
        q.add_argument("job", type=int, metavar="JOB", help="job id (see `workbench jobs list`)")
        q.add_argument("--json", action="store_true")
        if name == "resume":
            q.add_argument("--detach", action="store_true", help="start the worker and return at once")
        q.set_defaults(func=func)


# -- evokd run ------------------------------------------------------------------------------
def _abs_if_path(value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    return str(path.resolve()) if path.exists() else value


def build_options(args: argparse.Namespace) -> Any:
    from workbench.distill.data import DatasetError, check_dataset
    from workbench.distill.options import EvoKDOptions, OptionsError, default_teacher

    ablate = [a.strip() for a in (args.ablate or "").split(",") if a.strip()]
    try:
        opts = EvoKDOptions(
            dataset=_abs_if_path(args.dataset) or "", task=args.task or "auto", shots=args.shots,
            rounds=args.rounds, per_round=args.per_round, easy_ratio=args.easy_ratio,
            teacher=args.teacher or default_teacher(), student=_abs_if_path(args.student),
            method=args.baseline or "evokd", ablate=ablate, full_shot=args.full_shot, seed=args.seed,
            device=args.device, budget=args.budget, temperature=args.temperature,
            schema=not args.no_schema, test_limit=args.test_limit, max_length=args.max_length,
            epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, replay=args.replay,
            threads=args.threads,
        ).validate()
        # Before the job row exists: a dataset the worker would refuse leaves no failed job.
        check_dataset(opts.dataset, None if opts.task == "auto" else opts.task)
    except (OptionsError, DatasetError) as exc:
        raise CLIError(str(exc)) from exc
    return opts


def cmd_evokd_run(ctx: Context) -> int:
    from workbench.jobs import launcher

    opts = build_options(ctx.args)
    config_path = str(ctx.config_path.resolve()) if ctx.config_path.exists() else None
    job_id, proc = launcher.submit(ctx.db, ctx.db_path, "evokd",
                                   {"options": opts.to_dict(), "config_path": config_path})
    if ctx.args.detach:
        return _print_started(ctx, job_id, proc.pid)
    print(f"job {job_id} started (pid {proc.pid}); Ctrl-C detaches, the job keeps running",
          file=sys.stderr)
    return _follow_and_report(ctx, job_id)


def _print_started(ctx: Context, job_id: int, pid: int) -> int:
    from workbench.jobs.paths import worker_log

    info = {"job_id": job_id, "status": "queued", "pid": pid, "log": str(worker_log(ctx.db_path, job_id))}
    if ctx.args.json:
        print_json(info)
    else:
        print(f"job {job_id} started (pid {pid}); follow it with `workbench jobs follow {job_id}`")
    return 0


def _follow_and_report(ctx: Context, job_id: int) -> int:
    from workbench.jobs.follow import follow
    from workbench.jobs.results import job_result

    try:
        status = follow(ctx.db, job_id, show_events=not ctx.args.json)
    except KeyboardInterrupt:
        from workbench.cli_support import interrupted

        return interrupted(ctx, f"\ndetached from job {job_id}; it keeps running "
                                f"(`workbench jobs follow {job_id}`, `workbench jobs cancel {job_id}`)", job_id=job_id)
    result = job_result(ctx.db, ctx.db_path, job_id)
    if status == "failed" and result.get("error"):
        print(f"workbench: job {job_id} failed: {result['error']}", file=sys.stderr)
    if ctx.args.json:
        print_json(result)
    else:
        _print_result(ctx, job_id, result, log=False)  # follow already showed the log
    return 0 if status == "done" else 1


# -- jobs -----------------------------------------------------------------------------------
def _job_or_error(ctx: Context, job_id: int) -> Any:
    from workbench.jobs.launcher import JobError, require_job

    try:
        return require_job(ctx.db, job_id)
    except JobError as exc:
        raise CLIError(str(exc)) from exc


def cmd_jobs_list(ctx: Context) -> int:
    from workbench.jobs.results import job_summary
    from workbench.store.jobs import list_jobs

    rows = [job_summary(ctx.db, j) for j in list_jobs(ctx.db)]
    if ctx.args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no jobs yet: start one with `workbench evokd run --dataset bbc-news`")
        return 0
    print(f"{'id':>4}  {'status':<11} {'method':<16} {'dataset':<22} {'rounds':>7} {'acc':>6} {'F1':>6}  note")
    for r in rows:
        done = f"{max(r['rounds_done'], 0)}/{r['rounds']}" if r["rounds_done"] >= 0 else f"-/{r['rounds']}"
        acc = f"{r['accuracy']:.3f}" if r["accuracy"] is not None else "-"
        f1 = f"{r['macro_f1']:.3f}" if r["macro_f1"] is not None else "-"
        note = r["error"] or (f"{r['phase']}" + (f", ETA {r['eta_s']}s" if r["eta_s"] else "") if r["phase"] else "")
        dataset = Path(str(r["dataset"])).name if r["dataset"] else "-"
        print(f"{r['job_id']:>4}  {r['status']:<11} {r['method']:<16} {dataset[:22]:<22} {done:>7} "
              f"{acc:>6} {f1:>6}  {note[:60]}")
    return 0


def cmd_jobs_show(ctx: Context) -> int:
    from workbench.jobs.results import job_result

    job = _job_or_error(ctx, ctx.args.job)
    result = job_result(ctx.db, ctx.db_path, job.id)
    if ctx.args.json:
        print_json(result)
        return 0
    _print_result(ctx, job.id, result)
    return 0


def _print_result(ctx: Context, job_id: int, result: dict[str, Any], *, log: bool = True) -> None:
    from workbench.store.jobs import last_events

    print(f"job {job_id} · {result['method']} · {result['dataset']} · {result['status']}"
          + (f" · {result['error']}" if result["error"] else ""))
    if result["rounds"]:
        ner = any("entity_f1" in r for r in result["rounds"])
        f1 = "ent-F1" if ner else "F1"
        print(f"{'round':>5} {'train':>6} {'gen':>5} {'kept':>5} {'tokens':>8} {'acc':>7} {f1:>7} {'secs':>7}")
        for r in result["rounds"]:
            score = r.get("entity_f1", r["macro_f1"]) if ner else r["macro_f1"]
            print(f"{r['round']:>5} {r['train_size']:>6} {r['generated']:>5} {r['kept']:>5} "
                  f"{r['teacher_tokens']:>8} {r['accuracy']:>7.3f} {score:>7.3f} {r['seconds']:>7.1f}")
        acct = [r for r in result["rounds"] if r.get("accounting")]
        if acct:
            # The teacher's budget, honestly: what was asked and what became training data.
            print("teacher budget per round: asked / parsed / echoed / unlabelled / kept (relabelled); "
                  "prompt + completion tokens; student on the fresh samples before training")
            for r in acct:
                a = r["accounting"]
                fresh = f"{r['fresh_accuracy']:.2f}" if r.get("fresh_accuracy") is not None else "-"
                print(f"{r['round']:>5}  {a.get('asked', 0)} / {a.get('parsed', 0)} / {a.get('echoed', 0)} / "
                      f"{a.get('unlabelled', 0)} / {a.get('kept', 0)} ({a.get('disagree', 0)}); "
                      f"{a.get('prompt_tokens', 0)} + {a.get('completion_tokens', 0)}; fresh {fresh}")
    if result.get("full_shot"):
        fs = result["full_shot"]
        print(f"full-shot: accuracy {fs['accuracy']:.3f}, macro-F1 {fs['macro_f1']:.3f} "
              f"({fs.get('train_size')} examples)")
    if result["checkpoint"]:
        print(f"checkpoint: {result['checkpoint']}")
    if log:
        print("recent log:")
        for ev in last_events(ctx.db, job_id, 8):
            print(f"  {ev.ts[11:19]} {ev.level:<7} {ev.message[:200]}")


def cmd_jobs_follow(ctx: Context) -> int:
    job = _job_or_error(ctx, ctx.args.job)
    return _follow_and_report(ctx, job.id)


def cmd_jobs_cancel(ctx: Context) -> int:
    from workbench.jobs.launcher import JobError, cancel

    job = _job_or_error(ctx, ctx.args.job)
    try:
        status = cancel(ctx.db, job.id)
    except JobError as exc:
        raise CLIError(str(exc)) from exc
    if ctx.args.json:
        print_json({"job_id": job.id, "status": status})
    else:
        print(f"job {job.id}: {status}")
    return 0 if status == "cancelled" else 1


def cmd_jobs_resume(ctx: Context) -> int:
    from workbench.jobs.launcher import JobError, resume

    job = _job_or_error(ctx, ctx.args.job)
    try:
        proc = resume(ctx.db, ctx.db_path, job.id)
    except JobError as exc:
        raise CLIError(str(exc)) from exc
    if ctx.args.detach:
        return _print_started(ctx, job.id, proc.pid)
    print(f"job {job.id} resumed (pid {proc.pid}); Ctrl-C detaches, the job keeps running", file=sys.stderr)
    return _follow_and_report(ctx, job.id)
