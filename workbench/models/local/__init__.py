"""Local models (``local/...``): GGUF files on llama.cpp, Hugging Face folders on transformers.

A GGUF model (the built-in SmolLM2, the packaged teachers, any ``path = "x.gguf"``) runs on
llama.cpp's own server, one child process per model started on first use
(:mod:`workbench.models.llama_server`); the gateway sends it OpenAI-format requests
(:func:`route_kwargs`). A Hugging Face folder (a trained EvoKD student, a causal LM) loads
in-process with transformers, and the gateway serves it to litellm as the custom provider
``local`` (``workbench.models.gateway.make_local_provider``): requests waiting at the same
time are generated together as one batch; tokens stream to each caller as they are produced.
CUDA when available, else CPU.

One job per module; import from here:

- ``paths``: where ``local/<name>`` lives (built-in, packaged teacher, models.toml path)
- ``engine``: which engine runs it and how to reach it (listing, llama-server routing)
- ``loading``: loading a folder or GGUF with transformers, on CUDA or CPU
- ``batch``: the in-process batch generator (one thread per model, streamed rows)
- ``served``: a GGUF model's llama-server child
- ``host``: the process-wide cache of loaded models, and ``stream_local`` for callers

torch and transformers are imported lazily: this package is on the start-up path. It imports
no litellm (the gateway is the only module that does).
"""

from __future__ import annotations

from .batch import BATCH_WINDOW_S, MAX_BATCH, GenRequest, LoadedModel, _BatchStreamer, _RowState
from .engine import engine_info, engine_summary, route_kwargs
from .host import DEFAULT_MAX_TOKENS, LocalModelHost, is_loaded_running, stream_local
from .loading import _load, _load_gguf, pick_device, quiet_transformers
from .paths import (
    BUILTIN_GGUF_FILE,
    BUILTIN_GGUF_PACKAGE,
    LocalModelError,
    builtin_gguf_path,
    is_gguf,
    register_local_path,
    resolve_path,
)
from .served import _ServedModel

__all__ = [
    "BATCH_WINDOW_S", "BUILTIN_GGUF_FILE", "BUILTIN_GGUF_PACKAGE", "DEFAULT_MAX_TOKENS", "MAX_BATCH",
    "GenRequest", "LoadedModel", "LocalModelError", "LocalModelHost", "_BatchStreamer", "_RowState",
    "_ServedModel", "_load", "_load_gguf", "builtin_gguf_path", "engine_info", "engine_summary",
    "is_gguf", "is_loaded_running", "pick_device", "quiet_transformers", "register_local_path",
    "resolve_path", "route_kwargs", "stream_local",
]
