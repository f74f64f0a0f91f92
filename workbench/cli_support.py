"""What every subcommand shares: the user-error type, the parser that raises it, the per-command
context, and the JSON/export printers.

It lives beside ``workbench.cli`` so that ``workbench.commands.*`` never import the cli module
that dispatches to them (an import-linter contract); ``workbench.cli`` re-exports every name.
It is not inside ``workbench.commands``: starting the TUI imports it, and must import no
command module.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NoReturn

from workbench.config import WorkbenchConfig, config_path, db_path, load_config


class CLIError(Exception):
    """A mistake the user can fix; printed as one line, exit status 2.

    ``status`` is the exit status; ``fields`` go into the ``--json`` error object beside
    ``"error"`` (a run id, the command that continues it, ...).
    """

    kind = "user"

    def __init__(self, message: str, *, status: int = 2, **fields: Any):
        super().__init__(message)
        self.status = status
        self.fields = fields


def validated(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a range check (workbench.models.params) on a flag; its ValueError becomes one line."""
    try:
        return check(*args, **kwargs)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


class UsageError(CLIError):
    """argparse's complaint about the command line (unknown option, missing argument)."""

    kind = "usage"

    def __init__(self, message: str, *, prog: str, usage: str):
        super().__init__(message, command=prog, usage=usage.strip())
        self.prog = prog
        self.usage = usage


class WorkbenchParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are raised, so ``main`` can answer them as JSON too."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, prog=self.prog, usage=self.format_usage())


@dataclass(frozen=True)
class TUIRequest:
    """The terminal app a command asks for (``workbench``, ``tui``, ``review [RUN]``)."""

    db_path: Path
    config_path: str | None  # --config as given; None: $WORKBENCH_CONFIG or the default
    start_screen: str | None = None
    review_run_id: int | None = None  # the run Review opens first


# Opens the app and returns the exit status. Given by ``workbench.launcher`` (above the UI):
# commands and the dispatcher ask for the app without importing it.
TUIOpener = Callable[[TUIRequest], int]


class Context:
    """What every command needs: resolved paths, config, and a lazily opened database."""

    def __init__(self, args: argparse.Namespace, tui: TUIOpener | None = None):
        self.args = args
        self.db_path = db_path(getattr(args, "db", None))
        self.config_path = config_path(getattr(args, "config", None))
        self.tui = tui
        self._config: WorkbenchConfig | None = None
        self._db: Any = None

    def open_tui(self, start_screen: str | None = None, review_run_id: int | None = None) -> int:
        """Run the terminal app until it quits; its exit status."""
        if self.tui is None:
            raise CLIError("the terminal app opens from the `workbench` command (or `python -m workbench`); "
                           "`python -m workbench.cli` runs the subcommands only")
        return self.tui(TUIRequest(self.db_path, getattr(self.args, "config", None), start_screen, review_run_id))

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


def preflight(gateway: Any, names: Any) -> None:
    """Refuse to start, in one line, when a model's API key is missing or its server is down."""
    from workbench.models.gateway import GatewayError

    try:
        gateway.preflight(list(names))
    except GatewayError as exc:
        raise CLIError(str(exc)) from None


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=None, default=str))


def interrupted(ctx: Context, message: str, **fields: Any) -> int:
    """Ctrl-C during a command: say how to continue on stderr, and with --json on stdout too."""
    print(message, file=sys.stderr)
    if getattr(ctx.args, "json", False):
        print_json({"error": "interrupted", "kind": "interrupted", "message": message.strip(), **fields,
                    "status": 130})
    return 130


def write_export(ctx: Context, text: str, what: dict[str, Any], *, note: str = "") -> None:
    """An export to ``-o FILE`` or stdout, for people and, with --json, for scripts.

    With --json, JSON lines go to stdout as they are; any other text (Markdown, CSV) comes
    in one object with ``"text"``; a file written comes back as ``{"path": ...}``.
    """
    args = ctx.args
    if args.output:
        out = Path(args.output)
        out.write_text(text, encoding="utf-8")
        if args.json:
            print_json({**what, "path": str(out.resolve()), "bytes": len(text.encode("utf-8"))})
        else:
            print(f"wrote {note}{args.output}", file=sys.stderr)
    elif args.json and what.get("format") != "jsonl":
        print_json({**what, "text": text})
    else:
        sys.stdout.write(text)
