"""Runs a probe's items: bounded concurrency, each finished item persisted at once, resume.

A domain runner (ICE, RSE) turns its work into :class:`WorkItem` s with a stable ``key``
and an async ``process`` step. The engine skips keys a previous attempt already answered,
runs the rest with at most ``concurrency`` in flight, writes each result in its own
transaction the moment it is done, and reports progress through ``on_event``. Killing the
process loses at most the items in flight; ``resume`` re-runs exactly those.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

from workbench.store import open_db
from workbench.store.runs import RunRow, RunStatus, answered_keys, ensure_item, get_run, update_run

from .lock import RunBusy, RunLock

__all__ = ["Engine", "RunBusy", "RunEvent", "RunInterrupted", "WorkItem", "effective_status", "resumable"]

log = logging.getLogger(__name__)


@dataclass
class WorkItem:
    key: str
    prompt: str
    meta: dict[str, Any] = field(default_factory=dict)
    payload: Any = None  # whatever the domain step needs (messages, template, ...)


@dataclass
class RunEvent:
    """What a run reports: ``item`` (one item finished), ``progress``, ``state`` or ``finished``."""

    kind: str
    run_id: int
    done: int = 0
    total: int = 0
    item_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


# process(db, item_id, work_item) persists its own result through db and returns a summary.
ProcessFn = Callable[[Any, int, WorkItem], Awaitable[dict[str, Any]]]
EventFn = Callable[[RunEvent], Any]


class RunInterrupted(Exception):
    pass


@dataclass
class Engine:
    db_path: Path
    run_id: int
    concurrency: int = 4
    on_event: EventFn | None = None
    cancel: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        # Claimed for the engine's life: a second resume of this run fails here with RunBusy.
        self.lock = RunLock(self.db_path, self.run_id).acquire()
        self.db = open_db(self.db_path)
        self.done = 0
        self.total = 0
        self.failures = 0

    def emit(self, kind: str, **kw: Any) -> None:
        if self.on_event is not None:
            try:
                self.on_event(RunEvent(kind=kind, run_id=self.run_id, done=self.done, total=self.total, **kw))
            except Exception:  # a broken listener must not kill the run
                log.exception("run event listener failed")

    def pending(self, items: list[WorkItem]) -> list[WorkItem]:
        seen = answered_keys(self.db, self.run_id)
        return [w for w in items if w.key not in seen]

    async def run(self, items: list[WorkItem], process: ProcessFn) -> None:
        """Process every item not answered yet; raises RunInterrupted if cancelled."""
        todo = self.pending(items)
        self.total += len(items)
        self.done += len(items) - len(todo)
        self.emit("progress")
        sem = asyncio.Semaphore(max(1, self.concurrency))

        async def one(w: WorkItem) -> None:
            async with sem:
                if self.cancel.is_set():
                    return
                item_id = ensure_item(self.db, self.run_id, w.key, w.prompt, w.meta)
                t0 = time.perf_counter()
                summary = await process(self.db, item_id, w)
                self.done += 1
                if summary.get("error"):
                    self.failures += 1
                self.emit("item", item_id=item_id, data={**summary, "key": w.key, "meta": w.meta,
                                                          "seconds": time.perf_counter() - t0})

        tasks = [asyncio.ensure_future(one(w)) for w in todo]
        cancel_wait = asyncio.ensure_future(self.cancel.wait())
        try:
            pending: set[asyncio.Future[Any]] = set(tasks)
            while pending:
                done, pending = await asyncio.wait(pending | {cancel_wait}, return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    if t is not cancel_wait and (exc := t.exception()) is not None:
                        raise exc
                pending.discard(cancel_wait)
                if self.cancel.is_set():
                    for t in pending:
                        t.cancel()
                    await asyncio.gather(*pending, return_exceptions=True)
                    raise RunInterrupted(f"run {self.run_id} cancelled")
        finally:
            cancel_wait.cancel()
            for t in tasks:
                if not t.done():
                    t.cancel()

    def save_state(self, state: dict[str, Any]) -> None:
        update_run(self.db, self.run_id, state=state)
        self.emit("state", data={"state": state})

    def finish(self, status: RunStatus, error: str | None = None) -> None:
        update_run(self.db, self.run_id, status=status, error=error)
        self.lock.release()
        self.emit("finished", data={"status": status, "error": error})

    def close(self) -> None:
        """Give the run back without a final status (the runner failed before it started)."""
        self.lock.release()


def resumable(db: Any, run_id: int, kind: str) -> Any:
    """The run to resume, or a one-line reason why it cannot be."""
    run = get_run(db, run_id)
    if run is None:
        raise LookupError(f"no run {run_id}: list runs with `workbench {kind} runs`")
    if run.kind != kind:
        raise LookupError(f"run {run_id} is a {run.kind} run, not {kind}")
    if run.status in ("done", "imported"):
        raise LookupError(f"run {run_id} already finished ({run.status}); nothing to resume")
    path = _db_file(db)
    if path is not None:
        RunLock(path, run_id).check()  # RunBusy is a LookupError: one line, before any work
    return run


def effective_status(db: Any, run: RunRow) -> RunStatus:
    """The run's status as a user should see it: a run stored as "running" whose process is
    gone (killed, crashed, machine rebooted) is "interrupted", and can be resumed."""
    if run.status != "running":
        return run.status
    path = _db_file(db)
    if path is None:
        return run.status
    if RunLock(path, run.id).busy():
        return "running"
    # The owner records its final status before it lets go of the lock, so a row read
    # before that write is stale: read it again before calling the run interrupted.
    fresh = get_run(db, run.id)
    return fresh.status if fresh is not None and fresh.status != "running" else "interrupted"


def _db_file(db: Any) -> str | None:
    """The file behind a sqlite-utils Database (None for an in-memory one)."""
    try:
        rows = db.execute("pragma database_list").fetchall()
    except Exception:
        return None
    return next((r[2] for r in rows if r[1] == "main" and r[2]), None)
