"""Compare: one prompt, two to four models answering side by side, every exchange stored.

This module is the screen: its layout, keys and what they do. The jobs live beside it:
the grid of columns (``widgets/compare_columns.py``, one ``widgets/response_column.py``
each), the session line with its totals (``widgets/session_line.py``) and the similarity
strip (``widgets/similarity_strip.py``); one column's answer, streamed and stored
(``ui/compare_stream.py``); and every store access (``ui/compare_store.py``): writes and the
usage totals go through the app's store writer, reads run on worker threads, never the loop.
The first send opens a ``compare`` session; later sends add exchanges to it until ctrl+n
starts a new one. Sending clears the prompt box; up on its first line brings earlier prompts
back (from the store, so they survive restarts).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, TextArea

from workbench.ui import compare_stream
from workbench.ui.compare_store import UsageRead, read_recent_prompts, read_session, request_usage, store_exchange_job
from workbench.ui.hints import bound_key
from workbench.ui.keys import ACTION_KEYS, action_binding
from workbench.ui.widgets import compare_gc
from workbench.ui.widgets.compare_columns import MAX_COLUMNS, MIN_COLUMNS, CompareColumns
from workbench.ui.widgets.prompt_editor import PromptEditor
from workbench.ui.widgets.response_column import ParamError, ResponseColumn
from workbench.ui.widgets.screen_base import WorkbenchScreen
from workbench.ui.widgets.session_line import SessionLine
from workbench.ui.widgets.similarity_strip import SimilarityStrip

__all__ = ["CompareScreen", "MAX_COLUMNS", "MIN_COLUMNS", "SESSION_KIND", "build_messages"]

SESSION_KIND = "compare"


def build_messages(system: str | None, prompt: str) -> list[dict]:
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    return messages


class CompareScreen(WorkbenchScreen):
    DEFAULT_CSS = """
    CompareScreen #compare-top { height: auto; padding: 0 1; }
    CompareScreen .compare-row { height: auto; }
    CompareScreen .compare-label { width: 8; color: $text-muted; padding: 0 1 0 0; }
    CompareScreen #system { width: 1fr; }
    CompareScreen #prompt { height: 6; width: 1fr; }
    CompareScreen.-short #prompt { height: 3; }
    """
    # Every key works from inside the prompt box (priority), which has the focus most of the time.
    BINDINGS = [
        action_binding("start", "send", "Send", id="compare.send"),
        Binding("ctrl+enter", "send", "Send", show=False, priority=True, id="compare.send_enter"),
        action_binding("stop", "cancel", "Stop", id="compare.cancel"),
        Binding("escape", "cancel", "Stop", show=False, priority=True, id="compare.cancel_escape"),
        action_binding("resume", "regenerate", "Regenerate", show=False, id="compare.regenerate"),
        action_binding("pick_model", "pick_model", "Model", id="compare.pick_model"),
        action_binding("diff", "diff", "Diff", id="compare.diff"),
        action_binding("copy", "copy", "Copy", id="compare.copy"),
        action_binding("new", "new_session", "New session", show=False, id="compare.new_session"),
        action_binding("export", "export", "Export", show=False, id="compare.export"),
        Binding("ctrl+t", "add_column", "Add column", show=False, priority=True, id="compare.add_column"),
        Binding("ctrl+w", "remove_column", "Remove column", show=False, priority=True,
                id="compare.remove_column"),
        Binding("ctrl+l", "next_column", "Next column", show=False, priority=True, id="compare.next_column"),
        Binding("ctrl+u", "clear_prompt", "Clear prompt", show=False, priority=True, id="compare.clear"),
        # alt+N from anywhere; a bare digit where it cannot be typed (a column has the focus).
        *[Binding(f"alt+{n}", f"select_column({n - 1})", f"Column {n}", show=False, priority=True,
                  id=f"compare.select_alt_{n}") for n in range(1, MAX_COLUMNS + 1)],
        *[Binding(str(n), f"select_column({n - 1})", f"Column {n}", show=False, id=f"compare.select_{n}")
          for n in range(1, MAX_COLUMNS + 1)],
    ]
    PALETTE_ACTIONS = (
        ("Compare: send", "send the prompt to every column", "send"),
        ("Compare: stop streams", "stop every running answer, keep what arrived", "cancel"),
        ("Compare: regenerate column", "ask the selected column's model again", "regenerate"),
        ("Compare: pick model", "choose the selected column's model", "pick_model"),
        ("Compare: add column", "add a column, up to four", "add_column"),
        ("Compare: remove column", "remove the selected column", "remove_column"),
        ("Compare: next column", "select the next column", "next_column"),
        ("Compare: copy column", "copy the selected column's answer", "copy"),
        ("Compare: diff columns", "word-level diff of two columns", "diff"),
        ("Compare: clear prompt", "empty the prompt box", "clear_prompt"),
        ("Compare: pick a past prompt", "every prompt you sent, newest first (up in the box steps back)",
         "pick_prompt"),
        ("Compare: export session", "this session to Markdown or JSONL, into the exports folder", "export"),
        ("Compare: new session", "the next send starts a new session", "new_session"),
    )

    def __init__(self, *, embeddings: bool = True) -> None:
        super().__init__()
        self.embeddings = embeddings
        self.messages: list[dict] | None = None
        self._pending_exchange: Any = None

    # -- layout -----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Vertical(id="compare-top"):
            with Horizontal(classes="compare-row"):
                yield Label("system", classes="compare-label")
                yield Input(placeholder="system prompt (optional)", id="system", compact=True)
            with Horizontal(classes="compare-row"):
                yield Label("prompt", classes="compare-label")
                yield PromptEditor(id="prompt", soft_wrap=True, tab_behavior="focus", show_line_numbers=False,
                                   placeholder=f"Ask something… {self._key('compare.send', 'start')} sends · "
                                               "↑ earlier prompts")
        yield SessionLine(id="session-line")
        yield CompareColumns(self._default_models(), id="columns")
        yield SimilarityStrip(embeddings=self.embeddings, id="similarity")

    def _default_models(self) -> list[str]:
        models = getattr(self.app.config, "models", {}) or {}
        if not models:
            return ["", ""]
        # Models whose API key is missing would fail on the first send: start with ones that run.
        names = [n for n, spec in models.items() if spec.key_status() != "missing"] or list(models)
        # Distinct models when there are two; the same model twice invites a sampling comparison.
        return [names[0], names[1] if len(names) > 1 else names[0]]

    def _key(self, binding_id: str, kind: str) -> str:
        return bound_key(self.app, binding_id, ACTION_KEYS[kind])

    def on_mount(self) -> None:
        self.grid.selected = 0
        self.query_one("#prompt", TextArea).focus()
        self._load_prompt_history()
        if self._pending_exchange is not None:
            exchange, self._pending_exchange = self._pending_exchange, None
            self.run_worker(self.load_exchange(exchange), group="compare-load")

    def on_unmount(self) -> None:
        # The app is closing (screens unmount only then): never leave full collections off.
        compare_gc.reset()

    # -- state ------------------------------------------------------------------------------
    @property
    def grid(self) -> CompareColumns:
        return self.query_one("#columns", CompareColumns)

    @property
    def session(self) -> SessionLine:
        return self.query_one("#session-line", SessionLine)

    @property
    def columns(self) -> list[ResponseColumn]:
        return self.grid.columns

    @property
    def running(self) -> bool:
        return self.grid.running

    @property
    def strip(self) -> SimilarityStrip:
        return self.query_one("#similarity", SimilarityStrip)

    # The session's ids and totals live on the session line (reactives: setting one repaints it).
    @property
    def session_id(self) -> int | None:
        return self.session.session_id

    @session_id.setter
    def session_id(self, value: int | None) -> None:
        self.session.session_id = value

    @property
    def exchange_id(self) -> int | None:
        return self.session.exchange_id

    @exchange_id.setter
    def exchange_id(self, value: int | None) -> None:
        self.session.exchange_id = value

    @property
    def usage(self) -> Any:
        """SessionUsage of the session, re-read after every answer."""
        return self.session.usage

    @usage.setter
    def usage(self, value: Any) -> None:
        self.session.usage = value

    @property
    def selected(self) -> int:
        return self.grid.selected

    def selected_column(self) -> ResponseColumn:
        return self.grid.selected_column()

    def _refresh_usage(self) -> None:
        """Ask the store writer for the session's totals (read after the writes queued before)."""
        if self.session_id is None:
            self.usage = None
            return
        request_usage(self.app, self.session_id, to=self)

    def on_usage_read(self, message: UsageRead) -> None:
        if message.session_id == self.session_id:
            self.usage = message.usage

    def _pick_key(self) -> str:
        return self._key("compare.pick_model", "pick_model")

    def _stop_key(self) -> str:
        return self._key("compare.cancel", "stop")

    # -- prompt history ---------------------------------------------------------------------
    @property
    def prompt_box(self) -> PromptEditor:
        return self.query_one("#prompt", PromptEditor)

    @work(thread=True, exclusive=True, group="compare-history", exit_on_error=False)
    def _load_prompt_history(self) -> None:
        prompts = read_recent_prompts(self.app)
        self.app.call_from_thread(self.prompt_box.set_history, prompts)

    def action_clear_prompt(self) -> None:
        self.prompt_box.clear()
        self.prompt_box.focus()

    def action_pick_prompt(self) -> None:
        from workbench.ui.screens.model_picker import ModelPickerScreen

        history = list(reversed(self.prompt_box.prompts))
        if not history:
            self.notify("no earlier prompts yet", severity="warning")
            return
        labels = {f"{i}. {' '.join(p.split())[:70]}": p for i, p in enumerate(history, start=1)}

        def chosen(label: str | None) -> None:
            if label in labels:
                self.prompt_box.load_text(labels[label])
                self.prompt_box.move_cursor(self.prompt_box.document.end)
                self.prompt_box.focus()

        self.app.push_screen(ModelPickerScreen({k: "" for k in labels}, title="Earlier prompts",
                                               placeholder="type to search your prompts",
                                               allow_typed=False), chosen)

    def _model_problem(self, column: ResponseColumn) -> str | None:
        model = column.model.strip()
        if not model:
            return f"column {column.index} has no model: press {self._pick_key()} to pick one"
        if model in self.app.config.models or "/" in model:
            return None  # a litellm string is checked by the gateway when it is sent
        return (f"column {column.index}: unknown model {model!r}: press {self._pick_key()} to pick a "
                "configured model or type a litellm string such as openai/gpt-4o-mini")

    # -- sending ----------------------------------------------------------------------------
    def action_send(self) -> None:
        prompt = self.query_one("#prompt", TextArea).text
        if not prompt.strip():
            self.notify("type a prompt first (the box at the top)", severity="error")
            return
        if self.running:
            self.notify(f"answers are still streaming: {self._stop_key()} stops them", severity="warning")
            return
        columns = self.columns
        if len(columns) < MIN_COLUMNS:
            add = bound_key(self.app, "compare.add_column", "ctrl+t")
            self.notify(f"a comparison needs at least {MIN_COLUMNS} columns: {add} adds one", severity="error")
            return
        try:
            params = [c.read_params() for c in columns]
        except ParamError as exc:
            self.notify(str(exc), severity="error")
            return
        for column in columns:
            problem = self._model_problem(column)
            if problem:
                self.notify(problem, severity="error")
                return
        system = self.query_one("#system", Input).value.strip() or None
        messages = build_messages(system, prompt)
        # Stored by the store writer (another process may hold the lock for seconds); the
        # columns start now and wait for it, and nothing is sent if it fails.
        stored = self.app.writer.submit(
            store_exchange_job(self.session_id, SESSION_KIND, prompt, messages, system), name="store exchange")
        self.messages = messages
        # The prompt is sent: clear the box for the next one; up brings this one back.
        self.prompt_box.remember(prompt)
        self.prompt_box.clear()
        self.strip.reset()
        self.run_worker(self._exchange_stored(stored, prompt), group="compare-store", exit_on_error=False)
        for column, column_params in zip(columns, params):
            self._start(column, stored, messages, column_params)

    async def _exchange_stored(self, stored: Future, prompt: str) -> None:
        try:
            result = await asyncio.wrap_future(stored)
        except Exception as exc:  # a locked or unwritable database: say so; nothing was sent
            self.notify(f"could not store the exchange: {exc}", severity="error")
            if not self.prompt_box.text:
                self.prompt_box.load_text(prompt)
            return
        self.session_id, self.exchange_id = result.session_id, result.exchange_id
        self._refresh_usage()

    def _start(self, column: ResponseColumn, exchange: "int | Future", messages: list[dict],
               params: dict) -> None:
        """Stream into ``column``; ``exchange`` is the stored exchange's id, or the store
        writer's future for it (a new send)."""
        cancel = column.begin()
        self.run_worker(self._stream(column, column.model, exchange, messages, params, cancel),
                        group="compare-streams", name=f"stream {column.id}", exit_on_error=False)

    async def _stream(self, column: ResponseColumn, model: str, exchange: "int | Future",
                      messages: list[dict], params: dict, cancel: asyncio.Event) -> None:
        compare_gc.streams_started()
        try:
            response = await compare_stream.stream_answer(self.app, column, model, exchange, messages,
                                                          params, cancel)
            if response is None:
                return
            self._refresh_usage()  # each answer's tokens count as soon as it is in, not after the last
            if column.is_mounted:
                await column.finish(response)
            else:
                column.running = False
            if not self.running:
                self._all_done()
        finally:
            compare_gc.streams_finished()

    def _all_done(self) -> None:
        self._refresh_similarity()
        self._refresh_usage()
        statuses = [c.response.status for c in self.columns if c.response is not None]
        failed = statuses.count("error")
        if failed:
            self.notify(f"{failed} of {len(statuses)} columns failed: see the error in the column",
                        severity="warning")

    def _refresh_similarity(self) -> None:
        columns = self.columns
        self.strip.compare([str(c.index) for c in columns], [c.text for c in columns])

    # -- actions ----------------------------------------------------------------------------
    def action_cancel(self) -> None:
        cancelled = [c.index for c in self.columns if c.cancel()]
        if not cancelled:
            raise SkipAction()  # nothing running: let the key mean whatever else it means
        which = ", ".join(map(str, cancelled))
        self.notify(f"cancelled column{'s' if len(cancelled) > 1 else ''} {which}; partial answers kept")

    def action_regenerate(self) -> None:
        column = self.selected_column()
        if self.exchange_id is None or self.messages is None:
            self.notify("send a prompt first: regenerate asks the selected column again", severity="error")
            return
        if column.running:
            self.notify(f"column {column.index} is still streaming: {self._stop_key()} stops it",
                        severity="warning")
            return
        try:
            params = column.read_params()
        except ParamError as exc:
            self.notify(str(exc), severity="error")
            return
        problem = self._model_problem(column)
        if problem:
            self.notify(problem, severity="error")
            return
        self._start(column, self.exchange_id, self.messages, params)

    def action_pick_model(self) -> None:
        from workbench.ui.screens.model_picker import ModelPickerScreen

        column = self.selected_column()
        models = {name: spec.description or spec.model for name, spec in self.app.config.models.items()}

        def chosen(name: str | None) -> None:
            if name and column.is_mounted:
                column.set_model(name)
                self.notify(f"column {column.index}: {name}")

        self.app.push_screen(ModelPickerScreen(models, current=column.model,
                                               title=f"Model for column {column.index}"), chosen)

    async def action_add_column(self) -> None:
        columns = self.columns
        if len(columns) >= MAX_COLUMNS:
            self.notify(f"at most {MAX_COLUMNS} columns", severity="error")
            return
        source = self.selected_column()
        try:
            params = source.read_params()
        except ParamError:
            params = {"temperature": None, "max_tokens": None}
        # The same model with the same params: change one to compare sampling settings.
        await self.grid.add(source.model, **params)
        self._similarity_after_layout_change()

    async def action_remove_column(self) -> None:
        columns = self.columns
        if len(columns) <= MIN_COLUMNS:
            self.notify(f"a comparison needs at least {MIN_COLUMNS} columns", severity="error")
            return
        column = self.selected_column()
        if column.running:
            self.notify(f"column {column.index} is still streaming: {self._stop_key()} stops it first",
                        severity="error")
            return
        await self.grid.remove_column(column)
        self._similarity_after_layout_change()

    def _similarity_after_layout_change(self) -> None:
        # Answers already in keep their scores; a new, empty column shows "—" beside them.
        if any(c.text for c in self.columns):
            self._refresh_similarity()
        else:
            self.strip.reset()

    def action_next_column(self) -> None:
        self.grid.selected = self.selected + 1

    def action_select_column(self, index: int) -> None:
        if index >= len(self.columns):
            self.notify(f"there is no column {index + 1}", severity="error")
            return
        self.grid.selected = index

    @on(ResponseColumn.PickModel)
    def _column_pick_model(self, event: ResponseColumn.PickModel) -> None:
        self.grid.select_column(event.column)
        self.action_pick_model()

    def action_copy(self) -> None:
        column = self.selected_column()
        text = column.text
        if not text:
            self.notify(f"column {column.index} is empty: nothing to copy", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"copied column {column.index} ({len(text)} characters)")

    def action_diff(self) -> None:
        from workbench.ui.screens.diff_view import DiffScreen

        columns = self.columns
        if sum(1 for c in columns if c.text) < 2:
            self.notify("diff needs answers in two columns: send a prompt first", severity="error")
            return
        pairs = [(f"{c.index} · {c.model}", c.text) for c in columns]
        # The selected column against the next one that answered (an empty one diffs nothing).
        answered = [i for i, c in enumerate(columns) if c.text]
        left = self.selected if self.selected in answered else answered[0]
        right = next((i for i in answered[answered.index(left) + 1:] + answered if i != left))
        self.app.push_screen(DiffScreen(pairs, left=left, right=right))

    def action_export(self) -> None:
        from workbench.ui.widgets.compare_dialogs import start_export

        if self.session_id is None:
            self.notify("nothing to export yet: send a prompt first", severity="warning")
            return
        start_export(self, self.session_id)

    async def action_new_session(self) -> None:
        if self.running:
            self.notify(f"answers are still streaming: {self._stop_key()} stops them first", severity="warning")
            return
        self.session_id = self.exchange_id = None
        self.messages = None
        self.usage = None
        for column in self.columns:
            await column.clear()
        self.strip.reset()
        self.notify("new session: the next send starts it")

    # -- reopening a stored exchange ---------------------------------------------------------
    def show_exchange(self, exchange: Any) -> None:
        """Load a stored exchange (prompt, models, params, answers) to continue from it."""
        if self.is_mounted:
            self.run_worker(self.load_exchange(exchange), group="compare-load")
        else:
            self._pending_exchange = exchange

    async def load_exchange(self, exchange: Any) -> None:
        if self.running:
            self.notify(f"answers are still streaming: {self._stop_key()} stops them first", severity="warning")
            return
        responses = list(exchange.responses)
        if len(responses) > MAX_COLUMNS:
            self.notify(f"showing the first {MAX_COLUMNS} of {len(responses)} answers", severity="warning")
            responses = responses[:MAX_COLUMNS]
        session = await asyncio.to_thread(read_session, self.app, exchange.session_id)
        self.session_id = exchange.session_id if session is not None and session.kind == SESSION_KIND else None
        self.exchange_id = exchange.id if self.session_id is not None else None
        self.messages = exchange.messages or build_messages(exchange.system, exchange.prompt)
        self.query_one("#prompt", TextArea).text = exchange.prompt
        self.query_one("#system", Input).value = exchange.system or ""
        grid = self.grid
        new_columns = []
        for index, row in enumerate(responses, start=1):
            new_columns.append(grid.new_column(row.model, index, temperature=row.params.get("temperature"),
                                               max_tokens=row.params.get("max_tokens")))
        while len(new_columns) < MIN_COLUMNS:
            model = responses[0].model if responses else (self._default_models()[0])
            new_columns.append(grid.new_column(model, len(new_columns) + 1))
        await grid.replace(new_columns)
        for column, row in zip(new_columns, responses):
            await column.show_stored(row)
        grid.selected = 0
        self._refresh_usage()
        self._refresh_similarity()
