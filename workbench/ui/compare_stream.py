"""One Compare column's answer: wait for its exchange to be stored, load the model, stream, store.

Runs as an async worker on the app's loop (the gateway is asyncio), so the gateway's delta
callback may touch the column directly; litellm's first import and an in-process model's
load run in threads. The answer is stored through the app's store writer, never the loop.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from workbench.models.types import Response
from workbench.ui.compare_store import save_answer
from workbench.ui.widgets.response_column import ResponseColumn


def _load_litellm() -> None:
    from workbench.models.gateway import load_litellm

    load_litellm()


def local_model_to_load(config: Any, model: str) -> str | None:
    """The in-process model a column's request would load first (None: nothing to load)."""
    spec = (getattr(config, "models", None) or {}).get(model)
    if spec is None or not spec.is_local:
        return None
    from workbench.models.local import LocalModelHost

    return None if LocalModelHost.is_loaded(spec.model) else spec.model


def _load_local_model(name: str) -> None:
    from workbench.models.local import LocalModelHost

    LocalModelHost.get(name)


async def stream_answer(app: Any, column: ResponseColumn, model: str, exchange: "int | Future",
                        messages: list[dict], params: dict, cancel: asyncio.Event) -> Response | None:
    """Stream ``model``'s answer into ``column`` and queue it for the store.

    ``exchange`` is the stored exchange's id, or the store writer's future for it (a new
    send). Returns the response for the column to show; None when nothing was sent (the
    exchange could not be stored: the column says why). On cancellation of the worker (the
    app closing) what arrived is stored and the cancellation goes on.
    """
    if isinstance(exchange, Future):
        column.set_phase("storing the prompt")
        try:
            exchange_id = (await asyncio.wrap_future(exchange)).exchange_id
        except asyncio.CancelledError:  # the app is closing: the empty answer is kept too
            save_answer(app, exchange, Response(model=model, params=params, text="", status="cancelled",
                                                error="cancelled", error_kind="cancelled"))
            column.running = False
            raise
        except Exception as exc:  # said once by the screen; the column says why it is empty
            await column.finish(Response(model=model, params=params, status="error",
                                         error=f"not sent: could not store the exchange ({exc})",
                                         error_kind="other"))
            return None
    else:
        exchange_id = exchange
    try:
        # litellm's first import takes seconds: do it in a thread, never on the loop.
        column.set_phase("starting")
        await asyncio.to_thread(_load_litellm)
        await _load_model_first(app, column, model, cancel)
        column.set_phase(None)  # sent now: the live ttft counts from here, as the stored one
        response = await app.gateway.complete(model, messages, on_delta=column.on_delta,
                                              cancel=cancel, **params)
    except asyncio.CancelledError:
        # The worker itself was cancelled (app closing): keep and store what arrived.
        response = Response(model=model, params=params, text=column.text, status="cancelled",
                            error="cancelled", error_kind="cancelled")
        save_answer(app, exchange_id, response)
        column.running = False
        raise
    except Exception as exc:  # the gateway reports model errors; this is anything else
        response = Response(model=model, params=params, text=column.text, status="error",
                            error=f"{type(exc).__name__}: {exc}", error_kind="other")
    save_answer(app, exchange_id, response)
    return response


async def _load_model_first(app: Any, column: ResponseColumn, model: str, cancel: asyncio.Event) -> None:
    """Load an in-process model before the request, saying so in the column.

    Loading takes seconds; the column says "loading model …" meanwhile rather than
    "waiting for the first token". A model that fails to load is left to the gateway,
    which reports the error in the column as any other.
    """
    try:
        app.gateway  # registers the configured local paths
        name = local_model_to_load(app.config, model)
        if name is None:
            return
        column.set_phase("loading model")  # which one is in the title
        load = asyncio.ensure_future(asyncio.to_thread(_load_local_model, name))
        load.add_done_callback(lambda f: f.cancelled() or f.exception())  # reported by the gateway
        stop = asyncio.ensure_future(cancel.wait())  # a stop while loading answers at once
        try:
            await asyncio.wait({load, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
    except Exception:
        return
