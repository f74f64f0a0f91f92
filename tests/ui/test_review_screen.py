"""Pilot tests of the review screen: one key per review, undo, filter, order, live stats."""

from __future__ import annotations

from tests.ui.settle import settle_workers
import pytest

from tests.review.fixtures import ICE_DISAGREE, ICE_N, make_ice_run, make_rse_run
from tests.support.ui import writes_landed
from workbench.store import open_db
from workbench.store.runs import HUMAN, item_verdicts, run_verdicts
from workbench.ui.app import WorkbenchApp

SIZE = (170, 48)


@pytest.fixture()
def cfg(tmp_path):
    """A models.toml naming the reviewer: review rows carry config.author."""
    path = tmp_path / "models.toml"
    path.write_text('[workbench]\nauthor = "pilot"\n', encoding="utf-8")
    return path


def _make(db_file, builder, **kwargs):
    db = open_db(db_file)
    run_id, ids = builder(db, **kwargs)
    db.close()
    return run_id, ids


async def _open(app, pilot):
    await settle_workers(app)
    await pilot.pause()
    screen = app.screen
    assert type(screen).__name__ == "ReviewScreen"
    return screen


def _humans(db_file, run_id):
    db = open_db(db_file)
    try:
        return [v for v in run_verdicts(db, run_id) if v.judge == HUMAN]
    finally:
        db.close()


async def test_ice_review_undo_filter_and_live_stats(db_file, cfg):
    run_id, ids = _make(db_file, make_ice_run)
    app = WorkbenchApp(db_path=db_file, config_path=cfg, load_heavy=False,
                       start_screen="review")
    app.review_run_id = run_id
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        # Disagreements first.
        assert {screen.queue[i] for i in range(5)} == {ids[i] for i in ICE_DISAGREE}
        first = screen.current()
        assert first.id in {ids[i] for i in ICE_DISAGREE}
        before = dict(screen.stats)
        assert before["judge_score"] == before["adjusted_score"]
        assert before["agreement"]["rule"]["kappa"] is None

        # Review four disagreements, each with one key: the next item is there at once.
        reviewed = []
        for key in "ynyn":
            reviewed.append(screen.current().id)
            await pilot.press(key)
            assert screen.current().id not in reviewed
        await writes_landed(app, pilot)
        assert screen.stats["reviewed"] == 4
        assert screen.stats["agreement"]["published"]["n"] == 4
        assert screen.stats["agreement"]["rule"]["kappa"] is not None
        adjusted_after_four = screen.stats["adjusted_score"]
        kappa_after_four = screen.stats["agreement"]["published"]["kappa"]

        # The rows: author, time, value.
        rows = _humans(db_file, run_id)
        assert [r.value for r in rows] == [1.0, 0.0, 1.0, 0.0]
        assert all(r.author == "pilot" and r.created and r.kind == "loose" for r in rows)

        # Undo the last one: a retraction row, the item comes back, the stats move back.
        await pilot.press("u")
        await writes_landed(app, pilot)
        assert screen.current().id == reviewed[-1]
        assert screen.stats["reviewed"] == 3 and screen.stats["retractions"] == 1
        rows = _humans(db_file, run_id)
        assert rows[-1].retracts == rows[-2].id and rows[-1].value is None and rows[-1].reason == "undo"
        assert rows[-1].author == "pilot"
        assert len(rows) == 5  # nothing deleted

        # Review it again the other way: score and kappa change.
        await pilot.press("y")
        assert screen.stats["reviewed"] == 4
        assert (screen.stats["adjusted_score"], screen.stats["agreement"]["published"]["kappa"]) != (
            adjusted_after_four, kappa_after_four)

        # Filter with the mini syntax.
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"category:team judge:rule")
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ReviewScreen"
        assert screen.filter.describe() == "category:team judge:rule"
        assert screen.queue and all(screen.review_run.by_id[i].category == "team" for i in screen.queue)
        assert len(screen.queue) == ICE_N // 5

        # Switch the order: shown in the bar, same items.
        queue = set(screen.queue)
        await pilot.press("o")
        assert screen.order == "random" and set(screen.queue) == queue
        bar = str(screen.query_one("#review-bar").render())
        assert "order random" in bar and "filter category:team judge:rule" in bar

        # Clearing the filter brings everything back.
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", "enter")
        await pilot.pause()
        assert screen.filter.empty and len(screen.queue) == ICE_N
        await pilot.press("ctrl+q")


async def test_comment_skip_and_wrong_keys(db_file, cfg):
    run_id, ids = _make(db_file, make_ice_run)
    app = WorkbenchApp(db_path=db_file, config_path=cfg, load_heavy=False,
                       start_screen="review")
    app.review_run_id = run_id
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        skipped = screen.current().id
        await pilot.press("s")
        assert screen.current().id != skipped and _humans(db_file, run_id) == []

        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"quoted speech")
        await pilot.press("enter")
        await pilot.pause()
        target = screen.current().id
        assert screen.pending_reason[target] == "quoted speech"
        await pilot.press("n")
        await writes_landed(app, pilot)
        row = _humans(db_file, run_id)[-1]
        assert (row.item_id, row.value, row.reason) == (target, 0.0, "quoted speech")

        # A comment on an item already reviewed is a new row with the same verdict.
        await pilot.press("left")
        assert screen.current().id == target
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"on second look")
        await pilot.press("enter")
        await writes_landed(app, pilot)
        rows = _humans(db_file, run_id)
        assert [(r.value, r.reason) for r in rows] == [(0.0, "quoted speech"), (0.0, "on second look")]

        # RSE keys do nothing on an ICE run.
        await pilot.press("3")
        await writes_landed(app, pilot)
        assert len(_humans(db_file, run_id)) == 2

        # Skipped items come back once everything else is reviewed.
        await pilot.press("right")
        for _ in range(ICE_N - 2):
            await pilot.press("y")
        assert screen.current().id == skipped
        await pilot.press("ctrl+q")


async def test_rse_scores_reference_and_weighted_kappa(db_file, cfg):
    run_id, ids = _make(db_file, make_rse_run, second_judge=True)
    app = WorkbenchApp(db_path=db_file, config_path=cfg, load_heavy=False,
                       start_screen="review")
    app.review_run_id = run_id
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        assert screen.current().id == ids[0]  # the widest disagreement (1 vs 3)
        view = screen.query_one("#review-reference")
        assert "Reference answer about topic 0" in str(view.render())
        assert screen.query_one("ReviewItemView").has_class("-rse")
        judge_only = screen.stats["judge_score"]
        for key in "5341":
            await pilot.press(key)
        await pilot.press("y")  # ICE key on an RSE run: ignored
        await writes_landed(app, pilot)
        rows = _humans(db_file, run_id)
        assert [r.value for r in rows] == [5.0, 3.0, 4.0, 1.0] and all(r.kind == "rse" for r in rows)
        a = screen.stats["agreement"]["gpt-judge"]
        assert a["weights"] == "quadratic" and a["n"] + a["judge_undecided"] == 4
        assert screen.stats["judge_score"] == judge_only and screen.stats["adjusted_score"] != judge_only
        panel = str(screen.query_one("#review-stats").render())
        assert "κw" in panel and "ρ" in panel
        await pilot.press("ctrl+q")


async def test_run_picker_when_no_run_is_given(db_file, cfg):
    ice_id, _ = _make(db_file, make_ice_run)
    rse_id, _ = _make(db_file, make_rse_run)
    app = WorkbenchApp(db_path=db_file, config_path=cfg, load_heavy=False,
                       start_screen="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await settle_workers(app)
        await pilot.pause()
        assert type(app.screen).__name__ == "ReviewRunPicker"
        table = app.screen.query_one("DataTable")
        assert table.row_count == 2
        assert table.get_cell(str(ice_id), "judge-only") == "0.350"
        await pilot.press("enter")  # newest first: the RSE run
        await settle_workers(app)
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "ReviewScreen" and screen.review_run.id == rse_id
        # `run:N` in the filter switches runs.
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*f"run:{ice_id} verdict:pos", "enter")
        await settle_workers(app)
        await pilot.pause()
        assert screen.review_run.id == ice_id and screen.filter.describe() == "verdict:pos"
        await pilot.press("ctrl+q")


async def test_undo_without_session_history_retracts_own_latest(db_file, cfg):
    from workbench.review.actions import record_review

    run_id, ids = _make(db_file, make_ice_run)
    db = open_db(db_file)
    record_review(db, ids[10], kind="loose", value=1.0, author="someone-else")
    mine = record_review(db, ids[11], kind="loose", value=1.0, author="pilot")
    db.close()
    app = WorkbenchApp(db_path=db_file, config_path=cfg, load_heavy=False,
                       start_screen="review")
    app.review_run_id = run_id
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        await pilot.press("u")
        await writes_landed(app, pilot)
        assert screen.current().id == ids[11]
        db = open_db(db_file)
        rows = item_verdicts(db, ids[11])
        db.close()
        assert rows[-1].retracts == mine
        await pilot.press("u")  # nothing more of mine: someone else's review stays
        await writes_landed(app, pilot)
        assert screen.stats["reviewed"] == 1
        await pilot.press("ctrl+q")


async def test_published_release_review(db_file, cfg):
    """A realistic run: the paper's deepseek-chat file with its verdicts and the rule judge's."""
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "ice-paper" / "gpt_GPT_deepseek-chat.jsonl"
    if not path.exists():
        pytest.skip("published ICE data not present")
    from tests.review.published import build_published_run

    db = open_db(db_file)
    run_id = build_published_run(db, path, limit=200)
    db.close()
    app = WorkbenchApp(db_path=db_file, config_path=cfg, load_heavy=False,
                       start_screen="review")
    app.review_run_id = run_id
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot)
        assert set(screen.review_run.judges) == {"published", "rule"}
        first = screen.current()
        values = set(first.judge_values().values())
        assert values == {0.0, 1.0}  # a disagreement leads the queue
        for key in "yynny":
            await pilot.press(key)
        assert screen.stats["reviewed"] == 5
        assert screen.stats["agreement"]["rule"]["n"] == 5
        await pilot.press("ctrl+q")
