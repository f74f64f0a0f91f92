"""What every step of an EvoKD run shares: its options and recorder, the data and the teacher,
the named random streams, progress and stop requests, and the one event loop teacher calls
run on. It also holds what one round leaves to the next (the analysis, the focus, the notes,
the budget's measured costs), which a resume rebuilds from the stored rounds.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any, Awaitable, Callable

from .data import Dataset, Example
from .options import EvoKDOptions
from .prompts import RoundNote
from .recorder import Recorder
from .student import Cancelled
from .teacher import Teacher

# Tokens kept back for the analysis before its prompt is known; later rounds use the last one's
# measured cost (a 0.5B teacher's analysis quoting 6 mistakes and 3 right answers costs 500-700).
ANALYSIS_RESERVE = 500
# A labelling call's tokens until one has been measured.
LABEL_COST = 100


class RunContext:
    def __init__(self, opts: EvoKDOptions, recorder: Recorder):
        self.o = opts
        self.rec = recorder
        self.ds: Dataset | None = None
        self.teacher: Teacher | None = None
        self.seeds: list[Example] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.units = 1  # progress units of the job: the rounds, round 0 and the full-shot reference
        # What drives the next round's generation: the latest analysis, the confusions on
        # the latest fresh samples, and the notes of every finished round.
        self.analysis = ""
        self.focus: list[str] = []
        self.notes: list[RoundNote] = []
        self.reserve = ANALYSIS_RESERVE
        self.label_cost = LABEL_COST
        self.carry = 0  # teacher tokens earlier rounds left unspent (with a budget)
        self.params: dict[str, Any] = {}

    # -- seeds and streams ----------------------------------------------------------------
    def rng(self, round: int, purpose: str) -> random.Random:
        return random.Random(f"{self.o.seed}:{round}:{purpose}")

    def torch_seed(self, round: int) -> int:
        return self.o.seed * 1009 + round

    def call_seed(self, round: int, n: int) -> int:
        return self.o.seed * 100_000 + round * 1000 + n

    # -- progress -------------------------------------------------------------------------
    def progress(self, round: int, phase: str, within: float, unit: int | None = None, **extra: Any) -> None:
        """Report ``phase`` of ``round``; ``unit`` places it in the job when it is not a round
        (the full-shot reference runs after the last round)."""
        done = round if unit is None else unit
        fraction = min(1.0, (done + max(0.0, min(within, 1.0))) / self.units)
        self.rec.progress(round=round, rounds=self.o.rounds if self.o.method != "none" else 0,
                          phase=phase, fraction=round_to(fraction, 4), **extra)

    def check_stop(self) -> None:
        if self.rec.should_stop():
            raise Cancelled()

    # -- async bridge ---------------------------------------------------------------------
    def arun(self, make: Callable[[], Awaitable[Any]]) -> Any:
        """Run teacher work on this run's one event loop; a stop request cancels calls."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        teacher = self.teacher

        async def main() -> Any:
            cancel = asyncio.Event()
            if teacher is not None:
                teacher.cancel = cancel

            async def watch() -> None:
                while not cancel.is_set():
                    if self.rec.should_stop():
                        cancel.set()
                        return
                    await asyncio.sleep(0.2)

            watcher = asyncio.ensure_future(watch())
            try:
                result = await make()
            finally:
                watcher.cancel()
            if cancel.is_set():
                raise Cancelled()
            return result

        return self._loop.run_until_complete(main())

    def close(self) -> None:
        if self._loop is not None:
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()
            self._loop = None


def round_to(x: float, digits: int) -> float:
    return float(round(x, digits))
