"""The one timestamp format of the workbench, below every layer that stamps a row or a response.

It lives here, not in ``workbench.store.db``, so the gateway (models) can stamp responses
without importing the store; ``workbench.store.db`` re-exports it for its callers.
"""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> str:
    """UTC timestamp with microseconds, sortable as text."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
