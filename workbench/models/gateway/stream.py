"""The attempt loop behind ``Gateway.complete``: bounded concurrency, retries with backoff, the
per-request and stall timeouts, streaming deltas, and the figures (timings, tokens, cost) of a Response."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from workbench.clock import now
from workbench.config import ModelSpec, WorkbenchConfig

from .. import local
from ..types import RETRYABLE, Attempt, Response, ResponseStatus
from . import client
from .client import load_litellm
from .errors import GatewayError, backoff_delay, classify_error, closed_before_response
from .router import _router_kwargs, build_router

DeltaCallback = Callable[[str, bool], Any]  # (text, restart) — restart clears text shown so far


@dataclass
class _CallState:
    """What one request has produced so far (kept when it is cancelled)."""

    response: Response
    started: float = field(default_factory=time.perf_counter)
    first_token_at: float | None = None
    last_token_at: float | None = None
    sent_at: float | None = None  # the answering attempt's call into litellm: ttft starts here
    load_s: float = 0.0  # waiting for a local model to load, kept out of ttft and tok/s
    client_s: float = 0.0  # importing litellm (the process's first request), kept out of ttft
    parts: list[str] = field(default_factory=list)


class StreamingCalls:
    """The part of :class:`Gateway` that sends a resolved request: one mixin, so the calls keep
    the gateway's per-model semaphores, routers and config."""

    config: WorkbenchConfig
    _semaphores: dict[tuple[int, str], asyncio.Semaphore]

    def _semaphore(self, spec: ModelSpec) -> asyncio.Semaphore:
        key = (id(asyncio.get_running_loop()), spec.name)
        sem = self._semaphores.get(key)
        if sem is None:
            sem = self._semaphores[key] = asyncio.Semaphore(spec.max_concurrency)
        return sem

    async def _run(self, spec: ModelSpec, messages: list[dict], params: dict[str, Any],
                   state: _CallState, on_delta: DeltaCallback | None, timeout: float,
                   max_retries: int) -> Response:
        async with self._semaphore(spec):
            state.started = time.perf_counter()
            attempt = 0
            while True:
                attempt += 1
                attempt_started, t0 = now(), time.perf_counter()
                try:
                    await self._attempt(spec, messages, params, state, on_delta, timeout)
                except asyncio.CancelledError:
                    state.response.attempts.append(Attempt(attempt, attempt_started,
                                                           time.perf_counter() - t0, "error",
                                                           "cancelled", "cancelled"))
                    raise
                except Exception as exc:  # every provider error is classified, never lost
                    kind, message, retry_after = classify_error(exc, spec, timeout)
                    state.response.attempts.append(Attempt(attempt, attempt_started,
                                                           time.perf_counter() - t0, "error",
                                                           kind, message))
                    if kind in RETRYABLE and attempt <= max_retries or _hung_up_before_answering(
                            exc, kind, state, spec, attempt, max_retries):
                        await asyncio.sleep(backoff_delay(attempt, retry_after))
                        if state.parts and on_delta is not None:
                            on_delta("", True)
                        state.parts.clear()
                        state.first_token_at = state.last_token_at = None
                        continue
                    return self._finish(state, status="error", error_kind=kind, error=message)
                state.response.attempts.append(Attempt(attempt, attempt_started,
                                                       time.perf_counter() - t0, "ok"))
                return self._finish(state, status="ok")

    async def _attempt(self, spec: ModelSpec, messages: list[dict], params: dict[str, Any],
                       state: _CallState, on_delta: DeltaCallback | None, timeout: float) -> None:
        if client._litellm is None:
            # The client's start-up (seconds for the first request of a process), timed apart
            # from the request. In a thread: the loop keeps serving other streams meanwhile.
            t0 = time.perf_counter()
            try:
                await asyncio.to_thread(load_litellm)
            finally:
                state.client_s += time.perf_counter() - t0
        litellm = load_litellm()
        kwargs: dict[str, Any] = {
            "model": spec.model, "messages": messages, "stream": True,
            "timeout": timeout, "num_retries": 0, "max_retries": 0, "drop_params": True, **params,
        }
        kwargs["stream_options"] = {"include_usage": True}
        if spec.api_base:
            kwargs["api_base"] = spec.api_base
        if spec.api_key_env:
            key = os.environ.get(spec.api_key_env)
            if not key:
                raise GatewayError(f"{spec.name}: environment variable {spec.api_key_env} is not set "
                                   "(export it with the provider's API key)", "auth")
            kwargs["api_key"] = key
        elif spec.api_base and not spec.is_local:
            kwargs.setdefault("api_key", "none")  # local OpenAI-compatible servers need no key

        if spec.is_local and not local.LocalModelHost.is_loaded(spec.model):
            # Load here rather than inside the stream, so the load is timed on its own: the
            # first answer's ttft and tok/s then describe generation, as later answers' do.
            t0 = time.perf_counter()
            try:
                await asyncio.to_thread(local.LocalModelHost.get, spec.model)
            finally:
                state.load_s += time.perf_counter() - t0
        if spec.is_local:
            # A GGUF model answers from its llama-server: an OpenAI-compatible endpoint.
            kwargs.update(local.route_kwargs(spec.model))
            if kwargs.get("max_tokens") is None:
                # Without it llama-server writes until EOS or the slot's context is full (4096
                # tokens): a small model that never says EOS holds a slot for minutes. The cap is
                # the one in-process generation has always had.
                kwargs["max_tokens"] = local.DEFAULT_MAX_TOKENS

        response = state.response
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout) as deadline:
            state.sent_at = time.perf_counter()
            if spec.deployments:
                stream = await self._router(spec).acompletion(**_router_kwargs(kwargs, spec))
            else:
                stream = await litellm.acompletion(**kwargs)
            finish_reason = None
            try:
                async for chunk in stream:
                    # Stall timeout: each chunk must arrive within `timeout` of the last one.
                    deadline.reschedule(loop.time() + timeout)
                    usage = getattr(chunk, "usage", None)
                    if usage is not None and getattr(usage, "completion_tokens", None) is not None:
                        response.prompt_tokens = usage.prompt_tokens
                        response.completion_tokens = usage.completion_tokens
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    text = getattr(choice.delta, "content", None) or ""
                    if text:
                        state.last_token_at = time.perf_counter()
                        if state.first_token_at is None:
                            state.first_token_at = state.last_token_at
                        state.parts.append(text)
                        if on_delta is not None:
                            on_delta(text, False)
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
            finally:
                # A stall, a cancel or an error leaves the HTTP response open until garbage
                # collection; close it now so the connection goes back to the pool.
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()
        response.finish_reason = finish_reason
        if response.completion_tokens is None and state.parts:
            # Servers that send no usage: one streamed chunk is about one token.
            response.completion_tokens = len(state.parts)

    def _router(self, spec: ModelSpec) -> Any:
        """The litellm Router that spreads ``spec`` over its deployments (one per model)."""
        routers = self.__dict__.setdefault("_routers", {})
        if spec.name not in routers:
            routers[spec.name] = build_router(spec)
        return routers[spec.name]

    def _finish(self, state: _CallState, *, status: ResponseStatus, error_kind: str | None = None,
                error: str | None = None) -> Response:
        r = state.response
        r.text = "".join(state.parts)
        r.status = status
        r.error = error
        r.error_kind = error_kind
        r.total_s = time.perf_counter() - state.started
        r.load_s = state.load_s or None
        r.client_s = state.client_s or None
        if state.first_token_at is not None and state.sent_at is not None:
            r.ttft_s = state.first_token_at - state.sent_at
            r.generation_s = (state.last_token_at or state.first_token_at) - state.first_token_at
        else:
            r.ttft_s = r.generation_s = None
        if status == "cancelled" and r.completion_tokens is None and state.parts:
            r.completion_tokens = len(state.parts)
        r.cost_usd = self._cost(r)
        return r

    def _cost(self, r: Response) -> float | None:
        spec = self.config.models.get(r.model)
        model_string = spec.model if spec else r.model
        if model_string.startswith("local/"):
            return 0.0
        if r.prompt_tokens is None or r.completion_tokens is None:
            return None
        try:
            litellm = load_litellm()
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=model_string, prompt_tokens=r.prompt_tokens,
                completion_tokens=r.completion_tokens)
        except Exception:  # litellm raises for models missing from its price map
            return None
        return float(prompt_cost + completion_cost)


def _hung_up_before_answering(exc: BaseException, kind: str, state: _CallState, spec: ModelSpec,
                              attempt: int, max_retries: int) -> bool:
    """One more try for a server on this machine that closed the connection before a token.

    llama-server closes a keep-alive connection after 5 s idle while the client's pool keeps
    it for 15 s; a request sent on it as it closes fails with "Server disconnected" before the
    server has read it. Sending it again costs nothing and is safe; a remote server's failures,
    and any failure once text has streamed, keep the model's own max_retries.
    """
    return (kind == "connection" and attempt == max_retries + 1 and not state.parts
            and closed_before_response(exc) and on_this_machine(spec))


def on_this_machine(spec: ModelSpec) -> bool:
    """A local model (its own llama-server) or an api_base on a loopback address."""
    if spec.is_local:
        return True
    if not spec.api_base:
        return False
    host = urlsplit(spec.api_base).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
