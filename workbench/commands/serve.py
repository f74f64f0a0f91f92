"""``workbench serve``: a stored GGUF model as an OpenAI-compatible server for other tools.

    workbench serve local/smollm2-135m-instruct --port 8080
    workbench serve ./model.gguf --engine llama_cpp

The server is llama.cpp's own (``llama-server``: parallel slots, JSON schemas), or with
``--engine llama_cpp`` llama-cpp-python's ``python -m llama_cpp.server``. It runs in the
foreground until Ctrl-C. Point a models.toml entry at it with ``api_base``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from workbench.cli_support import CLIError, Context, print_json


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "serve", parents=[common], help="serve a local GGUF model as an OpenAI-compatible server",
        description="Run a local GGUF model (a local/ name or a .gguf path) on an OpenAI-compatible "
                    "server in the foreground; Ctrl-C stops it. Use it from another workbench (or any "
                    "OpenAI client) with api_base = the printed URL.")
    p.add_argument("model", help="a local/ model name (see `workbench models`) or a .gguf file")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--engine", choices=("llama-server", "llama_cpp"), default="llama-server",
                   help="llama-server (llama.cpp's, parallel slots; default) or llama_cpp "
                        "(python -m llama_cpp.server, one request at a time)")
    p.add_argument("--parallel", type=int, default=None, help="llama-server slots (default 8)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores)")
    p.add_argument("--json", action="store_true", help="print where it serves as one JSON object")
    p.set_defaults(func=cmd_serve)


def resolve_gguf(ctx: Context, model: str) -> tuple[str, Path]:
    """(alias, GGUF path) of a local/ name or a path, or CLIError saying what to fix."""
    from workbench.models.gguf_info import GGUFError, read_gguf_info
    from workbench.models.local import LocalModelError, is_gguf, register_local_path, resolve_path

    candidate = Path(model).expanduser()
    if candidate.suffix.lower() == ".gguf" or candidate.exists():
        path, alias = candidate, candidate.stem
    else:
        name = model if model.startswith("local/") else f"local/{model}"
        spec = ctx.config.models.get(name)
        if spec is None or not spec.is_local:
            raise CLIError(f"{model} is neither a local/ model nor a .gguf file: run `workbench models` "
                           "to list local models")
        register_local_path(spec.model, spec.path)
        try:
            path = resolve_path(spec.model)
        except LocalModelError as exc:
            raise CLIError(str(exc)) from exc
        alias = spec.model.removeprefix("local/")
    if not is_gguf(path):
        raise CLIError(f"{path} is not a .gguf file: only GGUF models can be served")
    try:
        read_gguf_info(path)
    except GGUFError as exc:
        raise CLIError(str(exc)) from exc
    return alias, path


def cmd_serve(ctx: Context) -> int:
    from workbench.models import llama_server

    args = ctx.args
    alias, path = resolve_gguf(ctx, args.model)
    threads = args.threads or llama_server.default_threads()
    if args.engine == "llama_cpp":
        try:
            import llama_cpp  # noqa: F401
        except ImportError as exc:
            raise CLIError("llama-cpp-python is not installed: run `make install`") from exc
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--model_alias", alias,
                   "--host", args.host, "--port", str(args.port), "--n_threads", str(threads),
                   "--n_ctx", str(llama_server.slot_context()),
                   # By default a new request cuts the stream being generated short: queue it instead.
                   "--interrupt_requests", "False"]
    else:
        parallel = args.parallel or llama_server.PARALLEL_SLOTS
        binary = llama_server.find_binary()
        if binary is None or not binary.is_file():
            raise CLIError(f"llama-server is not installed: run `make install`, or set "
                           f"{llama_server.BINARY_ENV} to a llama-server binary")
        command = [str(binary), "--model", str(path), "--alias", alias, "--host", args.host,
                   "--port", str(args.port), "--threads", str(threads),
                   "--parallel", str(parallel), "--no-kv-unified",
                   "--ctx-size", str(llama_server.slot_context() * parallel), "--no-webui", "--offline"]
    url = f"http://{args.host}:{args.port}/v1"
    info = {"model": alias, "file": str(path), "engine": args.engine, "api_base": url,
            "models_toml": f'[models.{alias}]\nmodel = "openai/{alias}"\napi_base = "{url}"\n'}
    if args.json:
        print_json(info)
    else:
        print(f"serving {alias} ({path.name}) on {args.engine} at {url}; Ctrl-C stops it.\n"
              f"models.toml entry for it:\n\n{info['models_toml']}", file=sys.stderr)
    sys.stdout.flush()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(10)
        return 0
    if code != 0:
        raise CLIError(f"the {args.engine} server for {path} stopped with exit status {code} "
                       "(see its messages above)", status=1)
    return 0
