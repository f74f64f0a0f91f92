"""What the Compare screen stores, as jobs for the app's store writer (never on the UI loop).

A send stores its session (the first time) and exchange before any model is asked; the
columns wait for that write (``asyncio.wrap_future``) while the screen stays live, then
stream. Each finished answer is a save job queued behind it; the session's usage totals are
read in a job too, so they are read after the writes queued before them. Reads the screen
needs (the session of a reopened exchange, earlier prompts) run on its worker threads.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

from textual.message import Message
from textual.message_pump import MessagePump

from workbench.ui.store_writer import WriterClosed, report_failure


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


# -- the screen's side: queue the jobs, never wait for them on the loop ---------------------

def save_answer(app: Any, exchange: "int | Future[StoredExchange]", response: Any) -> None:
    """Queue the answer's insert on the store writer (flushed before the app exits);
    ``exchange`` may be the future of its exchange's insert, queued before this."""
    try:
        saved = app.writer.submit(save_response_job(exchange, response), name="save answer")
    except WriterClosed:  # only while the app closes, after the writer's last flush
        return
    report_failure(saved, app, f"store the answer of {response.model}")


def request_usage(app: Any, session_id: int, to: MessagePump) -> None:
    """Ask the store writer for the session's totals (read after the writes queued before);
    they come back to ``to`` as a UsageRead message."""

    def done(future: Future) -> None:
        # The totals are a courtesy: a failed read shows none rather than an error.
        usage = None if future.exception() is not None else future.result()
        to.post_message(UsageRead(session_id, usage))

    try:
        app.writer.submit(usage_job(session_id), name="session usage").add_done_callback(done)
    except WriterClosed:
        pass


def read_session(app: Any, session_id: int) -> Any:
    """A session row, read on a worker thread with its own read connection."""
    from workbench.store.exchanges import get_session

    db = app.read_db()
    try:
        return get_session(db, session_id)
    finally:
        db.close()


def read_recent_prompts(app: Any) -> list[str]:
    """Every prompt sent, newest first; on a worker thread with its own read connection."""
    from workbench.store.exchanges import recent_prompts

    db = app.read_db()
    try:
        return recent_prompts(db)
    finally:
        db.close()
