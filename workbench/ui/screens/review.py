"""Judge review: a keyboard-fast queue for checking judge verdicts by hand.

The whole run (texts and verdict rows) is read once, in a worker thread; after that a key
press adds a provisional row in memory, queues the insert on the app's store writer (a thread:
another process may hold the write lock for seconds) and re-renders from memory, so the next
item is on screen at once. ``ReviewSaved`` brings the stored rows back (``ui/review_saving``).
Nothing is overwritten: a review is a new human verdict row, an undo a retraction row
(``workbench.review.actions``).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import Future
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll

from workbench.review.actions import UNDO_REASON
from workbench.review.filters import FilterError, ReviewFilter, parse_filter
from workbench.review.order import GROUP_NAMES, ORDER_LABELS, ORDERS, next_order, order_items, triage_group
from workbench.review.queue import ReviewError, ReviewItem, ReviewRun, load_review_run
from workbench.review.stats import compute_stats
from workbench.ui.hints import bound_key
from workbench.ui.keys import ACTION_KEYS, action_binding
from workbench.ui.review_saving import (PendingReview, ReviewSaved, is_provisional, provisional_verdict,
                                        undo_job, verdict_job)
from workbench.ui.widgets.review_bar import BarState, ReviewBar
from workbench.ui.widgets.review_input import ReviewInput
from workbench.ui.widgets.review_item import ReviewItemView
from workbench.ui.widgets.review_runs import ReviewRunPicker
from workbench.ui.widgets.review_stats import ReviewStatsPanel
from workbench.ui.widgets.review_verdicts import ReviewVerdicts
from workbench.ui.widgets.run_export import export_run_verdicts
from workbench.ui.widgets.screen_base import WorkbenchScreen

FILTER_HELP = ("field:value terms, all must hold; a,b = either; -field:value negates; bare words search "
               "the texts. Fields: judge category (or set) lang target template verdict human status run. "
               "ICE verdicts pos/neg/none; RSE 1-5, 2-4, >=4, none. status: disagree needs reviewed "
               "unreviewed. Empty clears.")
_RUN_TERM = re.compile(r"(?:^|\s)run:(\d+)(?=\s|$)")


class ReviewScreen(WorkbenchScreen):
    DEFAULT_CSS = """
    ReviewScreen #review-main { height: 1fr; }
    ReviewScreen #review-side { width: 1fr; min-width: 44; height: 1fr; border: round $primary-darken-2; }
    """
    BINDINGS = [
        Binding("y", "verdict(1)", "Yes", id="review.positive"),
        Binding("n", "verdict(0)", "No", id="review.negative"),
        *[Binding(str(k), f"score({k})", f"Score {k}", show=False, id=f"review.score_{k}") for k in range(1, 6)],
        Binding("c", "comment", "Comment", id="review.comment"),
        Binding("s", "skip", "Skip", id="review.skip"),
        Binding("u", "undo", "Undo", id="review.undo"),
        Binding("slash", "filter", "Filter", id="review.filter"),
        Binding("o", "cycle_order", "Order", show=False, id="review.order"),
        action_binding("open", "pick_run", "Runs", id="review.runs"),
        Binding("r", "pick_run", "Runs", show=False, id="review.runs_r"),
        action_binding("export", "export", "Export", show=False, id="review.export"),
        # Priority: the focused answer pane would otherwise take left/right for sideways scrolling.
        Binding("left", "move(-1)", "Previous", show=False, priority=True, id="review.previous"),
        Binding("right", "move(1)", "Next", show=False, priority=True, id="review.next"),
    ]
    PALETTE_ACTIONS = (
        ("Review: pick a run", "ICE and RSE runs with reviewed counts and scores", "pick_run"),
        ("Review: filter the queue", "category:team judge:rule verdict:pos …", "filter"),
        ("Review: switch queue order", "triage → random → run order", "cycle_order"),
        ("Review: undo the last review", "adds a retraction row", "undo"),
        ("Review: export verdicts", "the run's judge and human verdicts as JSONL, into the exports folder",
         "export"),
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.review_run: ReviewRun | None = None
        self.order: str = ORDERS[0]
        self.seed: int = 0
        self.filter: ReviewFilter = ReviewFilter()
        self.queue: list[int] = []  # item ids, in order, after the filter
        self.position: int = 0
        self.skipped: set[int] = set()
        self.pending_reason: dict[int, str] = {}
        self.undo_stack: list[PendingReview] = []  # reviews written this session, oldest first
        self.saving: dict[int, int] = {}  # item id -> its writes still queued on the store writer
        self.stored_rows: dict[int, list] = {}  # item id -> its rows after its latest landed write
        self.session_reviews = 0
        self.session_started: float | None = None
        self.loading_run: int | None = None
        self.stats: dict | None = None

    # -- layout --------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield ReviewBar(id="review-bar")
        with Horizontal(id="review-main"):
            yield ReviewItemView(id="review-item")
            with VerticalScroll(id="review-side"):
                yield ReviewVerdicts(id="review-verdicts")
                yield ReviewStatsPanel(id="review-stats")

    def on_mount(self) -> None:
        self.query_one("#review-side").border_title = "verdicts · scores"
        self._render_all()
        run_id = getattr(self.app, "review_run_id", None)
        if run_id is not None:
            self.show_run(int(run_id))
        else:
            self.call_after_refresh(self.action_pick_run)

    # -- loading -------------------------------------------------------------------------------
    def show_run(self, run_id: int, filter_text: str | None = None) -> None:
        """Load ``run_id`` into the queue (public: other screens open reviews with it)."""
        self.loading_run = run_id
        self.query_one(ReviewItemView).show(None, kind="ice", empty=f"loading run {run_id}…")
        self.query_one(ReviewBar).show(self._bar_state())
        self._load_run(run_id, filter_text)

    @work(thread=True, exclusive=True, group="review-load")
    def _load_run(self, run_id: int, filter_text: str | None) -> None:
        db = self.app.read_db()
        try:
            review_run = load_review_run(db, run_id, texts=True)
        except ReviewError as exc:
            self.app.call_from_thread(self._load_failed, str(exc))
            return
        finally:
            db.close()
        self.app.call_from_thread(self._loaded, review_run, filter_text)

    def _load_failed(self, message: str) -> None:
        self.loading_run = None
        self.notify(message, title="review", severity="error")
        self._render_all()

    def _loaded(self, review_run: ReviewRun, filter_text: str | None) -> None:
        self.loading_run = None
        if self.review_run is None or self.review_run.id != review_run.id:
            self.undo_stack.clear()
            self.skipped.clear()
            self.pending_reason.clear()
            self.session_reviews = 0
            self.session_started = None
        self.review_run = review_run
        self.filter = ReviewFilter()
        if filter_text:
            try:
                self.filter = parse_filter(filter_text, review_run.kind)
            except FilterError as exc:
                self.notify(str(exc), title="filter", severity="error")
        self._rebuild()
        self._goto_first_unreviewed()
        self._refresh_stats()
        self._render_all()
        self.query_one("#review-response-box").focus()

    # -- queue -----------------------------------------------------------------------------------
    def _rebuild(self, keep: int | None = None) -> None:
        rr = self.review_run
        if rr is None:
            self.queue, self.position = [], 0
            return
        matching = [it for it in rr.items if self.filter.matches(it, rr.run.target)]
        self.queue = [it.id for it in order_items(matching, self.order, self.seed)]
        self.position = self.queue.index(keep) if keep in self.queue else 0

    def _goto_first_unreviewed(self) -> None:
        rr = self.review_run
        for i, item_id in enumerate(self.queue):
            if rr is not None and not rr.by_id[item_id].reviewed:
                self.position = i
                return
        self.position = 0

    def current(self) -> ReviewItem | None:
        # While another run loads, keys must not land on the old run's item.
        if self.review_run is None or not self.queue or self.loading_run is not None:
            return None
        return self.review_run.by_id[self.queue[self.position]]

    def _advance(self) -> None:
        """To the next unreviewed item, preferring ones not skipped; wraps around."""
        rr = self.review_run
        if rr is None or not self.queue:
            return
        n = len(self.queue)
        ahead = [(self.position + k) % n for k in range(1, n + 1)]
        for allow_skipped in (False, True):
            for i in ahead:
                item = rr.by_id[self.queue[i]]
                if not item.reviewed and (allow_skipped or item.id not in self.skipped):
                    self.position = i
                    return
        if self.position < n - 1:
            self.position += 1
        self.notify(f"every item in this queue is reviewed ({n})", title="review")

    # -- rendering -------------------------------------------------------------------------------
    def _refresh_stats(self) -> None:
        self.stats = compute_stats(self.review_run) if self.review_run is not None else None

    def _bar_state(self) -> BarState:
        rr = self.review_run
        if rr is None or self.loading_run is not None:
            title = (f"loading run {self.loading_run}…" if self.loading_run
                     else f"no run: press {self._runs_key()} to pick one")
            return BarState(title=title, order=self.order, order_label=ORDER_LABELS[self.order])
        items = [rr.by_id[i] for i in self.queue]
        reviewed = sum(1 for it in items if it.reviewed)
        item = self.current()
        seconds = (time.monotonic() - self.session_started) if self.session_started is not None else 0.0
        return BarState(
            title=rr.title(), order=self.order, order_label=ORDER_LABELS[self.order],
            filter=self.filter.describe(), position=(self.position + 1) if self.queue else 0,
            queue_len=len(self.queue), group=GROUP_NAMES[triage_group(item)] if item else "",
            reviewed=reviewed, remaining=len(items) - reviewed,
            run_reviewed=sum(1 for it in rr.items if it.reviewed), run_total=len(rr.items),
            session_reviews=self.session_reviews, session_seconds=seconds)

    def _render_item(self) -> None:
        rr = self.review_run
        item = self.current()
        kind = rr.kind if rr else "ice"
        empty = ("no item matches the filter (press / to change it)" if rr is not None
                 else f"Pick a run to review: press {self._runs_key()}.")
        self.query_one(ReviewItemView).show(item, kind=kind, target=rr.run.target if rr else None,
                                            reference=rr.run.reference if rr else None, empty=empty)
        self.query_one(ReviewVerdicts).show(item, kind, pending_reason=self.pending_reason.get(item.id) if item else None)
        self.query_one(ReviewBar).show(self._bar_state())

    def _render_all(self) -> None:
        self._render_item()
        self.query_one(ReviewStatsPanel).show(self.stats)

    # -- reviewing -------------------------------------------------------------------------------
    def _review(self, value: float) -> None:
        rr = self.review_run
        item = self.current()
        if rr is None or item is None:
            self.notify(f"nothing to review here: press {self._runs_key()} to pick a run, "
                        f"{bound_key(self.app, 'review.filter', '/')} to change the filter")
            return
        self._save_verdict(rr, item, value, self.pending_reason.pop(item.id, None))
        if self.session_started is None:
            self.session_started = time.monotonic()
        self.session_reviews += 1
        self._advance()
        self._refresh_stats()
        self._render_all()

    def _save_verdict(self, rr: ReviewRun, item: ReviewItem, value: float, reason: str | None) -> None:
        """Show the verdict now (a provisional row) and queue its insert on the store writer."""
        author = self.app.config.author
        row = provisional_verdict(item.id, kind=rr.verdict_kind, value=value, author=author,
                                  reason=(reason or "").strip() or None)
        entry = PendingReview(item.id, row.id)
        item.set_rows([*item.rows, row])
        self.undo_stack.append(entry)
        self._write("verdict", rr.id, item.id,
                    verdict_job(entry, kind=rr.verdict_kind, value=value, author=author, reason=reason),
                    entry=entry)

    def _write(self, op: str, run_id: int, item_id: int | None, job: Any,
               entry: PendingReview | None = None) -> None:
        """Queue ``job`` on the app's store writer; ReviewSaved comes back when it is done."""

        def done(future: Future) -> None:
            try:
                result = future.result()
            except Exception as exc:  # said on screen; the provisional row is taken back
                self.post_message(ReviewSaved(op, run_id, item_id, None, entry, error=str(exc)))
                return
            if op == "undo":
                undone, rows, used = result
                self.post_message(ReviewSaved(op, run_id, undone, rows, entry, consumed=used))
            else:
                self.post_message(ReviewSaved(op, run_id, item_id, result, entry))

        if item_id is not None:
            self.saving[item_id] = self.saving.get(item_id, 0) + 1
        self.app.writer.submit(job, name=f"review {op}").add_done_callback(done)

    def on_review_saved(self, message: ReviewSaved) -> None:
        rr = self.review_run
        item_id = message.item_id
        if message.op == "undo" and message.entry is not None and message.entry.item_id != item_id:
            # The undo took back another review than the one shown as undone (that one was
            # retracted elsewhere): the shown one's provisional retraction settles too.
            self._settle(rr, message.entry.item_id, None)
        if message.error:
            if message.op == "undo" and message.entry is not None:
                self.undo_stack.append(message.entry)  # nothing was undone: it can be tried again
            elif message.entry in self.undo_stack:
                self.undo_stack.remove(message.entry)
            what = "undo" if message.op == "undo" else "review"
            self.notify(f"could not save the {what} of item #{item_id}: {message.error}", title="review",
                        severity="error", timeout=10)
        for used in message.consumed[1:]:  # older session reviews an undo had to pass over
            if used in self.undo_stack:
                self.undo_stack.remove(used)
        if message.op == "undo" and message.entry is None:
            self._after_lookup_undo(rr, message)
            return
        self._settle(rr, item_id, message.rows)
        self._refresh_stats()
        self._render_side(item_id)

    def _settle(self, rr: ReviewRun | None, item_id: int | None, rows: list | None) -> None:
        """One write for ``item_id`` landed: once none is left, show its rows as stored."""
        if item_id is None:
            return
        if rows is not None:
            self.stored_rows[item_id] = rows
        left = self.saving.get(item_id, 1) - 1
        if left > 0:
            self.saving[item_id] = left
            return  # a later write for it is queued: its rows will include this one
        self.saving.pop(item_id, None)
        rows = self.stored_rows.pop(item_id, None)
        if rr is None or item_id not in rr.by_id:
            return
        item = rr.by_id[item_id]
        if rows is None:  # its writes failed: nothing provisional is kept
            rows = [r for r in item.rows if not is_provisional(r)]
        item.set_rows(rows)

    def _render_side(self, item_id: int | None) -> None:
        """Re-render after a write landed, without moving the reviewer's place in the item."""
        current = self.current()
        if current is not None and current.id == item_id:
            self.query_one(ReviewVerdicts).show(current, self.review_run.kind if self.review_run else "ice",
                                                pending_reason=self.pending_reason.get(current.id))
        self.query_one(ReviewBar).show(self._bar_state())
        self.query_one(ReviewStatsPanel).show(self.stats)

    def action_verdict(self, value: int) -> None:
        if self.review_run is not None and self.review_run.kind != "ice":
            self.notify("this is an RSE run: score it with 1-5", title="review")
            return
        self._review(float(value))

    def action_score(self, value: int) -> None:
        if self.review_run is not None and self.review_run.kind != "rse":
            self.notify("this is an ICE run: y = positive, n = negative", title="review")
            return
        self._review(float(value))

    def action_skip(self) -> None:
        item = self.current()
        if item is None:
            return
        self.skipped.add(item.id)
        self._advance()
        self._render_item()

    def action_move(self, delta: int) -> None:
        if self.queue:
            self.position = max(0, min(len(self.queue) - 1, self.position + delta))
            self._render_item()

    def action_undo(self) -> None:
        rr = self.review_run
        if rr is None:
            return
        author = self.app.config.author
        if not self.undo_stack:
            # Nothing from this session: undo this author's latest standing review in the run,
            # which only the store knows (another window may have added one): wait for it.
            self._write("undo", rr.id, None, undo_job([], run_id=rr.id, author=author, kind=rr.verdict_kind))
            return
        entry = self.undo_stack.pop()
        candidates = [entry, *reversed(self.undo_stack)]
        item = rr.by_id.get(entry.item_id)
        if item is not None:
            # The row as this screen holds it: provisional until its write's message arrives.
            target = entry.row_id if any(r.id == entry.row_id for r in item.rows) else entry.verdict_id
            item.set_rows([*item.rows, provisional_verdict(item.id, kind=rr.verdict_kind, value=None,
                                                           author=author, reason=UNDO_REASON,
                                                           retracts=target)])
        self._write("undo", rr.id, entry.item_id,
                    undo_job(candidates, run_id=rr.id, author=author, kind=rr.verdict_kind), entry=entry)
        self._show_undone(entry.item_id)

    def _after_lookup_undo(self, rr: ReviewRun | None, message: ReviewSaved) -> None:
        if message.error:
            return
        if message.item_id is None:
            self.notify("nothing to undo", title="review")
            return
        if rr is None or rr.id != message.run_id or message.rows is None:
            return
        if message.item_id in rr.by_id and message.item_id not in self.saving:
            rr.by_id[message.item_id].set_rows(message.rows)
        self._show_undone(message.item_id)

    def _show_undone(self, undone: int) -> None:
        self.session_reviews = max(0, self.session_reviews - 1)
        if undone in self.queue:
            self.position = self.queue.index(undone)
        else:
            self.notify(f"item #{undone} is outside the current filter", title="review")
        self._refresh_stats()
        self._render_all()
        self.notify(f"undone: item #{undone} (a retraction row was added)", title="review")

    def action_comment(self) -> None:
        item = self.current()
        if item is None:
            return
        self.app.push_screen(
            ReviewInput(f"comment on item #{item.id}", value=self.pending_reason.get(item.id, ""),
                        placeholder="why this verdict?", input_id="review-comment",
                        help_text="Enter keeps it: it goes with your next verdict on this item, or, if you "
                                  "already reviewed it, is saved now as a new row with the same verdict. "
                                  "Escape cancels."),
            lambda text: self._on_comment(item.id, text))

    def _on_comment(self, item_id: int, text: str | None) -> None:
        rr = self.review_run
        if text is None or rr is None or item_id not in rr.by_id:
            return
        text = text.strip()
        item = rr.by_id[item_id]
        if not text:
            self.pending_reason.pop(item_id, None)
        elif item.human is not None and item.human.value is not None:
            self._save_verdict(rr, item, item.human.value, text)
            self._refresh_stats()
            self.notify("comment saved with your verdict", title="review")
        else:
            self.pending_reason[item_id] = text
        self._render_all()

    # -- order, filter, runs ---------------------------------------------------------------------
    def action_cycle_order(self) -> None:
        item = self.current()
        self.order = next_order(self.order)
        self._rebuild(keep=item.id if item else None)
        self._render_item()
        self.notify(f"order: {self.order} ({ORDER_LABELS[self.order]})", title="review")

    def action_filter(self) -> None:
        self.app.push_screen(
            ReviewInput("filter", value=self.filter.source, input_id="review-filter",
                        placeholder="category:team judge:rule verdict:pos", help_text=FILTER_HELP),
            self.apply_filter)

    def apply_filter(self, text: str | None) -> None:
        if text is None:
            return
        rr = self.review_run
        m = _RUN_TERM.search(text)
        if m and (rr is None or int(m.group(1)) != rr.id):
            # Another run: its kind decides how verdict values read, so parse after loading.
            self.show_run(int(m.group(1)), filter_text=text)
            return
        try:
            new = parse_filter(text, rr.kind if rr else "ice")
        except FilterError as exc:
            self.notify(str(exc), title="filter", severity="error")
            return
        self.filter = new
        self._rebuild()
        self._goto_first_unreviewed()
        self._render_item()
        if rr is not None:
            self.notify(f"{len(self.queue)} of {len(rr.items)} items match", title="filter")

    def action_export(self) -> None:
        if self.review_run is None:
            self.notify(f"no run to export: press {self._runs_key()} to pick one", severity="warning")
            return
        export_run_verdicts(self, self.review_run.id)

    def _runs_key(self) -> str:
        return bound_key(self.app, "review.runs", ACTION_KEYS["open"])

    def action_pick_run(self) -> None:
        def chosen(run_id: int | None) -> None:
            if run_id is not None:
                self.show_run(run_id)

        self.app.push_screen(ReviewRunPicker(), chosen)

