"""The ``workbench`` command.

``workbench`` alone opens the TUI; subcommands do the same work from a shell, each with
``--json`` for scripts. Heavy libraries are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

from workbench.config import ConfigError, WorkbenchConfig, config_path, db_path, load_config

# Modules that add subcommands: each has ``register(subparsers, common)``.
COMMAND_MODULES = (
    "workbench.commands.ice",
    "workbench.commands.rse",
    "workbench.commands.review",
    "workbench.commands.evokd",
    "workbench.commands.judge",
)


class CLIError(Exception):
    """A mistake the user can fix; printed as one line, exit status 2."""


class Context:
    """What every command needs: resolved paths, config, and a lazily opened database."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.db_path = db_path(getattr(args, "db", None))
        self.config_path = config_path(getattr(args, "config", None))
        self._config: WorkbenchConfig | None = None
        self._db: Any = None

    @property
    def config(self) -> WorkbenchConfig:
        if self._config is None:
            self._config = load_config(getattr(self.args, "config", None))
        return self._config

    @property
    def db(self) -> Any:
        if self._db is None:
            from workbench.store import open_db

            self._db = open_db(self.db_path)
        return self._db

    def gateway(self) -> Any:
        from workbench.models.gateway import Gateway

        return Gateway(self.config)


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=None, default=str))


# -- models ---------------------------------------------------------------------------------
def cmd_models(ctx: Context) -> int:
    models = [spec.public_dict() for spec in ctx.config.models.values()]
    if ctx.args.json:
        print_json(models)
        return 0
    width = max(len(m["name"]) for m in models)
    for m in models:
        key = "" if m["api_key"] == "n/a" else f"  key {m['api_key_env']}: {m['api_key']}"
        where = m["path"] or m["api_base"] or ""
        print(f"{m['name']:<{width}}  {m['model']}{('  ' + where) if where else ''}"
              f"  concurrency {m['max_concurrency']}{key}")
    print(f"\nconfig: {ctx.config_path}{'' if ctx.config_path.exists() else ' (not created yet)'}")
    return 0


# -- ask ------------------------------------------------------------------------------------
def cmd_ask(ctx: Context) -> int:
    args = ctx.args
    prompt = args.prompt if args.prompt != "-" else sys.stdin.read()
    if not prompt.strip():
        raise CLIError("the prompt is empty: pass it as an argument or `-` to read stdin")
    gateway = ctx.gateway()
    from workbench.models.gateway import GatewayError

    for name in args.model:
        try:
            gateway.resolve(name)
        except GatewayError as exc:
            raise CLIError(str(exc)) from exc
    from workbench.models.types import MAX_TEMPERATURE, MAX_TOKENS_LIMIT

    if args.temperature is not None and not 0.0 <= args.temperature <= MAX_TEMPERATURE:
        raise CLIError(f"--temperature must be between 0 and {MAX_TEMPERATURE:g}")
    if args.max_tokens is not None and not 1 <= args.max_tokens <= MAX_TOKENS_LIMIT:
        raise CLIError(f"--max-tokens must be between 1 and {MAX_TOKENS_LIMIT}")
    messages: list[dict] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})
    params = {"temperature": args.temperature, "max_tokens": args.max_tokens}

    from workbench.store.exchanges import create_exchange, create_session, save_response

    db = ctx.db
    session_id = create_session(db, "ask", prompt.strip().splitlines()[0][:80])
    exchange_id = create_exchange(db, session_id, prompt, messages, system=args.system)
    printer = None if args.json else _BlockPrinter(args.model)

    async def run() -> list[Any]:
        async def one(i: int, name: str) -> Any:
            on_delta = (lambda text, restart: printer.delta(i, text, restart)) if printer else None
            response = await gateway.complete(name, messages, on_delta=on_delta, **params)
            save_response(db, exchange_id, response)
            if printer:
                printer.done(i, response)
            return response

        return await asyncio.gather(*(one(i, m) for i, m in enumerate(args.model)))

    responses = asyncio.run(run())
    if args.json:
        for r in responses:
            print_json({**r.public_dict(), "session_id": session_id, "exchange_id": exchange_id})
    else:
        printer.flush_all()
        print(f"\n(session {session_id}, exchange {exchange_id}, stored in {ctx.db_path})", file=sys.stderr)
    return 0 if all(r.ok for r in responses) else 1


class _BlockPrinter:
    """Streams the first unfinished model live; buffers the others until their turn."""

    def __init__(self, models: list[str]):
        self.models = models
        self.buffers = [""] * len(models)
        self.finished: list[Any] = [None] * len(models)
        self.current = 0
        self.header_printed = [False] * len(models)
        self._open(0)

    def _open(self, i: int) -> None:
        if i < len(self.models) and not self.header_printed[i]:
            self.header_printed[i] = True
            sys.stdout.write(f"\n── {self.models[i]} ──\n{self.buffers[i]}")
            sys.stdout.flush()

    def delta(self, i: int, text: str, restart: bool) -> None:
        if restart:
            self.buffers[i] = ""
            if i == self.current:
                sys.stdout.write("\n[retrying]\n")
            return
        self.buffers[i] += text
        if i == self.current:
            sys.stdout.write(text)
            sys.stdout.flush()

    def done(self, i: int, response: Any) -> None:
        self.finished[i] = response
        while self.current < len(self.models) and self.finished[self.current] is not None:
            self._footer(self.current)
            self.current += 1
            self._open(self.current)

    def _footer(self, i: int) -> None:
        r = self.finished[i]
        if r.error:
            sys.stdout.write(f"\n[error] {r.error}\n")
        stats = [f"{r.completion_tokens or 0} tokens"]
        if r.ttft_s is not None:
            stats.append(f"ttft {r.ttft_s:.2f}s")
        if r.tokens_per_s:
            stats.append(f"{r.tokens_per_s:.1f} tok/s")
        if r.cost_usd:
            stats.append(f"${r.cost_usd:.6f}")
        sys.stdout.write(f"\n[{', '.join(stats)}]\n")
        sys.stdout.flush()

    def flush_all(self) -> None:
        sys.stdout.flush()


# -- db / export ------------------------------------------------------------------------------
def cmd_db_path(ctx: Context) -> int:
    print(ctx.db_path)
    return 0


def cmd_export(ctx: Context) -> int:
    from workbench.store.export import ExportError, export_session

    try:
        text = export_session(ctx.db, ctx.args.session, ctx.args.format, exchange_id=ctx.args.exchange)
    except ExportError as exc:
        raise CLIError(str(exc)) from exc
    if ctx.args.output:
        Path(ctx.args.output).write_text(text, encoding="utf-8")
        print(f"wrote {ctx.args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_tui(ctx: Context) -> int:
    from workbench.ui.app import WorkbenchApp

    app = WorkbenchApp(db_path=ctx.db_path, config_path=getattr(ctx.args, "config", None),
                       start_screen=getattr(ctx.args, "screen", None))
    app.run()
    return 0


# -- parser ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    def add_common(p: argparse.ArgumentParser, default: object) -> argparse.ArgumentParser:
        p.add_argument("--db", metavar="PATH", default=default,
                       help="SQLite file (default: $WORKBENCH_DB or the user data dir)")
        p.add_argument("--config", metavar="PATH", default=default,
                       help="models.toml (default: $WORKBENCH_CONFIG or the user config dir)")
        return p

    # Subcommands take the same options, but SUPPRESS keeps `workbench --db X ask ...` from
    # being reset to None by the subcommand's own defaults.
    common = add_common(argparse.ArgumentParser(add_help=False), argparse.SUPPRESS)
    parser = add_common(argparse.ArgumentParser(
        prog="workbench",
        description="Distill Workbench: compare models, probe distillation (ICE, RSE), review judges, run EvoKD."),
        None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("tui", parents=[common], help="open the terminal app (the default)")
    p.add_argument("--screen", choices=["home", "compare", "history", "ice", "rse", "review", "jobs"])
    p.set_defaults(func=cmd_tui)

    p = sub.add_parser("models", parents=[common], help="list usable models")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("ask", parents=[common], help="send one prompt to one or more models at once")
    p.add_argument("-m", "--model", action="append", required=True, help="model name (repeat for several)")
    p.add_argument("--system", help="system prompt")
    p.add_argument("--temperature", type=float, default=None)
    p.add_argument("--max-tokens", type=int, default=None)
    p.add_argument("--json", action="store_true", help="one JSON object per model")
    p.add_argument("prompt", help="the prompt, or - to read stdin")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("db", parents=[common], help="database helpers")
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dp = dbsub.add_parser("path", parents=[common], help="print the database file's path")
    dp.set_defaults(func=cmd_db_path)

    p = sub.add_parser("export", parents=[common], help="export a session to Markdown or JSONL")
    p.add_argument("session", type=int, help="session id (see the History screen)")
    p.add_argument("--format", choices=["md", "jsonl"], default="md")
    p.add_argument("--exchange", type=int, help="export only this exchange")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_export)

    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C while modules still import (the first second of a command) is an interrupt too.
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[Context], int] = getattr(args, "func", cmd_tui)
    ctx = Context(args)
    from workbench.store.db import StoreError

    try:
        return func(ctx)
    except (CLIError, ConfigError, StoreError) as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
