"""A scrolling Markdown view fed token by token: finished blocks render once, only the open one again.

``feed()`` is cheap and synchronous (a delta callback can call it for every token). A render
task appends everything that arrived since its last pass, at most ``1 / min_interval_s``
times a second, so when tokens come faster than the screen repaints, many deltas coalesce
into one append.

Why not Textual's Markdown widget: it mounts a widget per block, and every append then
relayouts and repaints the whole column (tens of milliseconds per column on a slow CPU,
growing with the answer, all on the event loop; four columns streaming made the loop miss
its 10 ms timers by a second). Here the text is cut into top-level blocks with markdown-it
(the parser Textual itself uses). A block followed by another one is finished: it is
rendered once with Rich's Markdown into cached lines. Only the last, still-growing block is
parsed and rendered again on each pass. The widget is a single line-API ScrollView, so an
append costs one block's rendering plus a repaint of the visible lines, however long the
answer grows. Streaming widgets of one app take turns (``gap_s`` apart), so a repaint covers
one column, not four at once.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from rich.style import Style
from textual.events import Resize
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

CODE_THEME = "monokai"

# One turnstile per running app (tests run several apps one after another): streaming
# widgets take turns, so each repaint covers one column.
_turnstiles: "weakref.WeakKeyDictionary[Any, asyncio.Lock]" = weakref.WeakKeyDictionary()


def _turnstile(app: Any) -> asyncio.Lock:
    lock = _turnstiles.get(app)
    if lock is None:
        lock = _turnstiles[app] = asyncio.Lock()
    return lock


def split_blocks(text: str, parser: Any) -> list[tuple[int, int]]:
    """Line ranges [start, end) of the top-level Markdown blocks of ``text``, in order."""
    # Openings (paragraph_open, bullet_list_open, ...) and whole blocks (fence, hr) carry
    # their source lines; closings do not.
    return [(t.map[0], t.map[1]) for t in parser.parse(text)
            if t.level == 0 and t.map is not None and t.nesting >= 0]


def keep_line_breaks(tokens: list) -> None:
    """Show a single newline inside a paragraph as a line break, not a space.

    Strict Markdown joins such lines, but models write poems, addresses and step lists that
    way, and a chat reader expects to see the lines they wrote.
    """
    for token in tokens:
        for child in token.children or ():
            if child.type == "softbreak":
                child.type = "hardbreak"


class StreamingMarkdown(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    StreamingMarkdown {
        height: 1fr; overflow-x: hidden; overflow-y: auto; scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;  /* the wrap width never changes when the scrollbar appears */
    }
    """

    def __init__(self, markdown: str = "", *, min_interval_s: float = 0.08, gap_s: float = 0.015,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.min_interval_s = min_interval_s  # this widget's rest between its own passes
        self.gap_s = gap_s  # the pause after any widget's pass before the next widget's
        self._chunks: list[str] = []
        self._queued: list[str] = []
        self._reset = False
        # Rendered state: sources of finished blocks and their lines, then the open block.
        self._done_sources: list[str] = []
        self._done_lines: list[Strip] = []
        self._tail = ""  # source of the open (last) block, and anything after it
        self._tail_lines: list[Strip] = []
        self._width = 0
        self._parser: Any = None
        self._line_style: Style = Style()  # base style, looked up once per repaint, not per line
        # Finished strips by line index: the same Strip objects each repaint, so Textual's own
        # per-strip caches work; lines from the open block's start are dropped on each pass.
        self._final: dict[int, Strip] = {}
        self._final_key: tuple = ()
        self._streaming = False  # a stream is growing: keep runway below the text
        self._follow = True  # keep the newest text in view (until the reader scrolls up)
        self._auto_y = 0  # where this widget last scrolled to, to notice the reader scrolling
        self._wake = asyncio.Event()
        self._sized = asyncio.Event()  # set by the first resize that gives the text a width
        self._idle = asyncio.Event()
        self._idle.set()
        self._render_task: asyncio.Task | None = None
        self.fragments_fed = 0
        self.appends = 0  # render passes: far fewer than fragments when coalescing works
        self.blocks_rendered = 0  # block renders: each finished block once, the open one per pass
        if markdown:
            self.feed(markdown)

    # -- feeding ----------------------------------------------------------------------------
    @property
    def text(self) -> str:
        """Everything fed so far, rendered or not."""
        return "".join(self._chunks)

    @property
    def rendered_text(self) -> str:
        """The part of the text already on screen."""
        text = self.text
        return text[: len(text) - sum(map(len, self._queued))]

    def feed(self, fragment: str) -> None:
        """Queue a fragment to append at the end (call from the app's event loop only)."""
        if not fragment:
            return
        self._chunks.append(fragment)
        self._queued.append(fragment)
        self.fragments_fed += 1
        self._kick()

    def restart(self) -> None:
        """Forget the text shown so far (a new answer, or a retried attempt, starts over)."""
        self._chunks.clear()
        self._queued.clear()
        self.fragments_fed = self.appends = self.blocks_rendered = 0
        self._reset = True
        self._streaming = True
        self._kick()

    def set_text(self, text: str) -> None:
        """Replace the whole document at once (finished or stored answers); renders shortly."""
        self._chunks = [text] if text else []
        self._queued = [text] if text else []
        self._reset = True
        self._streaming = False
        self._kick()

    async def settle(self) -> None:
        """Wait until every fed fragment is on screen (returns at once while not laid out)."""
        while (self._queued or self._reset or not self._idle.is_set()) and self._content_width() > 0:
            await asyncio.sleep(0.01)

    # -- render loop ------------------------------------------------------------------------
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
                if not self.is_mounted or self._content_width() <= 0:
                    # Not laid out (yet, or its screen is hidden): nothing to wrap to.
                    self._sized.clear()
                    await self._sized.wait()
                    continue
                async with _turnstile(self.app):
                    self._render_pending()
                    # Hold the turnstile while the screen repaints this column, so that
                    # columns repaint one after the other, never all in one loop iteration.
                    await asyncio.sleep(self.gap_s)
                # Fragments arriving meanwhile share the next pass.
                await asyncio.sleep(self.min_interval_s)
        except asyncio.CancelledError:
            self._idle.set()
            raise

    def _render_pending(self) -> None:
        if self._reset:
            self._reset = False
            self._done_sources, self._done_lines = [], []
            self._tail, self._tail_lines = "", []
            self._final.clear()
            self._follow, self._auto_y = True, 0
            self.scroll_to(0, 0, animate=False, immediate=True)
            self.virtual_size = Size(self._width, 0)
            self.refresh()
        if not self._queued:
            return
        view = self.scrollable_content_region.height
        before = len(self._done_lines) + len(self._tail_lines)
        if int(self.scroll_y) != self._auto_y:
            # The reader scrolled: follow the stream again only once they are back at its end.
            self._follow = self.scroll_y + view >= before
        first_changed = len(self._done_lines)  # the open block starts here
        self._tail += "".join(self._queued)
        self._queued.clear()
        self._advance()
        for index in [i for i in self._final if i >= first_changed]:
            del self._final[index]
        self.appends += 1
        self._resize_virtual()
        total = len(self._done_lines) + len(self._tail_lines)
        if self._follow and total > self.scroll_y + view:
            # The newest line fell below the view: scroll so that it is the bottom line, as a
            # terminal does. (Jumping it to mid-view saved repaints but left half the column
            # empty below the text, which readers took for a stream that stopped following.)
            # Passes are at most 1 / min_interval_s a second, so this is a repaint per pass.
            self.scroll_to(y=max(0, total - view), animate=False, immediate=True, force=True)
            self.refresh()
        else:
            top = max(0, first_changed - int(self.scroll_y))
            if top < view:
                self.refresh(Region(0, top, self.size.width, view - top))
        self._auto_y = int(self.scroll_y)

    def _resize_virtual(self) -> None:
        """Content height, plus half a page of runway while streaming, in half-page steps.

        A new virtual size means a relayout of the screen; in steps, that happens once per
        half page of text rather than once per line.
        """
        total = len(self._done_lines) + len(self._tail_lines)
        height = total
        if self._streaming:
            half = max(1, self.scrollable_content_region.height // 2)
            height = (total // half + 2) * half
        if height != self.virtual_size.height or self._width != self.virtual_size.width:
            self.virtual_size = Size(self._width, height)

    def end_stream(self) -> None:
        """The answer is complete: drop the runway below it."""
        self._streaming = False
        if self.is_mounted:
            self._resize_virtual()
            if self.scroll_y > self.max_scroll_y:
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def _advance(self) -> None:
        """Freeze the blocks the tail has finished, then re-render the open one."""
        width = self._content_width()
        if width != self._width:
            self._rewrap(width)
        lines = self._tail.splitlines(keepends=True)
        blocks = split_blocks(self._tail, self._markdown_parser())
        if len(blocks) > 1:
            for start, end in blocks[:-1]:
                self._freeze("".join(lines[start:end]))
            self._tail = "".join(lines[blocks[-1][0]:])
        self._tail_lines = self._render_tail(self._width)

    def _render_tail(self, width: int) -> list[Strip]:
        if not self._tail.strip():
            return []
        gap = [Strip.blank(width)] if self._done_lines else []  # the blank line between blocks
        return gap + self._render_block(self._tail, width)

    def _freeze(self, source: str) -> None:
        if not source.strip():
            return
        if self._done_lines:
            self._done_lines.append(Strip.blank(self._width))  # the gap Markdown puts between blocks
        self._done_sources.append(source)
        self._done_lines.extend(self._render_block(source, self._width))

    def _rewrap(self, width: int) -> None:
        self._width = width
        self._final.clear()
        sources, self._done_sources, self._done_lines = self._done_sources, [], []
        for source in sources:
            self._freeze(source)

    def _render_block(self, source: str, width: int) -> list[Strip]:
        from rich.markdown import Markdown as RichMarkdown

        self.blocks_rendered += 1
        document = RichMarkdown(source.rstrip("\n"), code_theme=CODE_THEME, hyperlinks=False)
        keep_line_breaks(document.parsed)
        console = self.app.console
        options = console.options.update(width=max(1, width), height=None, highlight=False)
        return [Strip(line) for line in console.render_lines(document, options, pad=False)]

    def _markdown_parser(self) -> Any:
        if self._parser is None:
            from markdown_it import MarkdownIt

            self._parser = MarkdownIt("gfm-like")
        return self._parser

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def on_resize(self, event: Resize) -> None:
        width = self._content_width()
        if width > 0:
            self._sized.set()
        if width > 0 and width != self._width and (self._done_sources or self._tail):
            self._rewrap(width)
            self._tail_lines = self._render_tail(width)
            self._resize_virtual()
            self.refresh()

    # -- line API ---------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        self._line_style = self.rich_style
        key = (self._line_style, self.scrollable_content_region.width)
        if key != self._final_key:
            self._final.clear()
            self._final_key = key
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        strip = self._final.get(index)
        if strip is not None:
            return strip
        width = self._final_key[1] if self._final_key else self.scrollable_content_region.width
        base = self._line_style
        done = len(self._done_lines)
        if index < done:
            line = self._done_lines[index]
        elif index - done < len(self._tail_lines):
            line = self._tail_lines[index - done]
        else:
            return Strip.blank(width, base)
        strip = self._final[index] = line.apply_style(base).crop_extend(0, width, base)
        return strip

    def on_unmount(self) -> None:
        if self._render_task is not None:
            self._render_task.cancel()
