"""The process-wide host of local models: each loads (or starts its llama-server) once and is
shared; :func:`stream_local` is how a caller gets tokens from an in-process model."""

from __future__ import annotations

import asyncio
import atexit
import threading
from typing import Any, AsyncIterator

from workbench.heap import freeze_loaded_heap

from .batch import GenRequest, LoadedModel
from .paths import LocalModelError, is_gguf, resolve_path
from .served import _ServedModel

DEFAULT_MAX_TOKENS = 256


def is_loaded_running(short: str) -> bool:
    engine = LocalModelHost._models.get(short)
    return engine is not None and (not isinstance(engine, _ServedModel) or engine.server.alive())


class LocalModelHost:
    """Process-wide cache: each local model loads (or starts its server) once and is shared."""

    _models: dict[str, "LoadedModel | _ServedModel"] = {}
    _lock = threading.Lock()
    _loading: dict[str, threading.Lock] = {}

    @classmethod
    def get(cls, name: str) -> "LoadedModel | _ServedModel":
        short = name.removeprefix("local/")
        with cls._lock:
            if short in cls._models and is_loaded_running(short):
                return cls._models[short]
            lock = cls._loading.setdefault(short, threading.Lock())
        with lock:
            with cls._lock:
                if short in cls._models and is_loaded_running(short):
                    return cls._models[short]
                dead = cls._models.pop(short, None)  # a llama-server that exited
            if dead is not None:
                dead.shutdown()
            path = resolve_path(short)
            if is_gguf(path):
                loaded: LoadedModel | _ServedModel = _ServedModel.start(short, path)
            else:
                loaded = LoadedModel(short, path)
                freeze_loaded_heap()
            with cls._lock:
                if not cls._models:
                    atexit.register(cls.shutdown_all)
                cls._models[short] = loaded
            return loaded

    @classmethod
    def is_loaded(cls, name: str) -> bool:
        """Loaded and usable: a llama-server that died is dropped, so the next get restarts it."""
        short = name.removeprefix("local/")
        with cls._lock:
            engine = cls._models.get(short)
            if isinstance(engine, _ServedModel) and not engine.server.alive():
                del cls._models[short]
                return False
            return engine is not None

    @classmethod
    def shutdown_all(cls) -> None:
        with cls._lock:
            models = list(cls._models.values())
        for model in models:
            model.shutdown()

    @classmethod
    def loaded(cls) -> list[str]:
        with cls._lock:
            return [f"local/{n}" for n in cls._models]


async def stream_local(name: str, messages: list[dict], *, max_tokens: int | None = None,
                       temperature: float | None = None, top_p: float | None = None,
                       seed: int | None = None) -> AsyncIterator[dict[str, Any]]:
    """Yield ``{"text": ...}`` chunks then one ``{"done": True, usage...}`` for a local model."""
    loop = asyncio.get_running_loop()
    model = LocalModelHost._models.get(name.removeprefix("local/"))
    if model is None:
        model = await asyncio.to_thread(LocalModelHost.get, name)
    if not isinstance(model, LoadedModel):
        # A GGUF model answers on its own llama-server: the gateway routes there (route_kwargs).
        raise LocalModelError(f"{name} is served by llama-server, not in this process")
    prompt_ids = await asyncio.to_thread(model.encode_messages, messages)
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def deliver(item: dict[str, Any]) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:
            request.cancelled.set()  # the caller's event loop is gone: stop generating for it

    def on_text(text: str) -> None:
        deliver({"text": text})

    def on_done(info: dict[str, Any]) -> None:
        deliver({"done": True, **info})

    request = GenRequest(
        prompt_ids=prompt_ids,
        max_new_tokens=int(max_tokens or DEFAULT_MAX_TOKENS),
        temperature=float(temperature if temperature is not None else 0.0),
        top_p=float(top_p if top_p is not None else 1.0),
        seed=seed, on_text=on_text, on_done=on_done,
    )
    model.submit(request)
    try:
        while True:
            item = await queue.get()
            if item.get("done"):
                if item.get("error"):
                    raise LocalModelError(item["error"])
                yield item
                return
            yield item
    finally:
        # Closing the stream early (cancel, timeout) frees the batch row for others.
        request.cancelled.set()
