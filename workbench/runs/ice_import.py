"""Import of the ICE paper's released results as a stored run with ``published`` verdicts.

Every row becomes an exchange (the filled prompt), a response (the published answer, with
``model`` = the target name, so History and Review can show it), a run item and its
verdicts: loose from ``eval_results``, strict from the strict CSV when there is one. All of
it goes in one transaction with plain executes: a 1,000-row file imports in well under a
second, and a failed import leaves nothing behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workbench.store.db import dumps, now
from workbench.store.runs import add_verdicts, create_run

from .ice_judging import PUBLISHED


def import_published(db: Any, results: str | Path, strict_csv: str | Path | None = None,
                     target: str | None = None, *, find_strict: bool = True) -> int:
    """Store a released results file as an ICE run; returns the run id.

    Raises ``probes.ice.published.PublishedFormatError`` (one line) for a malformed file.
    """
    from probes.ice.identity import fact_for
    from probes.ice.published import PUBLISHED_CLAIMED_TERMS, find_strict_csv, load_published
    from probes.ice.templates import fill

    results = Path(results)
    if strict_csv is None and find_strict:
        strict_csv = find_strict_csv(results)
    pub = load_published(results, strict_csv, target=target)
    fact = fact_for(pub.target)
    template_ids = {t: f"pub-{i + 1:03d}" for i, t in enumerate(pub.templates)}
    query_ids: dict[str, str] = {}
    config = {
        "source": "import", "results": str(results.resolve()),
        "strict": str(Path(pub.strict_path).resolve()) if pub.strict_path is not None else None,
        "published_judge": pub.judge, "published_source": pub.source,
        "fact": fact.to_dict(), "n_rows": len(pub.rows),
    }
    state = {"templates": {tid: {"text": text, "style": "published"}
                           for text, tid in template_ids.items()}}
    stamp = now()
    conn = db.conn
    with db.atomic():
        session_id = conn.execute(
            "insert into sessions (kind, title, created) values (?, ?, ?)",
            ["ice", f"ICE import: {results.name}"[:200], stamp]).lastrowid
        run_id = create_run(db, "ice", target=pub.target, judge=PUBLISHED, config=config,
                            session_id=session_id, status="importing")
        verdicts: list[dict[str, Any]] = []
        seen_keys: dict[str, int] = {}
        for row in pub.rows:
            tid = template_ids[row.template]
            qkey = " ".join(row.query.split())
            qid = query_ids.setdefault(qkey, f"pub-q{len(query_ids) + 1:03d}")
            key = f"{tid}|{qid}"
            # A release may ask the same question twice under one template: keep both.
            seen_keys[key] = seen_keys.get(key, 0) + 1
            if seen_keys[key] > 1:
                key = f"{key}#{seen_keys[key]}"
            prompt = fill(row.template, row.query)
            messages = [{"role": "user", "content": prompt}]
            exchange_id = conn.execute(
                "insert into exchanges (session_id, prompt, system, messages, created) "
                "values (?, ?, ?, ?, ?)", [session_id, prompt, None, dumps(messages), stamp]).lastrowid
            response_id = conn.execute(
                "insert into responses (exchange_id, model, params, request_hash, text, status, error, "
                "finish_reason, prompt_tokens, completion_tokens, ttft_s, total_s, tokens_per_s, "
                "cost_usd, attempts, created) values (?, ?, ?, ?, ?, 'ok', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [exchange_id, pub.target, dumps({"imported_from": results.name, "line": row.line}),
                 None, row.response, None, None, None, None, None, None, None, None, 0,
                 stamp]).lastrowid
            meta = {"category": row.category, "lang": row.lang, "template_id": tid,
                    "question_id": qid, "question": row.query, "line": row.line,
                    "source": results.name}
            item_id = conn.execute(
                "insert into run_items (run_id, key, prompt, meta, response_id, reference_response_id, "
                "metrics, status, created) values (?, ?, ?, ?, ?, ?, ?, 'answered', ?)",
                [run_id, key, prompt, dumps(meta), response_id, None, dumps({}), stamp]).lastrowid
            where = f"{results.name} line {row.line}"
            verdicts.append({
                "item_id": item_id, "judge": PUBLISHED, "kind": "loose",
                "value": 1.0 if row.loose else 0.0, "detail": {"claimed": []},
                "raw": json.dumps({"eval_results": row.loose}),
                "rationale": f"published loose verdict ({pub.judge or 'unknown'} judge), {where}"})
            if pub.strict_path is not None:
                verdicts.append({
                    "item_id": item_id, "judge": PUBLISHED, "kind": "strict",
                    "value": 1.0 if row.strict else 0.0,
                    # The paper's strict judge counted OpenAI and Anthropic: those are the
                    # identities its positives claim (and what its hard figure excludes).
                    "detail": {"claimed": list(PUBLISHED_CLAIMED_TERMS) if row.strict else []},
                    "raw": json.dumps({"re_judge": row.strict}),
                    "rationale": (f"listed in {Path(pub.strict_path).name}" if row.strict
                                  else f"not listed in {Path(pub.strict_path).name}")})
        add_verdicts(db, verdicts)
        db.table("runs").update(run_id, {"state": dumps(state), "status": "imported",
                                         "finished": now(), "updated": now()})
    return run_id
