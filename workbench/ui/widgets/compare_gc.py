"""Keep full garbage collections out of the event loop while answers stream.

Streaming allocates fast: every chunk becomes several litellm/pydantic objects, and every
repainted line several Textual strips. That churn triggers CPython's full (generation 2)
collections every second or so, and each one walks every long-lived object — with litellm,
torch and transformers loaded, a pause of a large fraction of a second, right in the middle
of the streams (measured: 80-190 ms pauses every 0.7 s with four columns streaming).

While at least one stream runs: the objects alive at its start are frozen (never scanned
again: they are the app's long-lived state, loaded libraries included), and full
collections wait. Young collections (generations 0 and 1) go on as usual, so short-lived
cyclic garbage is still freed at once. A second after the last stream ends (if no new one
has started), the previous thresholds come back and the deferred full collection runs
then, while nothing streams, instead of on top of the answers' last repaints (the frozen
objects are unfrozen then, so nothing is kept for good). The restore
runs on a timer thread, so it happens even if the app's loop is gone by then.
"""

from __future__ import annotations

import gc
import threading

RESTORE_DELAY_S = 1.0
# Generation-2 threshold while streaming: large enough that no full collection starts.
_DEFERRED = 1_000_000

_lock = threading.Lock()
_active = 0
_saved: tuple[int, int, int] | None = None  # thresholds to restore; None when not deferred


def streams_started() -> None:
    global _active, _saved
    with _lock:
        _active += 1
        if _active > 1:
            return
        if _saved is None:  # else a restore is still pending: thresholds are deferred already
            _saved = gc.get_threshold()
            gc.set_threshold(_saved[0], _saved[1], _DEFERRED)
    gc.freeze()


def streams_finished() -> None:
    global _active
    with _lock:
        if _active == 0:
            return
        _active -= 1
        if _active:
            return
    timer = threading.Timer(RESTORE_DELAY_S, _restore_if_idle)
    timer.daemon = True
    timer.start()


def _restore_if_idle() -> None:
    global _saved
    with _lock:
        if _active == 0 and _saved is not None:
            # Frozen objects go back to the oldest generation, so garbage that was alive-looking
            # at send time is still collected by the next full pass, not kept forever.
            gc.unfreeze()
            gc.set_threshold(*_saved)
            _saved = None


def reset() -> None:
    """Forget every stream and restore the thresholds now (the screen that streamed is gone)."""
    global _active
    with _lock:
        _active = 0
    _restore_if_idle()


def active() -> int:
    return _active
