"""One model's answer in the compare grid: model, params, streamed Markdown, stats, error.

The column owns what it shows and nothing else: the screen starts and stores requests and
calls ``begin`` / ``on_delta`` / ``finish`` on it from the app's event loop. Read-only
columns (a stored exchange) show their params as text instead of inputs.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Click, DescendantFocus
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from workbench.models.types import MAX_TEMPERATURE, MAX_TOKENS_LIMIT
from workbench.ui.widgets.param_input import ParamInput
from workbench.ui.widgets.streaming_markdown import StreamingMarkdown


class ParamError(ValueError):
    """A column parameter the user typed that cannot be sent; the message says which and why."""


def format_stats(r: Any) -> str:
    """'ttft 0.12s · 35.1 tok/s · 120 tok · $0.000123' from a Response or a stored ResponseRow."""
    parts: list[str] = []
    if getattr(r, "ttft_s", None) is not None:
        parts.append(f"ttft {r.ttft_s:.2f}s")
    if getattr(r, "tokens_per_s", None):
        parts.append(f"{r.tokens_per_s:.1f} tok/s")
    if getattr(r, "completion_tokens", None) is not None:
        parts.append(f"{r.completion_tokens} tok")
    cost = getattr(r, "cost_usd", None)
    if cost:  # zero (local models) and unknown (None) both say nothing worth a column's width
        parts.append(f"${cost:.6f}" if cost < 0.01 else f"${cost:.4f}")
    status = getattr(r, "status", "ok")
    if status != "ok":
        parts.append(status)
    return " · ".join(parts) if parts else status


def format_params(params: dict[str, Any]) -> str:
    shown = []
    if params.get("temperature") is not None:
        shown.append(f"temp {params['temperature']:g}")
    if params.get("max_tokens") is not None:
        shown.append(f"max {params['max_tokens']}")
    return " · ".join(shown)


class ResponseColumn(Vertical):
    """A compare column. ``model`` is a configured name or a litellm model string."""

    DEFAULT_CSS = """
    ResponseColumn {
        width: 1fr; height: 1fr; border: round $panel-lighten-2; padding: 0 0 0 1;
        border-title-color: $text-muted; border-subtitle-color: $text-muted;
    }
    ResponseColumn.-selected { border: round $accent; border-title-color: $accent; }
    /* One line, cut with an ellipsis: at 80 columns a wrapped name left only "1 ·" on show. */
    ResponseColumn .col-title { height: 1; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
    ResponseColumn .col-params { height: 1; }
    ResponseColumn .col-params Label { padding: 0 1 0 0; color: $text-muted; }
    ResponseColumn .col-params Input { width: 1fr; max-width: 10; margin: 0 1 0 0; }
    ResponseColumn .col-params-text { height: 1; color: $text-muted; }
    ResponseColumn .col-body { height: 1fr; scrollbar-size-vertical: 1; }
    ResponseColumn .col-stats { height: 1; color: $text-muted; }
    ResponseColumn .col-error { color: $error; height: auto; max-height: 4; display: none; }
    ResponseColumn .col-error.-shown { display: block; }
    """

    class Selected(Message):
        """The user clicked or focused into this column."""

        def __init__(self, column: "ResponseColumn") -> None:
            super().__init__()
            self.column = column

    class PickModel(Message):
        """The user clicked the column's model name: open the model picker for it."""

        def __init__(self, column: "ResponseColumn") -> None:
            super().__init__()
            self.column = column

    def __init__(self, model: str, *, index: int = 1, temperature: float | None = None,
                 max_tokens: int | None = None, read_only: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self.index = index
        self.read_only = read_only
        self._temperature = temperature
        self._max_tokens = max_tokens
        self.response: Any = None  # last Response (live) or ResponseRow (stored)
        self.cancel_event: asyncio.Event | None = None
        self.running = False
        self._started = 0.0
        self._first_token_at: float | None = None
        self._phase: str | None = None  # "loading model local/x" before the request is sent
        self._ticker: Timer | None = None

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        title = Static(self._title_text(), classes="col-title", markup=False)
        title.tooltip = self.model or None  # the whole name, when the column cuts it
        yield title
        if self.read_only:
            yield Static(format_params({"temperature": self._temperature, "max_tokens": self._max_tokens})
                         or "default params",
                         classes="col-params-text")
        else:
            with Horizontal(classes="col-params"):
                yield Label("temp")
                yield self._param_input(_fmt(self._temperature), "temperature", type="number",
                                        classes="col-temperature",
                                        tooltip="temperature (0-2); empty: the model's own (its params in "
                                                "models.toml)")
                yield Label("max")
                yield self._param_input(_fmt(self._max_tokens), "max_tokens", type="integer",
                                        classes="col-max-tokens",
                                        tooltip="max tokens; empty: the model's own (its params in models.toml)")
        yield StreamingMarkdown(classes="col-body")
        yield Static("", classes="col-stats")
        yield Static("", classes="col-error", markup=False)

    def _param_input(self, value: str, param: str, **kwargs: Any) -> ParamInput:
        field = ParamInput(value, compact=True, **kwargs)
        field.hint = self._default(param)
        return field

    def _default(self, param: str) -> str:
        """What an empty field sends: the model's params in models.toml, else the provider's default."""
        config = getattr(self.app, "config", None)
        spec = (getattr(config, "models", None) or {}).get(self.model)
        value = (getattr(spec, "params", None) or {}).get(param)
        return "default" if value is None else _fmt(value)

    def _title_text(self) -> str:
        return f"{self.index} · {self.model or '(no model: ctrl+k)'}"

    @property
    def markdown(self) -> StreamingMarkdown:
        return self.query_one(StreamingMarkdown)

    @property
    def text(self) -> str:
        return self.markdown.text

    # -- identity ---------------------------------------------------------------------------
    def set_index(self, index: int) -> None:
        self.index = index
        self.query_one(".col-title", Static).update(self._title_text())

    def set_model(self, model: str) -> None:
        self.model = model
        self.query_one(".col-title", Static).update(self._title_text())
        self.query_one(".col-title", Static).tooltip = model
        if not self.read_only:
            self.query_one(".col-temperature", ParamInput).hint = self._default("temperature")
            self.query_one(".col-max-tokens", ParamInput).hint = self._default("max_tokens")

    def set_selected(self, selected: bool) -> None:
        self.set_class(selected, "-selected")

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        self.post_message(self.Selected(self))

    def on_click(self, event: Click) -> None:
        widget = event.widget
        if widget is not None and widget.has_class("col-title"):
            self.post_message(self.PickModel(self))
        else:
            self.post_message(self.Selected(self))

    # -- params -----------------------------------------------------------------------------
    def read_params(self) -> dict[str, Any]:
        """temperature / max_tokens as typed (None: the model's default); ParamError if invalid."""
        if self.read_only:
            return {"temperature": self._temperature, "max_tokens": self._max_tokens}
        temp_text = self.query_one(".col-temperature", Input).value.strip()
        max_text = self.query_one(".col-max-tokens", Input).value.strip()
        params: dict[str, Any] = {"temperature": None, "max_tokens": None}
        if temp_text:
            try:
                temperature = float(temp_text)
            except ValueError:
                raise ParamError(f"column {self.index}: temperature {temp_text!r} is not a number") from None
            if not 0.0 <= temperature <= MAX_TEMPERATURE:
                raise ParamError(f"column {self.index}: temperature must be between 0 and {MAX_TEMPERATURE:g}")
            params["temperature"] = temperature
        if max_text:
            try:
                max_tokens = int(max_text)
            except ValueError:
                raise ParamError(f"column {self.index}: max tokens {max_text!r} is not a whole number") from None
            if not 1 <= max_tokens <= MAX_TOKENS_LIMIT:
                raise ParamError(f"column {self.index}: max tokens must be between 1 and {MAX_TOKENS_LIMIT}")
            params["max_tokens"] = max_tokens
        return params

    def set_params(self, temperature: float | None, max_tokens: int | None) -> None:
        self._temperature, self._max_tokens = temperature, max_tokens
        if not self.read_only:
            self.query_one(".col-temperature", Input).value = _fmt(temperature)
            self.query_one(".col-max-tokens", Input).value = _fmt(max_tokens)

    # -- streaming --------------------------------------------------------------------------
    def begin(self) -> asyncio.Event:
        """Clear the column for a new answer; returns the event that cancels it."""
        self.cancel_event = asyncio.Event()
        self.running = True
        self.response = None
        self._started = time.perf_counter()
        self._first_token_at = None
        self._phase = None
        self.markdown.restart()
        self._show_error(None)
        self._tick()
        if self._ticker is None:
            self._ticker = self.set_interval(0.5, self._tick)
        else:
            self._ticker.resume()
        return self.cancel_event

    def set_phase(self, phase: str | None) -> None:
        """What happens before the request goes out ("loading model …"); None: it is sent now.

        The clock restarts when the request is sent, so the live ttft counts what the
        stored one counts (from the request, without the model's load).
        """
        if phase is None and self._phase is not None:
            self._started = time.perf_counter()
        self._phase = phase
        self._tick()

    def on_delta(self, text: str, restart: bool) -> None:
        """Gateway delta callback: runs on the app's loop, so it may touch the widget."""
        if restart:
            self._first_token_at = None
            self.markdown.restart()
            return
        if self._first_token_at is None and text:
            self._first_token_at = time.perf_counter()
        self.markdown.feed(text)

    def cancel(self) -> bool:
        if self.running and self.cancel_event is not None:
            self.cancel_event.set()
            return True
        return False

    async def finish(self, response: Any) -> None:
        """Show the final answer and its stats (or its error); the partial text of a cancel stays.

        The column counts as running until all of that is on screen.
        """
        if self._ticker is not None:
            self._ticker.pause()
        self.response = response
        try:
            if response.text != self.markdown.text:
                self.markdown.set_text(response.text)
            else:
                await self.markdown.settle()
                self.markdown.end_stream()
            self.query_one(".col-stats", Static).update(format_stats(response))
            self._show_error(response.error if response.status == "error" else None)
        finally:
            self.running = False

    async def show_stored(self, row: Any) -> None:
        """Display a stored ResponseRow (no streaming)."""
        self.response = row
        self.markdown.set_text(row.text)
        self.query_one(".col-stats", Static).update(format_stats(row))
        self._show_error(row.error if row.status == "error" else None)

    async def clear(self) -> None:
        self.response = None
        self.markdown.set_text("")
        self.query_one(".col-stats", Static).update("")
        self._show_error(None)

    def _tick(self) -> None:
        if not self.running:
            return
        elapsed = time.perf_counter() - self._started
        if self._phase is not None:
            parts = [f"{self._phase}… {elapsed:.1f}s"]
        elif self._first_token_at is None:
            parts = [f"waiting for the first token… {elapsed:.1f}s"]
        else:
            parts = [f"streaming… {elapsed:.1f}s", f"ttft {self._first_token_at - self._started:.2f}s",
                     f"{self.markdown.fragments_fed} chunks"]
        # One fixed-height line: no relayout needed, only a repaint of that line.
        self.query_one(".col-stats", Static).update(" · ".join(parts), layout=False)

    def _show_error(self, error: str | None) -> None:
        box = self.query_one(".col-error", Static)
        box.update(error or "")
        box.set_class(bool(error), "-shown")


def _fmt(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
