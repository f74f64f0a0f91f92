"""Another process holding a database's write lock (workbench.devtools.lock_holder)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class HeldLock:
    """Takes the write lock of ``path`` in a child process; ``release()`` lets it go.

    ``max_hold`` is a safety net: code that blocks on the lock instead of queueing its
    write gets it back after that long, so a regression fails its assertions, not the run.
    """

    def __init__(self, path: Path, max_hold: float = 30.0):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.devtools.lock_holder", str(path), "--until-stdin",
             "--max-hold", str(max_hold)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip() if self.proc.stdout else ""
        if line != "locked":
            self.proc.kill()
            raise RuntimeError(f"lock holder did not start: {line!r}")

    def release(self) -> None:
        if self.proc.poll() is None and self.proc.stdin is not None:
            try:
                self.proc.stdin.write("\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
        self.proc.wait(30)

    def __enter__(self) -> "HeldLock":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
