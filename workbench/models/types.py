"""Plain data the gateway hands out. No heavy imports: the UI and store use these too."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

ErrorKind = Literal["rate_limit", "server", "timeout", "connection", "client", "auth", "not_found",
                    "cancelled", "other"]
# How a request ended: answered, failed, or stopped by the user before the end.
ResponseStatus = Literal["ok", "error", "cancelled"]
RETRYABLE: frozenset[str] = frozenset({"rate_limit", "server", "timeout", "connection"})
# What a user may ask for in one request: beyond these every provider refuses it.
MAX_TEMPERATURE = 2.0
MAX_TOKENS_LIMIT = 1_000_000


@dataclass
class Attempt:
    attempt: int
    started: str
    seconds: float
    status: Literal["ok", "error"]
    error_kind: str | None = None
    error: str | None = None


@dataclass
class Response:
    """One model's finished (or failed, or cancelled) answer to one request."""

    model: str
    params: dict[str, Any] = field(default_factory=dict)
    # Where each of ``params`` came from: "flag", "models.toml" or "default" (models/params.py).
    param_sources: dict[str, str] = field(default_factory=dict)
    text: str = ""
    status: ResponseStatus = "ok"
    error: str | None = None
    error_kind: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    # Timings: ``load_s`` is the wait for a local model to load (None when it was loaded
    # already); ``client_s`` the client's own start-up (importing litellm: the first request
    # of a process pays it); ``ttft_s`` runs from the request leaving the client (the call
    # into litellm of the attempt that answered) to its first token; ``generation_s`` from
    # the first token to the last; ``total_s`` is the whole wall time, all of the above in.
    ttft_s: float | None = None
    total_s: float | None = None
    load_s: float | None = None
    client_s: float | None = None
    generation_s: float | None = None
    cost_usd: float | None = None
    attempts: list[Attempt] = field(default_factory=list)
    request_hash: str | None = None
    response_id: int | None = None  # set once stored

    @property
    def tokens_per_s(self) -> float | None:
        """Generation speed after the first token (excludes queueing, a model load and
        prompt processing)."""
        if not self.completion_tokens or self.total_s is None or self.ttft_s is None:
            return None
        gen = self.generation_s
        if gen is None:
            gen = self.total_s - (self.load_s or 0.0) - (self.client_s or 0.0) - self.ttft_s
        if self.completion_tokens <= 1 or gen <= 0:
            return None
        return (self.completion_tokens - 1) / gen

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def public_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "text": self.text,
            "status": self.status,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "ttft_s": _round(self.ttft_s),
            "total_s": _round(self.total_s),
            "load_s": _round(self.load_s),
            "client_s": _round(self.client_s),
            "tokens_per_s": _round(self.tokens_per_s),
            "cost_usd": self.cost_usd,
            "finish_reason": self.finish_reason,
            "attempts": len(self.attempts),
            "error": self.error,
            "response_id": self.response_id,
            "params": self.params,
            "param_sources": self.param_sources,
        }


@dataclass
class StreamEvent:
    """What a stream yields: text deltas, a restart after a retried attempt, then the end."""

    kind: Literal["delta", "restart", "done"]
    text: str = ""
    response: Response | None = None


def request_hash(model: str, messages: list[dict], params: dict[str, Any]) -> str:
    """Identity of a request, so identical requests can reuse a stored answer."""
    blob = json.dumps({"model": model, "messages": messages, "params": params},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)
