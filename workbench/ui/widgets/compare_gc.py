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
then, while nothing streams, instead of on top of the answers' last repaints.
"""

from __future__ import annotations

import asyncio
import gc

RESTORE_DELAY_S = 1.0
_active = 0
_saved: tuple[int, int, int] | None = None
# Generation-2 threshold while streaming: large enough that no full collection starts.
_DEFERRED = 1_000_000


def streams_started() -> None:
    global _active, _saved
    _active += 1
    if _active > 1:
        return
    gc.freeze()
    _saved = gc.get_threshold()
    gc.set_threshold(_saved[0], _saved[1], _DEFERRED)


def streams_finished() -> None:
    global _active
    if _active == 0:
        return
    _active -= 1
    if _active == 0:
        try:
            asyncio.get_running_loop().call_later(RESTORE_DELAY_S, _restore_if_idle)
        except RuntimeError:  # no loop (called from plain code): restore now
            _restore_if_idle()


def _restore_if_idle() -> None:
    global _saved
    if _active == 0 and _saved is not None:
        gc.set_threshold(*_saved)
        _saved = None


def active() -> int:
    return _active


def reset() -> None:
    """Forget every stream and restore the thresholds now (the screen that streamed is gone)."""
    global _active
    _active = 0
    _restore_if_idle()
