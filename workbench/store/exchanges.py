"""Sessions, exchanges and responses: typed reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from workbench.models.types import Response

from .db import dumps, inserted_id, loads, now


@dataclass
class SessionRow:
    id: int
    kind: str
    title: str
    created: str
    exchanges: int = 0


@dataclass
class ResponseRow:
    id: int
    exchange_id: int | None
    model: str
    params: dict[str, Any]
    text: str
    status: str
    error: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    ttft_s: float | None
    tokens_per_s: float | None
    cost_usd: float | None
    attempts: int
    created: str


@dataclass
class ExchangeRow:
    id: int
    session_id: int
    prompt: str
    system: str | None
    messages: list[dict]
    created: str
    responses: list[ResponseRow] = field(default_factory=list)


def create_session(db: Database, kind: str, title: str) -> int:
    return inserted_id(db.table("sessions").insert({"kind": kind, "title": title[:200], "created": now()}))


def create_exchange(db: Database, session_id: int | None, prompt: str, messages: list[dict],
                    system: str | None = None) -> int:
    return inserted_id(db.table("exchanges").insert({
        "session_id": session_id, "prompt": prompt, "system": system,
        "messages": dumps(messages), "created": now(),
    }))


def save_response(db: Database, exchange_id: int | None, response: Response) -> int:
    """Store a finished response with every attempt; sets ``response.response_id``."""
    with db.atomic():
        rid = inserted_id(db.table("responses").insert({
            "exchange_id": exchange_id,
            "model": response.model,
            "params": dumps(response.params),
            "request_hash": response.request_hash,
            "text": response.text,
            "status": response.status,
            "error": response.error,
            "finish_reason": response.finish_reason,
            "prompt_tokens": response.prompt_tokens,
            "completion_tokens": response.completion_tokens,
            "ttft_s": response.ttft_s,
            "client_s": response.client_s,
            "param_sources": dumps(response.param_sources or None),
            "total_s": response.total_s,
            "tokens_per_s": response.tokens_per_s,
            "cost_usd": response.cost_usd,
            "attempts": len(response.attempts),
            "created": now(),
        }))
        if response.attempts:
            db.table("attempts").insert_all(
                {"response_id": rid, "attempt": a.attempt, "started": a.started, "seconds": a.seconds,
                 "status": a.status, "error_kind": a.error_kind, "error": a.error}
                for a in response.attempts
            )
    response.response_id = rid
    return rid


def find_reusable_response(db: Database, request_hash: str) -> ResponseRow | None:
    """Newest successful response to an identical request, if any."""
    rows = list(db.query(
        "select * from responses where request_hash = ? and status = 'ok' order by id desc limit 1",
        [request_hash]))
    return _response_row(rows[0]) if rows else None


def get_response(db: Database, response_id: int) -> ResponseRow | None:
    rows = list(db.query("select * from responses where id = ?", [response_id]))
    return _response_row(rows[0]) if rows else None


def list_sessions(db: Database, limit: int = 50, kinds: tuple[str, ...] | None = None) -> list[SessionRow]:
    where = ""
    args: list[Any] = []
    if kinds:
        where = f"where s.kind in ({','.join('?' * len(kinds))})"
        args.extend(kinds)
    sql = f"""
        select s.id, s.kind, s.title, s.created, count(e.id) as exchanges
        from sessions s left join exchanges e on e.session_id = s.id
        {where}
        group by s.id order by s.id desc limit ?
    """
    return [SessionRow(**r) for r in db.query(sql, [*args, limit])]


def get_session(db: Database, session_id: int) -> SessionRow | None:
    rows = list(db.query("select id, kind, title, created from sessions where id = ?", [session_id]))
    return SessionRow(**rows[0]) if rows else None


def session_exchanges(db: Database, session_id: int) -> list[ExchangeRow]:
    exchanges = [_exchange_row(r) for r in db.query(
        "select * from exchanges where session_id = ? order by id desc", [session_id])]
    _attach_responses(db, exchanges)
    return exchanges


def get_exchange(db: Database, exchange_id: int) -> ExchangeRow | None:
    rows = list(db.query("select * from exchanges where id = ?", [exchange_id]))
    if not rows:
        return None
    exchange = _exchange_row(rows[0])
    _attach_responses(db, [exchange])
    return exchange


def recent_exchanges(db: Database, limit: int = 100) -> list[ExchangeRow]:
    exchanges = [_exchange_row(r) for r in db.query(
        "select * from exchanges order by id desc limit ?", [limit])]
    _attach_responses(db, exchanges)
    return exchanges


def search_exchanges(db: Database, query: str, limit: int = 100) -> list[ExchangeRow]:
    """Exchanges whose responses match ``query`` (full-text), newest first."""
    fts_query = _fts_query(query)
    if not fts_query:
        return recent_exchanges(db, limit)
    ids = [r["exchange_id"] for r in db.query(
        """select distinct r.exchange_id from responses_fts f
           join responses r on r.rowid = f.rowid
           where responses_fts match ? and r.exchange_id is not null
           order by r.exchange_id desc limit ?""", [fts_query, limit])]
    exchanges = [e for e in (get_exchange(db, i) for i in ids) if e is not None]
    return exchanges


@dataclass(frozen=True)
class SessionUsage:
    exchanges: int
    answers: int
    tokens: int  # prompt + completion, as the providers reported them
    cost_usd: float


def session_usage(db: Database, session_id: int) -> SessionUsage:
    """What a session has spent so far: exchanges, answers, tokens and cost."""
    row = next(db.query(
        """select count(distinct e.id) as exchanges, count(r.id) as answers,
                  coalesce(sum(coalesce(r.prompt_tokens, 0) + coalesce(r.completion_tokens, 0)), 0) as tokens,
                  coalesce(sum(r.cost_usd), 0.0) as cost_usd
           from exchanges e left join responses r on r.exchange_id = e.id
           where e.session_id = ?""", [session_id]))
    return SessionUsage(int(row["exchanges"]), int(row["answers"]), int(row["tokens"]), float(row["cost_usd"]))


def recent_prompts(db: Database, limit: int = 200) -> list[str]:
    """Distinct prompts of stored exchanges, most recently used first (Compare's history)."""
    return [r["prompt"] for r in db.query(
        "select prompt from exchanges where trim(prompt) != '' group by prompt order by max(id) desc limit ?",
        [limit])]


def delete_exchange(db: Database, exchange_id: int) -> bool:
    with db.atomic():
        rids = [r["id"] for r in db.query("select id from responses where exchange_id = ?", [exchange_id])]
        # Probe items may point at these responses; detach them rather than lose the item.
        for rid in rids:
            db.execute("update run_items set response_id = null where response_id = ?", [rid])
            db.execute("update run_items set reference_response_id = null where reference_response_id = ?", [rid])
            db.execute("delete from attempts where response_id = ?", [rid])
            db.execute("delete from responses where id = ?", [rid])
        cur = db.execute("delete from exchanges where id = ?", [exchange_id])
    return cur.rowcount > 0


def attempts_for(db: Database, response_id: int) -> list[dict]:
    return list(db.query("select * from attempts where response_id = ? order by attempt", [response_id]))


def _fts_query(text: str) -> str:
    # Quote every word so user input with punctuation cannot break the FTS syntax.
    words = [w.replace('"', "") for w in text.split()]
    return " ".join(f'"{w}"' for w in words if w)


def _exchange_row(r: dict) -> ExchangeRow:
    return ExchangeRow(id=r["id"], session_id=r["session_id"], prompt=r["prompt"] or "",
                       system=r["system"], messages=loads(r["messages"], []), created=r["created"])


def _response_row(r: dict) -> ResponseRow:
    return ResponseRow(
        id=r["id"], exchange_id=r["exchange_id"], model=r["model"], params=loads(r["params"], {}),
        text=r["text"] or "", status=r["status"], error=r["error"], prompt_tokens=r["prompt_tokens"],
        completion_tokens=r["completion_tokens"], ttft_s=r["ttft_s"], tokens_per_s=r["tokens_per_s"],
        cost_usd=r["cost_usd"], attempts=r["attempts"] or 0, created=r["created"],
    )


def _attach_responses(db: Database, exchanges: list[ExchangeRow]) -> None:
    if not exchanges:
        return
    by_id = {e.id: e for e in exchanges}
    marks = ",".join("?" * len(by_id))
    for r in db.query(f"select * from responses where exchange_id in ({marks}) order by id", list(by_id)):
        by_id[r["exchange_id"]].responses.append(_response_row(r))
