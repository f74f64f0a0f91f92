"""The run progress line: rate and ETA from items finished while watched, not from the wait."""

from __future__ import annotations

from textual.app import App, ComposeResult

from workbench.ui.widgets.run_progress import RunProgress, format_eta, progress_text


def test_progress_text_says_estimating_until_a_rate_is_known():
    assert progress_text(0, 40, None, "answered", running=True) == "0/40 answered · ETA estimating…"
    assert progress_text(10, 40, 2.0, "answered", running=True) == "10/40 answered · 2.00/s · ETA 15s"
    assert progress_text(40, 40, 2.0, "items", running=False) == "40/40 items"


def test_eta_formats_minutes_and_hours():
    assert (format_eta(59), format_eta(61), format_eta(3 * 3600 + 120)) == ("59s", "1m01s", "3h02m")


class _Host(App):
    def __init__(self, clock) -> None:
        super().__init__()
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield RunProgress("answered", clock=self.clock)


async def test_rate_starts_at_the_first_finished_item():
    clock = [100.0]
    app = _Host(lambda: clock[0])
    async with app.run_test() as pilot:
        progress = app.query_one(RunProgress)
        progress.show(5, 40, running=True)   # a resumed run: 5 already stored
        clock[0] += 30.0                     # the model loads: no item for 30 s
        progress.show(6, 40, running=True)   # the first watched item: the clock starts here
        assert progress.rate(6) is None
        clock[0] += 2.0
        progress.show(10, 40, running=True)  # 4 items in 2 s
        await pilot.pause()
        assert progress.rate(10) == 2.0
        assert "ETA 15s" in str(progress.query_one("#run-progress-text").render())
        progress.show(40, 40, running=False)
        assert progress.rate(40) is None and not progress.running
