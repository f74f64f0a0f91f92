"""Getting a model's answer for RSE: reuse a stored one, share one in flight, or ask the gateway.

Both the run and the homogenization matrix need "model M's answer to messages X with
params P" many times over (one reference answer serves every target; a matrix re-reads
what earlier runs produced). :class:`Responder` is that single door:

1. an answer already obtained in this process for the same side and request is shared
   (so N targets wait on one reference call instead of sending N);
2. unless ``fresh``, the newest successful stored response with the same request hash
   (model, messages, params) is reused, whoever asked it;
3. otherwise the gateway is asked and the response is stored, with its exchange.

"Side" keeps the reference's and a target's answers apart inside one run even when the
two requests are identical (the model against itself): with ``fresh`` each side is asked
on its own, which is what a self-consistency check needs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from workbench.models.types import request_hash
from workbench.store.db import to_json
from workbench.store.exchanges import create_exchange, find_reusable_response, get_response, save_response


@dataclass(frozen=True)
class Answer:
    """One side's answer as the runner needs it."""

    response_id: int | None
    text: str
    ok: bool
    error: str | None = None
    reused: bool = False
    request_hash: str | None = None


def merged_params(gateway: Any, model: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(litellm model string, params as the gateway will send them) — what the request hash covers."""
    spec = gateway.resolve(model)
    return spec.model, {**spec.params, **{k: v for k, v in params.items() if v is not None}}


def hash_for(gateway: Any, model: str, messages: list[dict], params: dict[str, Any]) -> str:
    model_string, merged = merged_params(gateway, model, params)
    return request_hash(model_string, messages, merged)


def stored_answer(db: Any, response_id: int | None) -> Answer | None:
    """A stored response as an Answer, if it exists and succeeded (resume reads these back)."""
    if response_id is None:
        return None
    row = get_response(db, response_id)
    if row is None or row.status != "ok":
        return None
    return Answer(response_id=row.id, text=row.text, ok=True, reused=True)


class Responder:
    def __init__(self, db: Any, gateway: Any, *, fresh: bool = False, session_id: int | None = None,
                 cancel: asyncio.Event | None = None):
        self.db = db
        self.gateway = gateway
        self.fresh = fresh
        self.session_id = session_id
        self.cancel = cancel
        self.sent = 0  # requests that went to a model
        self.reused = 0
        self._inflight: dict[tuple[str, str], asyncio.Task] = {}
        self._exchanges: dict[str, int] = {}
        if session_id is not None:
            # Resume: the exchanges this session already has, by the exact messages sent.
            for row in db.query("select id, messages from exchanges where session_id = ? order by id",
                                [session_id]):
                self._exchanges.setdefault(row["messages"], row["id"])

    async def get(self, model: str, messages: list[dict], params: dict[str, Any], *,
                  side: str, exchange: bool = True) -> Answer:
        h = hash_for(self.gateway, model, messages, params)
        key = (side, h)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._obtain(model, messages, params, h, exchange))
            self._inflight[key] = task
        # shield: one waiter being cancelled must not cancel the call others share.
        answer = await asyncio.shield(task)
        if not answer.ok:
            # A failed call is not cached: the next waiter (or a resume) asks again.
            self._inflight.pop(key, None)
        return answer

    async def _obtain(self, model: str, messages: list[dict], params: dict[str, Any], h: str,
                      exchange: bool) -> Answer:
        if not self.fresh:
            row = find_reusable_response(self.db, h)
            if row is not None:
                self.reused += 1
                return Answer(response_id=row.id, text=row.text, ok=True, reused=True, request_hash=h)
        self.sent += 1
        response = await self.gateway.complete(model, messages, cancel=self.cancel, **params)
        if response.status == "cancelled":
            # Not stored: a cut-off answer must never be reused as if it were whole.
            return Answer(response_id=None, text=response.text, ok=False, error="cancelled", request_hash=h)
        exchange_id = self._exchange_for(messages) if exchange else None
        rid = save_response(self.db, exchange_id, response)
        return Answer(response_id=rid, text=response.text, ok=response.ok, error=response.error,
                      request_hash=h)

    def _exchange_for(self, messages: list[dict]) -> int | None:
        if self.session_id is None:
            return None
        blob = to_json(messages)
        eid = self._exchanges.get(blob)
        if eid is None:
            last_user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), "")
            system = next((m["content"] for m in messages if m.get("role") == "system"), None)
            eid = create_exchange(self.db, self.session_id, last_user, messages, system=system)
            self._exchanges[blob] = eid
        return eid

    async def close(self) -> None:
        """Cancel calls still in flight (a cancelled run leaves nothing running behind it)."""
        pending = [t for t in self._inflight.values() if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        self._inflight.clear()
