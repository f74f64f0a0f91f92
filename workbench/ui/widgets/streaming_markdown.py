"""A Markdown widget fed token by token that renders appended fragments, never the whole text.

``feed()`` is cheap and synchronous (a delta callback can call it for every token). One
render task per widget appends everything that arrived since its last pass with
``Markdown.append`` (which re-parses only the last top-level block), then rests
``min_interval_s``: when tokens come faster than the widget renders, many deltas coalesce
into one append instead of queueing one render per token.
"""

from __future__ import annotations

import asyncio

from textual.widgets import Markdown


class StreamingMarkdown(Markdown):
    DEFAULT_CSS = """
    StreamingMarkdown { height: auto; margin: 0; padding: 0 1 0 0; }
    """

    def __init__(self, markdown: str = "", *, min_interval_s: float = 1 / 30, **kwargs) -> None:
        super().__init__(markdown, **kwargs)
        self.min_interval_s = min_interval_s
        self._chunks: list[str] = [markdown] if markdown else []
        self._queued: list[str] = []
        self._reset = False
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._render_task: asyncio.Task | None = None
        self._render_lock = asyncio.Lock()
        self.fragments_fed = 0
        self.appends = 0  # render passes: far fewer than fragments when coalescing works

    # -- feeding ----------------------------------------------------------------------------
    @property
    def text(self) -> str:
        """Everything fed so far, rendered or not."""
        return "".join(self._chunks)

    def feed(self, fragment: str) -> None:
        """Queue a fragment to append at the end (call from the app's event loop only)."""
        if not fragment:
            return
        self._chunks.append(fragment)
        self._queued.append(fragment)
        self.fragments_fed += 1
        self._kick()

    def restart(self) -> None:
        """Forget the text shown so far (a retried attempt starts over)."""
        self._chunks.clear()
        self._queued.clear()
        self.fragments_fed = self.appends = 0
        self._reset = True
        self._kick()

    async def set_text(self, text: str) -> None:
        """Replace the whole document at once (finished or stored answers)."""
        async with self._render_lock:
            self._queued.clear()
            self._reset = False
            self._chunks = [text] if text else []
            await self.update(text)

    async def settle(self) -> None:
        """Wait until every fed fragment is on screen."""
        while self._queued or self._reset or not self._idle.is_set():
            await self._idle.wait()
            await asyncio.sleep(0)

    # -- rendering --------------------------------------------------------------------------
    def _kick(self) -> None:
        self._idle.clear()
        self._wake.set()
        if self._render_task is None or self._render_task.done():
            self._render_task = asyncio.create_task(self._render_loop(), name=f"stream-render {self.id}")

    async def _render_loop(self) -> None:
        try:
            while True:
                if not (self._queued or self._reset):
                    self._idle.set()
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                async with self._render_lock:
                    if self._reset:
                        self._reset = False
                        await self.update("")
                    if self._queued:
                        fragment = "".join(self._queued)
                        self._queued.clear()
                        follow = self._at_end()
                        await self.append(fragment)
                        self.appends += 1
                        if follow:
                            # Keep the newest text in view unless the reader scrolled up.
                            self.parent.scroll_end(animate=False)
                # Rest between passes so fragments arriving meanwhile share the next append.
                await asyncio.sleep(self.min_interval_s)
        except asyncio.CancelledError:
            self._idle.set()
            raise
        except Exception:
            # Unmounted mid-append (screen closed while streaming): nothing left to draw on.
            self._idle.set()
            if self.is_mounted:
                raise

    def _at_end(self) -> bool:
        parent = self.parent
        return parent is not None and hasattr(parent, "max_scroll_y") and parent.scroll_y >= parent.max_scroll_y - 1

    def on_unmount(self) -> None:
        if self._render_task is not None:
            self._render_task.cancel()
