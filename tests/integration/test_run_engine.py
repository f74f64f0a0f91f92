"""The probe-run engine: bounded concurrency, per-item persistence, resume, cancel, verdict history."""

from __future__ import annotations

import asyncio

import pytest

from workbench.runs.engine import Engine, RunInterrupted, WorkItem, resumable
from workbench.store import open_db
from workbench.store.runs import (HUMAN, add_verdict, answered_keys, create_run, current_verdicts,
                                  run_items, set_item_answer)


def _items(n: int) -> list[WorkItem]:
    return [WorkItem(key=f"k{i}", prompt=f"p{i}", meta={"i": i}) for i in range(n)]


async def test_runs_items_with_bounded_concurrency_and_persists_each(db_file):
    db = open_db(db_file)
    run_id = create_run(db, "ice", target="m")
    in_flight = peak = 0
    events = []

    async def process(conn, item_id, w):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        set_item_answer(conn, item_id, response_id=None)
        return {"ok": True}

    engine = Engine(db_file, run_id, concurrency=3, on_event=events.append)
    await engine.run(_items(10), process)
    assert peak == 3
    assert answered_keys(db, run_id) == {f"k{i}" for i in range(10)}
    assert [e.kind for e in events].count("item") == 10
    assert events[-1].done == 10 and events[-1].total == 10


async def test_resume_skips_answered_items(db_file):
    db = open_db(db_file)
    run_id = create_run(db, "ice", target="m")
    calls: list[str] = []
    crash = {"armed": True}

    async def process(conn, item_id, w):
        calls.append(w.key)
        if w.key == "k3" and crash["armed"]:
            crash["armed"] = False
            raise RuntimeError("simulated crash mid-run")
        set_item_answer(conn, item_id, response_id=None)
        return {}

    crashed = Engine(db_file, run_id, concurrency=1)
    with pytest.raises(RuntimeError):
        await crashed.run(_items(6), process)
    crashed.close()  # as the ICE and RSE runners do when a run fails
    answered = answered_keys(db, run_id)
    assert {"k0", "k1", "k2"} <= answered and "k3" not in answered
    calls.clear()
    await Engine(db_file, run_id, concurrency=1).run(_items(6), process)
    assert calls == [f"k{i}" for i in range(6) if f"k{i}" not in answered]
    assert len(run_items(db, run_id)) == 6  # the crashed item was reused, not duplicated


async def test_cancel_interrupts(db_file):
    db = open_db(db_file)
    run_id = create_run(db, "rse", target="m")
    engine = Engine(db_file, run_id, concurrency=2)

    async def process(conn, item_id, w):
        if w.key == "k2":
            engine.cancel.set()
        await asyncio.sleep(0.05)
        set_item_answer(conn, item_id, response_id=None)
        return {}

    with pytest.raises(RunInterrupted):
        await engine.run(_items(20), process)
    assert len(answered_keys(db, run_id)) < 20


def test_verdicts_are_append_only_and_undo_restores(db_file):
    db = open_db(db_file)
    run_id = create_run(db, "ice", target="m")
    from workbench.store.runs import ensure_item

    item = ensure_item(db, run_id, "a", "p", {})
    add_verdict(db, item, judge="rule", kind="loose", value=1.0)
    first = add_verdict(db, item, judge=HUMAN, kind="loose", value=0.0, author="ann")
    second = add_verdict(db, item, judge=HUMAN, kind="loose", value=1.0, author="ann")
    add_verdict(db, item, judge=HUMAN, kind="loose", value=None, author="ann", retracts=second, reason="undo")
    standing = current_verdicts(db, run_id, "loose")[item]
    assert standing.by_judge["rule"].value == 1.0
    assert standing.human.id == first
    assert db["verdicts"].count == 4


def test_resumable_reasons(db_file):
    db = open_db(db_file)
    run_id = create_run(db, "ice", target="m", status="done")
    with pytest.raises(LookupError, match="already finished"):
        resumable(db, run_id, "ice")
    with pytest.raises(LookupError, match="no run 999"):
        resumable(db, 999, "ice")
