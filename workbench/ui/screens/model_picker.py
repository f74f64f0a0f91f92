"""Modal model picker: fuzzy search over the configured models, or a typed litellm string.

Returns the chosen model name (a configured name or a ``provider/model`` string), or None.
"""

from __future__ import annotations

from typing import Iterable

from rapidfuzz import fuzz, process
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual import work
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

MIN_SCORE = 45.0
TYPED_PREFIX = "\x00typed:"  # option id of "use what I typed" (cannot clash with a model name)


def rank_models(query: str, names: Iterable[str], descriptions: dict[str, str] | None = None) -> list[str]:
    """Model names matching ``query`` best first: substring hits, then fuzzy (rapidfuzz) hits."""
    names = list(names)
    query = query.strip()
    if not query:
        return names
    q = query.casefold()
    descriptions = descriptions or {}
    haystack = {n: f"{n} {descriptions.get(n, '')}".casefold() for n in names}
    exact = [n for n in names if q in n.casefold()]
    in_description = [n for n in names if n not in exact and q in haystack[n]]
    rest = [n for n in names if n not in exact and n not in in_description]
    fuzzy = [name for name, score, _ in process.extract(q, {n: n.casefold() for n in rest},
                                                        scorer=fuzz.WRatio, limit=None)
             if score >= MIN_SCORE]
    exact.sort(key=lambda n: (not n.casefold().startswith(q), len(n)))
    return exact + in_description + fuzzy


def looks_like_litellm_string(text: str) -> bool:
    provider, sep, model = text.strip().partition("/")
    return bool(sep and provider and model and " " not in text.strip())


class ModelPickerScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ModelPickerScreen { align: center middle; }
    ModelPickerScreen > Vertical {
        width: 80; max-width: 95%; height: auto; max-height: 80%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    ModelPickerScreen #picker-title { text-style: bold; padding: 0 0 1 0; }
    ModelPickerScreen OptionList { height: auto; max-height: 20; }
    ModelPickerScreen #picker-help { color: $text-muted; padding: 1 0 0 0; }
    """
    BINDINGS = [
        Binding("escape", "dismiss_none", "Close", id="picker.close"),
        Binding("down", "cursor_down", "Down", show=False, id="picker.down"),
        Binding("up", "cursor_up", "Up", show=False, id="picker.up"),
    ]

    def __init__(self, models: dict[str, str], *, current: str | None = None, title: str = "Pick a model",
                 placeholder: str = "type to search, or a litellm string like openai/gpt-4o-mini",
                 allow_typed: bool = True) -> None:
        """``models`` maps configured names to one-line descriptions. With ``allow_typed`` off it
        picks from the given names only (Compare's prompt history uses it that way)."""
        super().__init__()
        self.models = models
        self.current = current
        self.title_text = title
        self.placeholder = placeholder
        self.allow_typed = allow_typed
        self.engines: dict[str, str] = {}  # local model -> its engine, filled in by a worker

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="picker-title")
            yield Input(placeholder=self.placeholder, id="picker-query")
            yield OptionList(id="picker-options")
            yield Static("enter picks · ↑↓ move · esc closes", id="picker-help")

    def on_mount(self) -> None:
        self._refill("")
        self.query_one("#picker-query", Input).focus()
        if self.allow_typed and any(n.startswith("local/") for n in self.models):
            self._describe_engines()

    @work(thread=True, exclusive=True, group="picker-engines")
    def _describe_engines(self) -> None:
        """Which engine runs each local model (reads GGUF headers: off the UI thread)."""
        from workbench.models.local import engine_info, engine_summary

        specs = getattr(getattr(self.app, "config", None), "models", {})
        engines = {}
        for name in self.models:
            spec = specs.get(name)
            if spec is not None and spec.is_local:
                engines[name] = engine_summary(engine_info(spec.model, spec.path))
        self.app.call_from_thread(self._show_engines, engines)

    def _show_engines(self, engines: dict[str, str]) -> None:
        if not self.is_mounted:
            return
        self.engines = engines
        self._refill(self.query_one("#picker-query", Input).value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refill(event.value)

    def _refill(self, query: str) -> None:
        options = self.query_one("#picker-options", OptionList)
        options.clear_options()
        ranked = rank_models(query, self.models, self.models)
        items: list[Option] = []
        typed = query.strip()
        if self.allow_typed and typed and typed not in self.models and looks_like_litellm_string(typed):
            items.append(Option(f"use [b]{_escape(typed)}[/b] (litellm model string)", id=TYPED_PREFIX + typed))
        for name in ranked:
            mark = " [dim](current)[/dim]" if name == self.current else ""
            desc = self.models.get(name) or ""
            engine = self.engines.get(name)
            label = (f"{_escape(name)}{mark}" + (f"  [dim]{_escape(desc)}[/dim]" if desc else "")
                     + (f"\n  [dim]{_escape(engine)}[/dim]" if engine else ""))
            items.append(Option(label, id=name))
        options.add_options(items)
        if items:
            index = 0
            if not typed and self.current in ranked:
                index = ranked.index(self.current) + (len(items) - len(ranked))
            options.highlighted = index

    def action_cursor_down(self) -> None:
        self.query_one("#picker-options", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#picker-options", OptionList).action_cursor_up()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#picker-options", OptionList)
        if options.highlighted is not None and options.option_count:
            self._choose(options.get_option_at_index(options.highlighted).id)
            return
        typed = event.value.strip()
        if not typed:
            self.notify("type a model name", severity="error")
        elif not self.allow_typed:
            self.notify(f"nothing matches {typed!r}", severity="warning")
        else:
            self.notify(f"unknown model {typed!r}: pick a configured model or type a litellm string "
                        "such as openai/gpt-4o-mini", severity="error")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        if option_id is None:
            return
        self.dismiss(option_id.removeprefix(TYPED_PREFIX))


def _escape(text: str) -> str:
    from textual.markup import escape

    return escape(text)
