"""Hold a database's write lock from another process, as a busy CLI run or job worker would.

Used by the UI tests and the ``ui_lag`` benchmark to check that the TUI stays responsive
while it cannot write. Two modes:

- ``--hold S [--gap G] [--cycles N]``: BEGIN IMMEDIATE, sleep S seconds, COMMIT, sleep G,
  again (N times, or until killed). Prints ``locked`` / ``released`` lines as it goes.
- ``--until-stdin``: take the lock once, print ``locked``, and keep it until a line arrives
  on stdin (or stdin closes, or ``--max-hold`` seconds pass, a safety net), then COMMIT and
  print ``released``.

Run it by hand: ``python -m workbench.devtools.lock_holder PATH --hold 2 --gap 0.2``.
Plain sqlite3 on purpose: it must not depend on the store code whose waiting it exercises.
"""

from __future__ import annotations

import argparse
import select
import sqlite3
import sys
import time


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 60000")
    return conn


def _say(line: str) -> None:
    print(line, flush=True)


def hold_cycles(path: str, hold_s: float, gap_s: float, cycles: int | None) -> None:
    conn = _connect(path)
    n = 0
    while cycles is None or n < cycles:
        conn.execute("BEGIN IMMEDIATE")
        _say("locked")
        time.sleep(hold_s)
        conn.execute("COMMIT")
        _say("released")
        n += 1
        time.sleep(gap_s)


def hold_until_stdin(path: str, max_hold_s: float) -> None:
    conn = _connect(path)
    conn.execute("BEGIN IMMEDIATE")
    _say("locked")
    select.select([sys.stdin], [], [], max_hold_s)
    conn.execute("COMMIT")
    _say("released")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="the SQLite file")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds each hold lasts")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between holds")
    parser.add_argument("--cycles", type=int, default=None, help="holds in all (default: until killed)")
    parser.add_argument("--until-stdin", action="store_true", help="hold once, until a line on stdin")
    parser.add_argument("--max-hold", type=float, default=60.0, help="with --until-stdin: release anyway after this")
    args = parser.parse_args(argv)
    try:
        if args.until_stdin:
            hold_until_stdin(args.path, args.max_hold)
        else:
            hold_cycles(args.path, args.hold, args.gap, args.cycles)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
