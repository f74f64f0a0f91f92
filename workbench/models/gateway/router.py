"""The litellm Router for a model spread over several deployments (servers)."""

from __future__ import annotations

import os
from typing import Any

from workbench.config import ModelSpec

from .client import load_litellm


def build_router(spec: ModelSpec) -> Any:
    """A litellm Router over ``spec.deployments``: requests go to the least busy server, a
    failed request is retried on another one at once, and a server that fails is left out
    for a while (cooldown), so a run goes on over the servers that remain."""
    litellm = load_litellm()
    model_list = []
    for i, d in enumerate(spec.deployments):
        params: dict[str, Any] = {"model": d.get("model") or spec.model, "api_base": d["api_base"]}
        key_env = d.get("api_key_env") or spec.api_key_env
        params["api_key"] = (os.environ.get(key_env) if key_env else None) or "none"
        for key, target in (("max_concurrency", "max_parallel_requests"), ("rpm", "rpm"),
                            ("tpm", "tpm"), ("weight", "weight")):
            if key in d:
                params[target] = d[key]
        model_list.append({"model_name": spec.name, "litellm_params": params,
                           "model_info": {"id": f"{spec.name}#{i + 1}"}})
    from litellm.types.router import AllowedFailsPolicy, RetryPolicy

    # A server that refuses connections or fails is left out for cooldown_time; one whose
    # slots are all taken (a 429 from max_parallel_requests) is busy, not broken.
    return litellm.Router(model_list=model_list, routing_strategy="least-busy",
                          num_retries=max(2, len(model_list)), retry_after=0, allowed_fails=1,
                          allowed_fails_policy=AllowedFailsPolicy(RateLimitErrorAllowedFails=1_000_000),
                          retry_policy=RetryPolicy(RateLimitErrorRetries=len(model_list) * 2),
                          cooldown_time=30)


def _router_kwargs(kwargs: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
    """The request for the Router: it names the model group; each deployment has its own
    server and key."""
    out = {k: v for k, v in kwargs.items() if k not in ("api_base", "api_key", "max_retries")}
    out["model"] = spec.name
    return out
