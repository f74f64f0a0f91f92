"""One process at a time per run: a second `--resume` of a run that is still going is refused.

Two processes working on one run would ask the same pending items twice and store two sets
of answers and verdicts. Each run's owner holds an exclusive ``flock`` on a small file in
the user's cache directory, named from the database path and the run id. The kernel
drops the lock when the owner exits, however it exits (``kill -9`` included), so a run
whose process died can be resumed at once, with no stale lock to clear by hand. ``flock``
locks belong to an open file, so a second claim from the same process is refused too.

Whether a run is still going is read by taking its lock for an instant (``busy()``), so a
claim waits out such a probe for a moment before it reports the run busy: without that,
a run started while the screen was reading run statuses failed at once.

Where ``fcntl`` does not exist (Windows) runs are not locked.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - no fcntl there
    fcntl = None
else:
    import fcntl


# A probe holds a lock for microseconds, or a few milliseconds when its thread is preempted;
# an owner holds it for the whole run. Claims wait this long before calling the run busy.
CLAIM_WAIT_S = 0.5
PROBE_WAIT_S = 0.02
_RETRY_S = 0.005


class RunBusy(LookupError):
    """The run is being worked on by another process (or another part of this one)."""


def _lock_dir() -> Path:
    from platformdirs import user_cache_dir

    from workbench.config import APP_NAME

    # The cache dir, not the runtime dir: that one needs XDG_RUNTIME_DIR, which ssh sessions
    # and containers often lack (platformdirs then warns on stderr).
    default = Path(user_cache_dir(APP_NAME, appauthor=False)) / "locks"
    path = Path(os.environ.get("WORKBENCH_LOCK_DIR") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def lock_path(db_path: str | Path, run_id: int) -> Path:
    db_key = hashlib.sha1(str(Path(db_path).resolve()).encode()).hexdigest()[:16]
    return _lock_dir() / f"run-{db_key}-{run_id}.lock"


class RunLock:
    """An exclusive claim on one run; ``release()`` (or the process ending) gives it back."""

    def __init__(self, db_path: str | Path, run_id: int):
        self.run_id = run_id
        self.path = lock_path(db_path, run_id)
        self._fd: int | None = None

    def acquire(self, wait_s: float = CLAIM_WAIT_S) -> "RunLock":
        """Claim the run, or raise RunBusy if it is still held after ``wait_s`` seconds."""
        if fcntl is None or self._fd is not None:
            return self
        fd = self._take(wait_s)
        if fd is None:
            raise self._busy_error()
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def busy(self) -> bool:
        """Whether someone else holds the run now. Holds the lock only for an instant and
        writes nothing, so it never passes for an owner."""
        if fcntl is None or self._fd is not None:
            return False
        fd = self._take(PROBE_WAIT_S)
        if fd is None:
            return True
        os.close(fd)
        return False

    def check(self) -> None:
        """Raise RunBusy now if someone holds the run (a courtesy before any work starts,
        as quick as a status read; the claim that counts is ``acquire``)."""
        if self.busy():
            raise self._busy_error()

    def _busy_error(self) -> RunBusy:
        fd = os.open(self.path, os.O_RDONLY)
        try:
            owner = _read_owner(fd)
        finally:
            os.close(fd)
        who = f"process {owner}" if owner else "another process"
        return RunBusy(f"run {self.run_id} is still running in {who}: wait for it to finish, "
                       "or stop it (ctrl+c, or the TUI's stop key) before resuming")

    def _take(self, wait_s: float) -> int | None:
        """An open descriptor holding the flock, or None if it stayed held for ``wait_s``."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return None
                time.sleep(_RETRY_S)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the file drops the flock

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __del__(self) -> None:
        self.release()


def _read_owner(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""
