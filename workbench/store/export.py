"""Export sessions and exchanges to Markdown or JSONL."""

from __future__ import annotations

import json

from sqlite_utils import Database

from .exchanges import ExchangeRow, get_exchange, get_session, session_exchanges


class ExportError(Exception):
    pass


def export_session(db: Database, session_id: int, fmt: str, *, exchange_id: int | None = None) -> str:
    session = get_session(db, session_id)
    if session is None:
        raise ExportError(f"no session {session_id}: see `workbench tui --screen history` for ids")
    if exchange_id is not None:
        exchange = get_exchange(db, exchange_id)
        if exchange is None or exchange.session_id != session_id:
            raise ExportError(f"session {session_id} has no exchange {exchange_id}")
        exchanges = [exchange]
    else:
        exchanges = list(reversed(session_exchanges(db, session_id)))  # oldest first reads naturally
    if fmt == "jsonl":
        return "".join(json.dumps(exchange_record(e), ensure_ascii=False) + "\n" for e in exchanges)
    if fmt == "md":
        parts = [f"# {session.title or 'Session'} (session {session.id}, {session.kind})\n",
                 f"_created {session.created}_\n"]
        parts.extend(exchange_markdown(e) for e in exchanges)
        return "\n".join(parts)
    raise ExportError(f"unknown format {fmt!r}: use md or jsonl")


def exchange_record(e: ExchangeRow) -> dict:
    return {
        "exchange_id": e.id, "session_id": e.session_id, "created": e.created,
        "system": e.system, "prompt": e.prompt, "messages": e.messages,
        "responses": [
            {"response_id": r.id, "model": r.model, "params": r.params, "text": r.text,
             "status": r.status, "error": r.error, "prompt_tokens": r.prompt_tokens,
             "completion_tokens": r.completion_tokens, "ttft_s": r.ttft_s,
             "tokens_per_s": r.tokens_per_s, "cost_usd": r.cost_usd, "attempts": r.attempts,
             "created": r.created}
            for r in e.responses
        ],
    }


def exchange_markdown(e: ExchangeRow) -> str:
    lines = [f"\n## Exchange {e.id} — {e.created}\n"]
    if e.system:
        lines.append(f"**System:** {e.system}\n")
    lines.append("**Prompt:**\n")
    lines.append("\n".join("> " + ln for ln in e.prompt.splitlines()) + "\n")
    for r in e.responses:
        params = ", ".join(f"{k}={v}" for k, v in sorted(r.params.items()))
        lines.append(f"### {r.model}" + (f" ({params})" if params else "") + "\n")
        if r.error:
            lines.append(f"_error: {r.error}_\n")
        lines.append(r.text.strip() + "\n")
        stats = []
        if r.completion_tokens is not None:
            stats.append(f"{r.completion_tokens} tokens")
        if r.ttft_s is not None:
            stats.append(f"ttft {r.ttft_s:.2f}s")
        if r.tokens_per_s:
            stats.append(f"{r.tokens_per_s:.1f} tok/s")
        if r.cost_usd:
            stats.append(f"${r.cost_usd:.6f}")
        if stats:
            lines.append(f"_{' · '.join(stats)}_\n")
    return "\n".join(lines)
