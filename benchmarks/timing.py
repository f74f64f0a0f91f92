"""Timing helper shared by the start-up benchmarks (cli_start, first_frame).

Each side is one callable that starts a process and returns the seconds it took to reach
the point being measured (its first request, its first frame, its exit). The sides run in
turns, one of each per round, so a burst of load on the shared machine hits all of them
alike; the figures are then best-of-N per side and ratios to a baseline side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping


def alternate(sides: Mapping[str, Callable[[], float]], repeats: int,
              warm_up: Iterable[str] = ()) -> dict[str, list[float]]:
    """Seconds of every side, ``repeats`` rounds in turns, after one untimed run of each side
    named in ``warm_up`` (the first start after an install writes .pyc files, fills the OS
    file cache, creates the database)."""
    for name in warm_up:
        sides[name]()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeats):
        for name, side in sides.items():
            times[name].append(side())
    return times
