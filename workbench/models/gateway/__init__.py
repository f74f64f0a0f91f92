"""The model gateway: the only package that imports litellm.

Every model call in the workbench goes through :class:`Gateway.complete`: it streams,
bounds concurrency per model, retries 429 / 5xx / timeouts / dropped connections with
exponential backoff and jitter (recording each attempt), enforces a per-request timeout
(time to the first chunk and between chunks), and captures usage and cost. It never raises
for a model error: the returned :class:`Response` carries ``status`` and ``error``.

Modules by job: ``service`` (the Gateway: name resolution, ``complete``, ``generate``),
``stream`` (the attempt loop: concurrency, retries, timeouts, streaming, figures),
``errors`` (classifying failures, backoff), ``preflight`` (keys and servers before a run),
``router`` (litellm's Router over a model's deployments), ``client`` (importing litellm) and
``local_provider`` (``local/...`` models as a litellm provider). Only ``client``,
``local_provider`` and ``router`` import litellm (the import contract in pyproject.toml).
"""

from __future__ import annotations

from .client import load_litellm, preload_litellm
from .errors import BACKOFF_BASE_S, BACKOFF_CAP_S, GatewayError, UnknownModelError, backoff_delay, classify_error
from .local_provider import make_local_provider
from .preflight import preflight_models, probe_api_base, provider_key_missing
from .router import build_router
from .service import PASSTHROUGH_PARAMS, Gateway, closest_names
from .stream import DeltaCallback

__all__ = [
    "BACKOFF_BASE_S", "BACKOFF_CAP_S", "PASSTHROUGH_PARAMS", "DeltaCallback", "Gateway", "GatewayError",
    "UnknownModelError", "backoff_delay", "build_router", "classify_error", "closest_names", "load_litellm",
    "make_local_provider", "preflight_models", "preload_litellm", "probe_api_base", "provider_key_missing",
]
