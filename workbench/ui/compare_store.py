"""What the Compare screen stores, as jobs for the app's store writer (never on the UI loop).

A send stores its session (the first time) and exchange before any model is asked; the
columns wait for that write (``asyncio.wrap_future``) while the screen stays live, then
stream. Each finished answer is a save job queued behind it; the session's usage totals are
read in a job too, so they are read after the writes queued before them.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

from textual.message import Message


@dataclass
class StoredExchange:
    session_id: int
    exchange_id: int


@dataclass
class UsageRead(Message):
    """A session's usage totals, read by the store writer after the writes queued before."""

    session_id: int
    usage: Any  # workbench.store.exchanges.SessionUsage, or None if the read failed


def store_exchange_job(session_id: int | None, session_kind: str, prompt: str, messages: list[dict],
                       system: str | None) -> Callable[[Any], StoredExchange]:
    def job(db: Any) -> StoredExchange:
        from workbench.store.exchanges import create_exchange, create_session

        with db.atomic():  # a session is never left without its first exchange
            sid = session_id
            if sid is None:
                sid = create_session(db, session_kind, " ".join(prompt.split())[:80])
            return StoredExchange(sid, create_exchange(db, sid, prompt, messages, system))

    return job


def save_response_job(exchange: "int | Future[StoredExchange]", response: Any) -> Callable[[Any], int]:
    """``exchange`` may be the future of the exchange's own job: queued before this one, it
    has finished by the time this runs (and if it failed, so does this)."""

    def job(db: Any) -> int:
        from workbench.store.exchanges import save_response

        exchange_id = exchange.result(0).exchange_id if isinstance(exchange, Future) else exchange
        return save_response(db, exchange_id, response)

    return job


def usage_job(session_id: int) -> Callable[[Any], Any]:
    def job(db: Any) -> Any:
        from workbench.store.exchanges import session_usage

        return session_usage(db, session_id)

    return job
