"""Which engine runs a local model and how to reach it: the listing in `workbench models` and
the model picker (:func:`engine_info`, :func:`engine_summary`), and the litellm arguments
that send a GGUF model's requests to its llama-server (:func:`route_kwargs`)."""

from __future__ import annotations

from typing import Any

from .host import LocalModelHost, is_loaded_running
from .paths import LocalModelError, is_gguf, register_local_path, resolve_path
from .served import _ServedModel


def engine_info(name: str, path: str | None = None) -> dict[str, Any]:
    """What runs ``local/<name>`` and how (for `workbench models` and the model picker).

    Reads only the GGUF header; loads nothing. A model that cannot run says why in
    ``error`` (one line), the rest of the listing is unaffected.
    """
    from workbench.models import llama_server
    from workbench.models.gguf_info import GGUFError, read_gguf_info

    short = name.removeprefix("local/")
    if path:
        register_local_path(short, path)
    try:
        resolved = resolve_path(short)
    except LocalModelError as exc:
        return {"engine": "unknown", "error": str(exc)}
    if not is_gguf(resolved):
        return {"engine": "transformers", "file": str(resolved)}
    out: dict[str, Any] = {"engine": "llama.cpp", "file": str(resolved)}
    try:
        info = read_gguf_info(resolved)
    except GGUFError as exc:
        return {**out, "error": str(exc)}
    settings = llama_server.EngineSettings.for_model(info)
    binary = llama_server.find_binary()
    out.update(architecture=info.architecture, quantisation=info.quantisation,
               size_bytes=info.size_bytes, threads=settings.threads, context=settings.context,
               trained_context=info.context_length, parallel=settings.parallel,
               gpu_layers=settings.gpu_layers, binary=str(binary) if binary else None,
               running=is_loaded_running(short))
    if binary is None:
        out["error"] = "llama-server is not installed: run `make install`"
    return out


def engine_summary(info: dict[str, Any]) -> str:
    """One line for a person: ``llama.cpp Q4_1 · 2 threads · context 4096 · 8 slots``."""
    if info.get("engine") != "llama.cpp" or "quantisation" not in info:
        error = f": {info['error']}" if info.get("error") else ""
        return f"{info.get('engine', 'engine')}{error}"
    gpu = " · GPU" if info.get("gpu_layers") not in (None, "0") else ""
    error = f" ({info['error']})" if info.get("error") else ""
    return (f"llama.cpp {info['quantisation']} · {info['threads']} threads · context {info['context']}"
            f" · {info['parallel']} slots{gpu}{error}")


def route_kwargs(name: str) -> dict[str, Any]:
    """litellm arguments that send ``local/<name>`` to its llama-server (empty for models
    served in-process). Call after :meth:`LocalModelHost.get`."""
    engine = LocalModelHost._models.get(name.removeprefix("local/"))
    if isinstance(engine, _ServedModel):
        return {"model": f"openai/{engine.name}", "api_base": engine.server.url, "api_key": "none"}
    return {}
