"""A probe run (ICE, RSE) on its own event loop in its own thread, never on the UI loop.

A runner persists each item the moment it finishes (``workbench.runs.engine``), with plain
synchronous store calls on its own connection; each may wait for seconds while another
process holds the write lock. On the UI loop that froze the app, so the screens start the
runner here: a thread with its own asyncio loop (the gateway keeps its concurrency limits
per loop, and litellm its clients). Its events still come back as messages (Textual's
``post_message`` is thread-safe); its result comes back through ``future``. ``stop()`` sets
the runner's cancel event on its own loop, from any thread. The app stops every run thread
still going when it closes and waits for each to record its final status.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any, Awaitable, Callable, Generic, TypeVar

T = TypeVar("T")


class RunThread(Generic[T]):
    """Runs ``main(cancel)`` with ``asyncio.run`` in a thread; ``cancel`` belongs to that loop."""

    def __init__(self, name: str, main: Callable[[asyncio.Event], Awaitable[T]]) -> None:
        self.name = name
        self.future: Future[T] = Future()
        self._main = main
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancel: asyncio.Event | None = None
        self._stop_asked = False
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def start(self) -> Future[T]:
        # Not cancellable: an awaiter cancelled on quit (asyncio.wrap_future passes the cancel
        # on) must not orphan the run; the app stops it with stop() and waits for it.
        self.future.set_running_or_notify_cancel()
        self._thread.start()
        return self.future

    def _serve(self) -> None:
        async def body() -> T:
            with self._lock:
                self._loop = asyncio.get_running_loop()
                self._cancel = asyncio.Event()
                if self._stop_asked:
                    self._cancel.set()
            return await self._main(self._cancel)

        try:
            result = asyncio.run(body())
        except BaseException as exc:  # handed to whoever waits on the future
            self.future.set_exception(exc)
        else:
            self.future.set_result(result)
        finally:
            with self._lock:
                self._loop = None

    def stop(self) -> None:
        """Ask the run to stop (what finished stays stored); safe from any thread."""
        with self._lock:
            self._stop_asked = True
            if self._loop is not None and self._cancel is not None:
                self._loop.call_soon_threadsafe(self._cancel.set)

    @property
    def stopping(self) -> bool:
        return self._stop_asked

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


def start_run_thread(app: Any, name: str, main: Callable[[asyncio.Event], Awaitable[T]]) -> RunThread[T]:
    """Start a RunThread that ``app`` stops and waits for when it closes."""
    run = RunThread(name, main)
    app.run_threads.add(run)
    run.future.add_done_callback(lambda _f: app.run_threads.discard(run))
    run.start()
    return run


async def preflight_problem(gateway: Any, models: list[str]) -> str | None:
    """What the CLI's pre-flight check would refuse a run for (a missing API key, a server that
    answers nothing), in one line, or None. The probe waits on the network, so in a thread."""
    from workbench.models.gateway import GatewayError

    try:
        await asyncio.to_thread(gateway.preflight, models)
    except GatewayError as exc:
        return str(exc)
    return None
