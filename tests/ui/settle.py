"""Wait for a screen's workers without failing on the ones that were superseded.

Screens start their reads as exclusive workers: a newer read of the same group cancels the
older (the jobs screen polls every few seconds, so on a slow machine a poll can still be
running when the next one starts). ``WorkerManager.wait_for_complete`` raises
``WorkerCancelled`` for such a superseded read, which is the design working, not a fault.
A worker that failed still fails the test.
"""

from __future__ import annotations

import asyncio

from textual.worker import WorkerCancelled


async def settle_workers(app) -> None:
    # Loop because a finishing worker may start another (a load that triggers a render read).
    for _ in range(10):
        workers = [w for w in app.workers if not w.is_finished]
        if not workers:
            return
        results = await asyncio.gather(*(w.wait() for w in workers), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, WorkerCancelled):
                raise result
