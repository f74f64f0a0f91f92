"""The model gateway: the only module that imports litellm.

Every model call in the workbench goes through :class:`Gateway.complete`: it streams,
bounds concurrency per model, retries 429 / 5xx / timeouts / dropped connections with
exponential backoff and jitter (recording each attempt), enforces a per-request timeout
(time to the first chunk and between chunks), and captures usage and cost. It never raises
for a model error: the returned :class:`Response` carries ``status`` and ``error``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

from workbench.config import ModelSpec, WorkbenchConfig, load_config
from workbench.heap import freeze_loaded_heap
from workbench.clock import now

from . import local
from .params import choose_params
from .types import RETRYABLE, Attempt, Response, ResponseStatus, request_hash

log = logging.getLogger(__name__)

# Params a caller may pass through to the model; anything else is a programming error.
PASSTHROUGH_PARAMS = ("temperature", "max_tokens", "top_p", "seed", "stop", "presence_penalty",
                      "frequency_penalty", "response_format")  # response_format: EvoKD's JSON schemas
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 20.0

DeltaCallback = Callable[[str, bool], Any]  # (text, restart) — restart clears text shown so far

_litellm_lock = threading.Lock()
_litellm: Any = None


class GatewayError(Exception):
    """A model call that failed for good; ``kind`` says why (see types.ErrorKind)."""

    def __init__(self, message: str, kind: str = "other"):
        super().__init__(message)
        self.kind = kind


class UnknownModelError(GatewayError):
    def __init__(self, message: str):
        super().__init__(message, "not_found")


def load_litellm() -> Any:
    """Import litellm once, quietly, with the local provider registered. Thread-safe."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _litellm_lock:
        if _litellm is not None:
            return _litellm
        # Without this litellm fetches a price list over the network at import.
        os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        os.environ.setdefault("LITELLM_LOG", "CRITICAL")
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx"):
            lg = logging.getLogger(name)
            lg.setLevel(logging.CRITICAL)
            lg.propagate = False
        import litellm

        # acompletion prepares a request in a thread and gets back a coroutine to await; a
        # cancel (Ctrl-C, escape) in between leaves that coroutine unstarted, so nothing was
        # sent and nothing leaks, but Python warns on stderr when it is collected.
        warnings.filterwarnings("ignore", message=r"coroutine '.*\.async_streaming' was never awaited",
                                category=RuntimeWarning)
        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        litellm.telemetry = False
        # A param a provider lacks is dropped, not an error: asked per request (drop_params=True
        # in _attempt), not globally, because the global flag also makes litellm's OpenAI
        # handler answer a 422 by resending the request once, unseen by our retries and
        # attempts, and return None when the resend gets a 422 too (litellm#32221): a
        # rejected request then came back as an answer, or as a TypeError.
        litellm.drop_params = False
        # We record usage, cost and attempts ourselves; litellm's per-chunk logging and
        # success callbacks only cost CPU (a third of a streamed request's overhead).
        litellm.disable_streaming_logging = True
        litellm.disable_hf_tokenizer_download = True  # never reach for a hub at run time
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
            lg = logging.getLogger(name)
            lg.handlers.clear()
            lg.addHandler(logging.NullHandler())
            lg.propagate = False
        litellm.custom_provider_map = [
            {"provider": "local", "custom_handler": make_local_provider()}
        ]
        from litellm.utils import custom_llm_setup

        custom_llm_setup()
        freeze_loaded_heap()
        _litellm = litellm
        return litellm


def make_local_provider() -> Any:
    """Build the litellm CustomLLM handler for ``local/...``: an in-process model
    (:func:`workbench.models.local.stream_local`) served as a litellm provider. Imports litellm:
    called by :func:`load_litellm`."""
    from litellm import CustomLLM
    from litellm.llms.custom_llm import CustomLLMError

    class LocalProvider(CustomLLM):
        async def astreaming(self, model: str, messages: list, *args: Any, **kwargs: Any):
            params = kwargs.get("optional_params") or {}
            try:
                async for item in local.stream_local(
                    model, messages, max_tokens=params.get("max_tokens"),
                    temperature=params.get("temperature"), top_p=params.get("top_p"),
                    seed=params.get("seed"),
                ):
                    if item.get("done"):
                        pt, ct = item.get("prompt_tokens", 0), item.get("completion_tokens", 0)
                        yield {"text": "", "is_finished": True, "index": 0, "tool_use": None,
                               "finish_reason": item.get("finish_reason", "stop"),
                               "usage": {"prompt_tokens": pt, "completion_tokens": ct,
                                         "total_tokens": pt + ct}}
                    else:
                        yield {"text": item["text"], "is_finished": False, "index": 0,
                               "tool_use": None, "finish_reason": "", "usage": None}
            except local.LocalModelError as exc:
                raise CustomLLMError(status_code=400, message=str(exc)) from exc

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any):
            import litellm

            parts: list[str] = []
            usage: dict[str, Any] = {}
            async for chunk in self.astreaming(model, messages, *args, **kwargs):
                parts.append(chunk["text"])
                if chunk.get("usage"):
                    usage = chunk["usage"]
            return litellm.ModelResponse(
                model=f"local/{model}",
                choices=[{"message": {"role": "assistant", "content": "".join(parts)},
                          "finish_reason": "stop", "index": 0}],
                usage=usage or None,
            )

    return LocalProvider()


def preload_litellm() -> None:
    """Start importing litellm in a background thread: a command that will send calls this
    as soon as its input is checked, so the import (seconds) overlaps opening the database,
    reading the config and the pre-flight probe instead of following them."""
    global _preload
    if _litellm is not None or _preload is not None:
        return

    def load() -> None:
        try:
            load_litellm()
        except Exception:  # the sending path imports again and reports the error there
            log.debug("litellm preload failed", exc_info=True)

    _preload = threading.Thread(target=load, name="litellm-preload", daemon=True)
    _preload.start()


_preload: threading.Thread | None = None


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


class Gateway:
    def __init__(self, config: WorkbenchConfig | None = None):
        self.config = config or load_config()
        self._semaphores: dict[tuple[int, str], asyncio.Semaphore] = {}
        for spec in self.config.models.values():
            if spec.is_local:
                local.register_local_path(spec.model, spec.path)

    # -- models ---------------------------------------------------------------------------
    def model_names(self) -> list[str]:
        return list(self.config.models)

    def resolve(self, name: str) -> ModelSpec:
        """The spec for a configured name, the built-in model, or a raw litellm model string."""
        name = name.strip()
        if name in self.config.models:
            return self.config.models[name]
        if name.startswith("local/"):
            raise UnknownModelError(
                f"unknown local model {name!r}: {self._did_you_mean(name)}add it to {self.config.path} with path = a GGUF "
                "file or Hugging Face folder (run `workbench models` to list models)")
        if "/" in name:
            provider = name.split("/", 1)[0]
            litellm = load_litellm()
            if provider in set(litellm.provider_list):
                return ModelSpec(name=name, model=name)
        raise UnknownModelError(
            f"unknown model {name!r}: {self._did_you_mean(name)}run `workbench models` to list models, use a litellm "
            f"string such as openai/gpt-4o-mini, or add it to {self.config.path}")

    def _did_you_mean(self, name: str) -> str:
        close = closest_names(name, self.config.models)
        return f"did you mean {' or '.join(close)}? " if close else ""

    def _semaphore(self, spec: ModelSpec) -> asyncio.Semaphore:
        key = (id(asyncio.get_running_loop()), spec.name)
        sem = self._semaphores.get(key)
        if sem is None:
            sem = self._semaphores[key] = asyncio.Semaphore(spec.max_concurrency)
        return sem

    def preflight(self, names: list[str], timeout: float = 5.0) -> None:
        """Before a run: raise GatewayError, in one line, if a model's API key is not set or
        its api_base answers nothing (one probe request per server)."""
        probed: set[str] = set()
        for name in dict.fromkeys(names):
            if not name or name == "rule":
                continue
            spec = self.resolve(name)
            if spec.api_key_env and not os.environ.get(spec.api_key_env):
                raise GatewayError(f"{spec.name}: environment variable {spec.api_key_env} is not set "
                                   "(export it with the provider's API key)", "auth")
            missing = provider_key_missing(spec)
            if missing:
                raise GatewayError(f"{spec.name}: environment variable {' or '.join(missing)} is not set (export "
                                   "it with the provider's API key, or name another with api_key_env in "
                                   "models.toml)", "auth")
            if spec.api_base and not spec.is_local and spec.api_base not in probed:
                probed.add(spec.api_base)
                problem = probe_api_base(spec.api_base, timeout)
                if problem:
                    raise GatewayError(f"{spec.name}: cannot reach {spec.api_base} ({problem}): start the "
                                       "server, or fix api_base in models.toml", "connection")

    # -- calls ----------------------------------------------------------------------------
    async def complete(
        self,
        model: str,
        messages: list[dict],
        *,
        on_delta: DeltaCallback | None = None,
        cancel: asyncio.Event | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        **params: Any,
    ) -> Response:
        """Send one chat request; stream deltas to ``on_delta``; always return a Response."""
        try:
            spec = self.resolve(model)
        except GatewayError as exc:
            return Response(model=model, params=params, status="error", error=str(exc),
                            error_kind=exc.kind)
        unknown = set(params) - set(PASSTHROUGH_PARAMS)
        if unknown:
            raise TypeError(f"unsupported model params: {sorted(unknown)}")
        # The one rule (models/params.py): a value the caller gives > the model's models.toml
        # params. Callers with a default of their own resolve it with choose_params first.
        chosen = choose_params(spec.params, params)
        merged = chosen.values
        state = _CallState(Response(model=spec.name, params=merged, param_sources=chosen.sources,
                                    request_hash=request_hash(spec.model, messages, merged)))
        work = asyncio.ensure_future(self._run(spec, messages, merged, state, on_delta,
                                               timeout or spec.timeout,
                                               spec.max_retries if max_retries is None else max_retries))
        if cancel is None:
            try:
                return await work
            except asyncio.CancelledError:
                work.cancel()
                raise
        watcher = asyncio.ensure_future(cancel.wait())
        try:
            done, _ = await asyncio.wait({work, watcher}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            work.cancel()
            watcher.cancel()
            raise
        if work in done:
            watcher.cancel()
            return work.result()
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        return self._finish(state, status="cancelled", error_kind="cancelled", error="cancelled")

    async def generate(self, model: str, messages: list[dict], **params: Any) -> str:
        """Text of one answer, raising GatewayError on failure (the probes' callable)."""
        response = await self.complete(model, messages, **params)
        if not response.ok:
            raise GatewayError(response.error or "model call failed", response.error_kind or "other")
        return response.text

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
                    if kind in RETRYABLE and attempt <= max_retries:
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
        if _litellm is None:
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


def provider_key_missing(spec: ModelSpec) -> list[str]:
    """The API-key variables litellm reads for ``spec``'s provider when none is set (e.g.
    OPENAI_API_KEY for a raw ``openai/gpt-4o-mini``), or [] when one is set or none applies.

    Asked of litellm (``validate_environment``), which knows each provider's variables. Only
    for models litellm finds a key for itself: an ``api_key_env`` is checked by name, an
    ``api_base`` server needs no key. Only *_API_KEY names count: other variables it lists
    (OLLAMA_API_BASE, AWS or Vertex settings) have defaults or other sources.
    """
    if spec.api_key_env or spec.api_base or spec.is_local or spec.deployments:
        return []
    try:
        found = load_litellm().validate_environment(model=spec.model)
    except Exception:  # a provider litellm cannot inspect: the request itself will say
        return []
    if found.get("keys_in_environment"):
        return []
    return [k for k in found.get("missing_keys") or [] if str(k).endswith("_API_KEY")]


def probe_api_base(api_base: str, timeout: float = 5.0) -> str | None:
    """None if the server at ``api_base`` answers HTTP at all (any status), else why not.

    One GET of ``/models`` with the standard library: a 401 or 404 still proves a server is
    there; only a refused connection, a bad address or silence counts as unreachable.
    """
    import socket
    import urllib.error
    import urllib.request

    url = api_base.rstrip("/") + "/models"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return f"no answer in {timeout:g}s"
        return getattr(reason, "strerror", None) or str(reason)
    except (TimeoutError, socket.timeout):
        return f"no answer in {timeout:g}s"
    except (OSError, ValueError) as exc:
        return str(exc) or type(exc).__name__


def closest_names(name: str, known: Any, n: int = 3) -> list[str]:
    """Configured names that look like a mistyped ``name`` (best first)."""
    import difflib

    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[c] for c in close]


def backoff_delay(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, never shorter than the server's Retry-After."""
    base = min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2 ** (attempt - 1)))
    delay = base * (0.5 + random.random() / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP_S * 3))
    return delay


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
        return "connection", f"{spec.name}: connection{where} failed: {text}", None
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


def _is_connection_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if type(cur).__name__ in ("RemoteProtocolError", "ReadError", "ConnectError",
                                   "ConnectionResetError", "ClientPayloadError",
                                   "ServerDisconnectedError", "IncompleteRead",
                                   "ConnectionRefusedError", "ReadTimeout", "WriteError"):
            return True
        cur = cur.__cause__ or cur.__context__
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

