"""What went wrong in a call (one classified line per exception) and how long to wait before a retry."""

from __future__ import annotations

import asyncio
import random
import re
from typing import Iterator

from workbench.config import ModelSpec

from .. import local

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 20.0


class GatewayError(Exception):
    """A model call that failed for good; ``kind`` says why (see types.ErrorKind)."""

    def __init__(self, message: str, kind: str = "other"):
        super().__init__(message)
        self.kind = kind


class UnknownModelError(GatewayError):
    def __init__(self, message: str):
        super().__init__(message, "not_found")


def backoff_delay(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, never shorter than the server's Retry-After."""
    base = min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2 ** (attempt - 1)))
    delay = base * (0.5 + random.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP_S * 3))
    return delay


def classify_error(exc: BaseException, spec: ModelSpec, timeout: float) -> tuple[str, str, float | None]:
    """(kind, one-line message, retry-after seconds) for any exception a call can raise."""
    if isinstance(exc, GatewayError):
        return exc.kind, str(exc), None
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "timeout", f"{spec.name}: no data for {timeout:g}s (timed out)", None
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    text = _clean_message(str(exc))
    retry_after = _retry_after(exc)
    if name == "RateLimitError" or status == 429:
        return "rate_limit", f"{spec.name}: rate limited (429): {text}", retry_after
    if name in ("Timeout", "APITimeoutError") or status == 408:
        # litellm's text here is its own internals ("Request timed out. ... litellm.Timeout ..."):
        # say where and how long instead.
        where = f" from {spec.api_base}" if spec.api_base else ""
        return "timeout", f"{spec.name}: no answer{where} within {timeout:g}s (timed out)", None
    if name == "AuthenticationError" or status in (401, 403):
        hint = f" (check {spec.api_key_env})" if spec.api_key_env else ""
        return "auth", f"{spec.name}: authentication failed{hint}: {text}", None
    if name == "NotFoundError" or status == 404:
        return "not_found", f"{spec.name}: model or endpoint not found: {text}", None
    if "timeout" in text.lower() and "timeout" not in spec.name.lower():
        return "timeout", f"{spec.name}: timed out: {text}", None
    if name == "APIConnectionError" or _is_connection_error(exc):
        where = f" to {spec.api_base}" if spec.api_base else ""
        # litellm and openai both say "Connection error."; what the socket said is at the root.
        root = _root_cause(exc)
        detail = f" ({root})" if root and root.lower() not in text.lower() else ""
        return "connection", f"{spec.name}: connection{where} failed: {text}{detail}", None
    if isinstance(status, int) and status >= 500:
        return "server", f"{spec.name}: server error {status}: {text}", retry_after
    if name in ("InternalServerError", "ServiceUnavailableError", "BadGatewayError", "APIError"):
        return "server", f"{spec.name}: server error: {text}", retry_after
    if name in ("BadRequestError", "UnprocessableEntityError", "ContextWindowExceededError",
                "ContentPolicyViolationError") or (isinstance(status, int) and 400 <= status < 500):
        code = f" ({status})" if isinstance(status, int) else ""
        return "client", f"{spec.name}: request rejected{code}: {text}", None
    if isinstance(exc, local.LocalModelError):
        return "client", str(exc), None
    return "other", f"{spec.name}: {name}: {text}", None


_NOISE = re.compile(r"^(?:litellm\.)?\w+(?:Error|Exception)\s*[:-]\s*")


def _clean_message(text: str) -> str:
    """One readable line from litellm's nested exception text."""
    text = " ".join(text.split())
    text = text.split(" Original exception:")[0]
    for _ in range(6):  # peel "litellm.X: X: OpenAIException - " layers
        stripped = _NOISE.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text[:300] + ("…" if len(text) > 300 else "")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions behind it (cause, else context), each once."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def _root_cause(exc: BaseException) -> str:
    """``Type: message`` of the innermost exception behind ``exc`` (empty when it has none)."""
    behind = list(_chain(exc))[1:]
    if not behind:
        return ""
    root = behind[-1]
    message = " ".join(str(root).split())[:160]
    return f"{type(root).__name__}: {message}" if message else type(root).__name__


def closed_before_response(exc: BaseException) -> bool:
    """Whether the server closed the connection before a byte of its response (aiohttp's
    ServerDisconnectedError, httpx's "without sending a response"), not part-way through."""
    return any(type(e).__name__ == "ServerDisconnectedError" or "without sending a response" in str(e)
               for e in _chain(exc))


def _is_connection_error(exc: BaseException) -> bool:
    if any(type(e).__name__ in ("RemoteProtocolError", "ReadError", "ConnectError", "ConnectionResetError",
                                "ClientPayloadError", "ServerDisconnectedError", "IncompleteRead",
                                "ConnectionRefusedError", "ReadTimeout", "WriteError")
           for e in _chain(exc)):
        return True
    text = str(exc).lower()
    return any(s in text for s in ("peer closed", "connection reset", "incomplete chunked",
                                   "server disconnected", "connection refused"))


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or getattr(exc, "headers", None)
    if not headers:
        return None
    try:
        value = headers.get("retry-after") or headers.get("Retry-After")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
