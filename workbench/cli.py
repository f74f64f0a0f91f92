"""The ``workbench`` command's subcommands: the parser and the dispatcher.

``workbench`` alone opens the TUI; subcommands do the same work from a shell. The console
script is ``workbench.launcher.main``, which runs this module's ``main`` and opens the app
when a command asks for it (``Context.open_tui``), so this module never imports the UI. Every command
takes ``--json`` (``build_parser`` adds it to any parser that lacks it), and with ``--json``
every error a user can cause is one JSON object ``{"error": ...}`` on stdout, with the same
exit status as without. Heavy libraries are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from typing import Any, Callable, Iterator

from workbench.cli_support import (  # noqa: F401  (re-exported: older code imports them from here)
    CLIError, Context, TUIOpener, UsageError, WorkbenchParser, interrupted, preflight, print_json, validated,
    write_export)
from workbench.config import ConfigError

# Modules that add subcommands: each has ``register(subparsers, common)``.
COMMAND_MODULES = (
    "workbench.commands.ice",
    "workbench.commands.rse",
    "workbench.commands.review",
    "workbench.commands.evokd",
    "workbench.commands.judge",
    "workbench.commands.report",
    "workbench.commands.serve",
)


JSON_HELP = 'print JSON on stdout (errors too, as {"error": ...})'


# -- models ---------------------------------------------------------------------------------
def cmd_models(ctx: Context) -> int:
    from workbench.models.local import engine_info, engine_summary

    models = [spec.public_dict() for spec in ctx.config.models.values()]
    for m, spec in zip(models, ctx.config.models.values()):
        # Local models: which engine runs them and how (reads GGUF headers, loads nothing).
        m["engine"] = engine_info(spec.model, spec.path) if spec.is_local else None
    if ctx.args.json:
        print_json(models)
        return 0
    width = max(len(m["name"]) for m in models)
    for m in models:
        key = "" if m["api_key"] == "n/a" else f"  key {m['api_key_env']}: {m['api_key']}"
        where = m["path"] or m["api_base"] or ""
        engine = f"  [{engine_summary(m['engine'])}]" if m["engine"] else ""
        print(f"{m['name']:<{width}}  {m['model']}{('  ' + where) if where else ''}"
              f"  concurrency {m['max_concurrency']}{key}{engine}")
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
    from workbench.models.params import check_max_tokens, check_temperature

    validated(check_temperature, args.temperature)
    validated(check_max_tokens, args.max_tokens)
    from workbench.models.gateway import preload_litellm

    preload_litellm()  # overlaps the database, the config and the probe below
    preflight(gateway, args.model)
    messages: list[dict] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})
    # Flags only: the gateway adds each model's models.toml params under them (models/params.py).
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
    elif printer is not None:  # always, without --json
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
        if r.client_s:  # importing litellm, once per process: not the model's time
            stats.append(f"client start-up {r.client_s:.1f}s")
        if r.load_s:
            stats.append(f"model load {r.load_s:.1f}s")
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
    if ctx.args.json:
        print_json({"path": str(ctx.db_path), "exists": ctx.db_path.exists()})
    else:
        print(ctx.db_path)
    return 0


def cmd_export(ctx: Context) -> int:
    from workbench.store.export import ExportError, export_session

    try:
        text = export_session(ctx.db, ctx.args.session, ctx.args.format, exchange_id=ctx.args.exchange)
    except ExportError as exc:
        raise CLIError(str(exc)) from exc
    what = {"session": ctx.args.session, "exchange": ctx.args.exchange, "format": ctx.args.format}
    write_export(ctx, text, what)
    return 0


def cmd_tui(ctx: Context) -> int:
    if ctx.args.json:
        raise CLIError("the terminal app has no JSON output: drop --json, or run a subcommand "
                       "(`workbench --help` lists them)")
    return ctx.open_tui(start_screen=getattr(ctx.args, "screen", None))


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
    parser = add_common(WorkbenchParser(
        prog="workbench",
        description="Distill Workbench: compare models, probe distillation (ICE, RSE), review judges, run EvoKD."),
        None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("tui", parents=[common], help="open the terminal app (the default)")
    p.add_argument("--screen", choices=["home", "compare", "history", "ice", "rse", "review", "jobs"])
    p.set_defaults(func=cmd_tui)

    p = sub.add_parser("models", parents=[common], help="list usable models")
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
    add_json_everywhere(parser)
    return parser


def iter_parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
                 ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser under ``parser`` with its command path, ``parser`` itself first.

    Follows sub-commands and the parsers a command parses for itself later (it names them
    with ``set_defaults(_nested_parsers={name: parser})``, as ``review`` does).
    """
    yield path, parser
    seen: set[int] = set()
    children: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            children.extend(action.choices.items())
    children.extend((parser.get_default("_nested_parsers") or {}).items())
    for name, child in children:
        if id(child) not in seen:  # aliases share one parser
            seen.add(id(child))
            yield from iter_parsers(child, (*path, name))


def add_json_everywhere(parser: argparse.ArgumentParser) -> None:
    """Give every command ``--json``, wherever on the command line it is written.

    The top parser defaults it to False; below it the default is SUPPRESS, because argparse
    copies a sub-parser's defaults over what the parsers above it already read, so a False
    default there would undo `workbench --json rse runs`.
    """
    for path, p in iter_parsers(parser):
        action = p._option_string_actions.get("--json")
        if action is None:
            action = p.add_argument("--json", action="store_true", help=JSON_HELP)
        action.default = argparse.SUPPRESS if path else False


def main(argv: list[str] | None = None, tui: TUIOpener | None = None) -> int:
    """Run one command line; ``tui`` opens the terminal app (given by ``workbench.launcher``)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    state: dict[str, Any] = {"json": _json_in(argv), "tui": tui}
    # Ctrl-C while modules still import (the first second of a command) is an interrupt too.
    try:
        return _run(argv, state)
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        if state["json"]:
            print_json({"error": "interrupted", "kind": "interrupted"})
        return 130


def _json_in(argv: list[str]) -> bool:
    """Whether the command line asks for --json, before (or without) a successful parse.

    argparse accepts unambiguous prefixes (``--js``); ``--`` ends the options.
    """
    for token in argv:
        if token == "--":
            return False
        if len(token) >= 4 and "--json".startswith(token):
            return True
    return False


def _user_errors() -> tuple[type[Exception], ...]:
    # Imported when an error is being handled: the store pulls in sqlite-utils, which the
    # TUI's first frame must not wait for.
    from workbench.store.db import StoreError

    return (CLIError, ConfigError, StoreError)


def _tui_only(argv: list[str]) -> argparse.Namespace | None:
    """``workbench`` with at most --db/--config: the TUI, without building every command's
    parser (that imports each command module, time the first frame would wait for)."""
    values: dict[str, str | None] = {"db": None, "config": None}
    tokens = list(argv)
    while tokens:
        token = tokens.pop(0)
        name, eq, value = token.partition("=")
        if name not in ("--db", "--config"):
            return None
        if not eq:
            if not tokens or tokens[0].startswith("-"):
                return None  # let the full parser say what is missing
            value = tokens.pop(0)
        values[name[2:]] = value
    return argparse.Namespace(**values, screen=None, json=False, func=cmd_tui)


def _run(argv: list[str], state: dict[str, Any]) -> int:
    try:
        args = _tui_only(argv) or build_parser().parse_args(argv)
        state["json"] = bool(getattr(args, "json", False)) or state["json"]
        func: Callable[[Context], int] = getattr(args, "func", cmd_tui)
        return func(Context(args, state["tui"]))
    except _user_errors() as exc:
        return report_error(exc, as_json=state["json"])
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if state["json"]:  # a bug: the traceback still goes to stderr, scripts get an object
            print_json({"error": f"internal error: {type(exc).__name__}: {exc}", "kind": "internal"})
        raise


def report_error(exc: Exception, *, as_json: bool) -> int:
    """A user's mistake: lines on stderr for people; with --json one object on stdout too."""
    status = getattr(exc, "status", 2)
    if isinstance(exc, UsageError):
        sys.stderr.write(f"{exc.usage}{exc.prog}: error: {exc}\n")
    else:
        for line in str(exc).splitlines() or [""]:
            print(f"workbench: error: {line}", file=sys.stderr)
    if as_json:
        obj: dict[str, Any] = {"error": str(exc), "kind": getattr(exc, "kind", None) or _kind(exc)}
        if isinstance(exc, ConfigError):
            obj.update({"errors": list(exc.problems), "config": str(exc.path) if exc.path else None})
        obj.update(getattr(exc, "fields", {}))
        obj["status"] = status
        print_json(obj)
    return status


def _kind(exc: Exception) -> str:
    return "config" if isinstance(exc, ConfigError) else "store"


if __name__ == "__main__":
    # `python -m workbench.cli` runs this file as __main__: the commands raise the CLIError of
    # the imported workbench.cli, so call that module's main, whose handlers know it.
    from workbench.cli import main as _main

    sys.exit(_main())
