"""Helpers for Pilot tests: what the app told the user, and waiting for a condition."""

from __future__ import annotations

import time
from typing import Any


class Notes:
    """Every notification the app shows, so tests can check what the user was told."""

    def __init__(self, app: Any):
        self.items: list[tuple[str, str]] = []
        original = app.notify

        def notify(message: str, *args, severity: str = "information", **kwargs):
            self.items.append((severity, str(message)))
            return original(message, *args, severity=severity, **kwargs)

        app.notify = notify

    def errors(self) -> list[str]:
        return [m for s, m in self.items if s == "error"]

    def last(self) -> str:
        return self.items[-1][1] if self.items else ""


async def wait_for(pilot, predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.05)


async def writes_landed(app: Any, pilot: Any, timeout: float = 150.0) -> None:
    """Wait until the app's store writer has run every write queued so far (it is a thread:
    see workbench/ui/store_writer.py) and the screens have handled what it posted back."""
    import asyncio

    assert await asyncio.to_thread(app.writer.flush, timeout), "store writes still queued"
    await pilot.pause()


async def send_and_wait_started(pilot, screen, notes: Notes) -> None:
    """Press ctrl+s and wait until the exchange is stored and the columns stream.

    On a loaded 2-core machine the key occasionally arrives before the typed prompt has
    settled; one more press is what a user does. What the app said is kept for the report.
    """
    for attempt in range(2):
        await pilot.press("ctrl+s")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if screen.running or screen.exchange_id is not None:
                return
            await pilot.pause(0.05)
    raise AssertionError(f"the send never started; the app said: {notes.items}; "
                         f"prompt={screen.query_one('#prompt').text!r}")


async def fill_ice_form(pilot, screen, *, budget: str, questions: str = "2", templates: str = "2",
                        max_tokens: str | None = "32", target: str = "echo") -> None:
    """Fill the ICE screen's form for a small run of ``target`` with the rule judge and no
    helper; ``max_tokens=None`` leaves that field empty (the model's own params apply)."""
    from textual.widgets import Input, Select

    screen.query_one("#ice-target", Select).value = target
    screen.query_one("#ice-judge", Select).value = "rule"
    screen.query_one("#ice-helper", Select).value = "none"
    fields = [("#ice-budget", budget), ("#ice-questions", questions), ("#ice-templates", templates)]
    if max_tokens is not None:
        fields.append(("#ice-max-tokens", max_tokens))
    for wid, value in fields:
        screen.query_one(wid, Input).value = value
    await pilot.pause()


def notifications(app: Any) -> list[str]:
    """The messages of the toasts the app shows now (Textual keeps them on a private list)."""
    return [n.message for n in app._notifications]
