"""The TUI's one store writer: every SQLite write the app makes runs here, never on the UI loop.

A write may wait for seconds: another process (a CLI run, a job worker) can hold the file's
write lock, and the store then waits out the busy timeout and retries for up to
``WRITE_WAIT_S``. Done on the event loop, that wait froze every key and frame. Here one
thread owns its own connection and runs the submitted jobs one at a time, in the order they
were submitted, so a review verdict and its undo land in that order. Each ``submit`` returns a
``concurrent.futures.Future``: screens post themselves a message from its done-callback (which
runs in the writer thread; ``post_message`` is thread-safe) or await it with
``asyncio.wrap_future`` in an async worker. ``close`` runs whatever is still queued before it
returns, so quitting the app loses no write.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from textual.message import Message

log = logging.getLogger("workbench.ui.store_writer")

T = TypeVar("T")


@dataclass
class _Job(Generic[T]):
    run: Callable[[Any], T]
    future: Future[T]
    name: str


@dataclass
class WriteFailed(Message):
    """A write that did not happen, said in one line (the app shows it as an error)."""

    text: str


def report_failure(future: Future[Any], target: Any, what: str) -> None:
    """When ``future`` fails, post WriteFailed("could not <what>: <why>") to ``target``."""

    def done(f: Future[Any]) -> None:
        exc = f.exception()
        if exc is not None:
            target.post_message(WriteFailed(f"could not {what}: {exc}"))

    future.add_done_callback(done)


class WriterClosed(RuntimeError):
    """A write submitted after the app began closing (it would never run)."""


class StoreWriter:
    """One thread with its own connection (from ``open_db``) that runs write jobs in order."""

    def __init__(self, open_db: Callable[[], Any], *, name: str = "store-writer") -> None:
        self._open_db = open_db
        self._name = name
        self._queue: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._pending = 0
        self._db: Any = None

    @property
    def pending(self) -> int:
        """Jobs submitted and not finished yet (queued or running)."""
        return self._pending

    def submit(self, job: Callable[[Any], T], *, name: str = "") -> Future[T]:
        """Queue ``job(db)``; its result (or exception) comes back in the returned future."""
        future: Future[T] = Future()
        # Not cancellable: an awaiter cancelled on quit (asyncio.wrap_future passes the
        # cancel on) must not drop a write that is queued.
        future.set_running_or_notify_cancel()
        with self._lock:
            if self._closed:
                raise WriterClosed("the app is closing: nothing more can be written")
            if self._thread is None:
                # Started on first use: an app that never writes never opens this connection.
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()
            self._pending += 1
            self._queue.put(_Job(job, future, name or getattr(job, "__name__", "write")))
        return future

    def _serve(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                break
            try:
                try:
                    if self._db is None:
                        self._db = self._open_db()
                    result = job.run(self._db)
                except BaseException as exc:  # handed to whoever waits on the future
                    log.warning("store write %s failed: %s", job.name, exc)
                    job.future.set_exception(exc)
                else:
                    job.future.set_result(result)
            finally:
                with self._lock:
                    self._pending -= 1
        if self._db is not None:
            try:
                self._db.close()
            except Exception:
                pass
            self._db = None

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every job submitted so far has finished; False if ``timeout`` ran out."""
        try:
            marker = self.submit(lambda db: None, name="flush")
        except WriterClosed:
            return self.close(timeout)
        try:
            marker.result(timeout)
        except TimeoutError:
            return False
        return True

    def close(self, timeout: float | None = None) -> bool:
        """Refuse new jobs, run the queued ones, then stop; False if ``timeout`` ran out first."""
        with self._lock:
            self._closed = True
            thread = self._thread
            if thread is not None and thread.is_alive():
                self._queue.put(None)  # after every job already queued
        if thread is None:
            return True
        if self._pending:
            log.info("waiting for %d store writes before closing", self._pending)
        thread.join(timeout)
        return not thread.is_alive()
