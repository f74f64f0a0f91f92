"""The Gateway: resolves a model name to its spec and sends requests (``complete``, ``generate``)."""

from __future__ import annotations

import asyncio
from typing import Any

from workbench.config import ModelSpec, WorkbenchConfig, load_config

from .. import local
from ..params import choose_params
from ..types import Response, request_hash
from .client import load_litellm
from .errors import GatewayError, UnknownModelError
from .preflight import preflight_models
from .stream import DeltaCallback, StreamingCalls, _CallState

# Params a caller may pass through to the model; anything else is a programming error.
PASSTHROUGH_PARAMS = ("temperature", "max_tokens", "top_p", "seed", "stop", "presence_penalty",
                      "frequency_penalty", "response_format")  # response_format: EvoKD's JSON schemas


class Gateway(StreamingCalls):
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

    def preflight(self, names: list[str], timeout: float = 5.0) -> None:
        """Before a run: raise GatewayError, in one line, if a model's API key is not set or
        its api_base answers nothing (one probe request per server)."""
        preflight_models(self.resolve, names, timeout)

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


def closest_names(name: str, known: Any, n: int = 3) -> list[str]:
    """Configured names that look like a mistyped ``name`` (best first)."""
    import difflib

    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[c] for c in close]
