"""A run's progress on one line: a bar, done/total, the rate and an ETA from what finished.

The rate is measured from the first item that finished while this widget watched: the wait
before it (a model loading, a resumed run's stored items) is not speed. The ETA says
"estimating" until a few more have finished.
"""

from __future__ import annotations

import time
from typing import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

MIN_ITEMS_FOR_ETA = 2
MIN_SECONDS_FOR_ETA = 1.0


def format_eta(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def progress_text(done: int, total: int, rate: float | None, unit: str, *, running: bool) -> str:
    text = f"{done}/{total} {unit}"
    if not running:
        return text
    if rate is None or rate <= 0:
        return text + " · ETA estimating…"
    return text + f" · {rate:.2f}/s · ETA {format_eta(max(total - done, 0) / rate)}"


class RunProgress(Horizontal):
    DEFAULT_CSS = """
    RunProgress { height: 1; padding: 0 1; display: none; }
    RunProgress.-shown { display: block; }
    RunProgress ProgressBar { width: auto; }
    RunProgress Bar { width: 20; }
    RunProgress #run-progress-text { width: 1fr; padding: 0 0 0 1; color: $text-muted; }
    """

    def __init__(self, unit: str = "answered", *, clock: Callable[[], float] = time.monotonic,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.unit = unit
        self.clock = clock
        self._t0: float | None = None  # when the first watched item finished
        self._done0 = 0  # items done at that moment
        self._seen: int | None = None  # items done when watching began
        self.running = False

    def compose(self) -> ComposeResult:
        yield ProgressBar(show_eta=False, show_percentage=True, id="run-progress-bar")
        yield Static("", id="run-progress-text", markup=False)

    def rate(self, done: int, now: float | None = None) -> float | None:
        """Items per second since the first item seen finishing; None until it can be told."""
        if self._t0 is None:
            return None
        elapsed = (now if now is not None else self.clock()) - self._t0
        finished = done - self._done0
        if finished < MIN_ITEMS_FOR_ETA or elapsed < MIN_SECONDS_FOR_ETA:
            return None
        return finished / elapsed

    def show(self, done: int, total: int, *, running: bool) -> None:
        self.add_class("-shown")
        if not running:
            self._t0, self._seen = None, None
        elif self._seen is None:
            self._seen = done  # what was already done when we started watching
        elif self._t0 is None and done > self._seen:
            self._t0, self._done0 = self.clock(), done
        self.running = running
        self.query_one(ProgressBar).update(total=max(total, 1), progress=min(done, max(total, 1)))
        self.query_one("#run-progress-text", Static).update(
            progress_text(done, total, self.rate(done), self.unit, running=running))

    def clear(self) -> None:
        self.remove_class("-shown")
        self.running, self._t0, self._seen = False, None, None
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.query_one("#run-progress-text", Static).update("")
