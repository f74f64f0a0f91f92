"""Help: the keys of the screen you are on, read from its live bindings.

Nothing here is a hand-written list: each line is a binding that is active on that screen
now (the screen's own, the focused widget's, the app's), with the key a user's keymap gives
it. A binding without a description is an implementation detail and is left out, and so
are a Textual widget's own editing keys (a text area brings some thirty): one line says
they are there, unless a workbench widget binds one again (Compare's up recalls prompts).
"""

from __future__ import annotations

from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def binding_groups(screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section title, [(keys, description)])]: the screen's keys, the focused widget's, the app's."""
    app = screen.app
    groups: dict[str, dict[tuple[str, str], list[str]]] = {}
    order: list[str] = []
    declared: dict[int, dict[str, int]] = {}  # per node: action -> place in its BINDINGS

    # Textual's own screen and app keys (focus next, copy...) after the workbench's.
    textual_own = {_action(b) for b in (*Screen.BINDINGS, *App.BINDINGS)}

    def place(active) -> tuple[bool, int]:
        node = active.node
        if id(node) not in declared:
            declared[id(node)] = {}
            for _, b in node._bindings:
                declared[id(node)].setdefault(b.action, len(declared[id(node)]))
        action = active.binding.action
        return action in textual_own, declared[id(node)].get(action, 1_000)

    # In the order each screen, widget and the app declare their bindings.
    actives = sorted(screen.active_bindings.items(), key=lambda kv: place(kv[1]))
    left_out: dict[str, set[str]] = {}  # section -> Textual widget actions not listed
    for key, active in actives:
        binding = active.binding
        if not binding.description:
            continue
        node = active.node
        if not isinstance(node, (App, Screen)) and binding.action in textual_widget_actions(type(node)):
            left_out.setdefault(f"In the focused {type(node).__name__}", set()).add(binding.action)
            continue
        if isinstance(node, App):
            title = "Everywhere"
        elif isinstance(node, Screen):
            title = f"This screen ({_screen_title(node)})"
        else:
            title = f"In the focused {type(node).__name__}"
        if title not in groups:
            groups[title] = {}
            order.append(title)
        display = app.get_key_display(Binding(key, binding.action, key_display=binding.key_display))
        groups[title].setdefault((binding.action, binding.description), []).append(display)
    for title, actions in left_out.items():
        if title not in groups:
            groups[title] = {}
            order.append(title)
        node_class = type(screen.focused) if screen.focused is not None else None
        base = _textual_base(node_class) if node_class is not None else "widget"
        groups[title][("", f"{len(actions)} editing keys of Textual's {base}, as usual")] = ["…"]
    # This screen first, then the app, then the focused widget's editing keys.
    rank = {t: (0 if t.startswith("This") else 1 if t == "Everywhere" else 2) for t in order}
    return [(t, [(" / ".join(keys), description) for (_, description), keys in groups[t].items()])
            for t in sorted(order, key=lambda t: rank[t])]


def textual_widget_actions(widget_class: type) -> set[str]:
    """The actions a Textual widget class binds itself (TextArea's cursor keys, Input's...),
    less those a workbench subclass binds again (it says what they do there)."""
    own: set[str] = set()
    for cls in widget_class.__mro__:
        if cls.__module__.startswith("textual.") and "BINDINGS" in vars(cls):
            own |= {_action(b) for b in vars(cls)["BINDINGS"]}
    for cls in widget_class.__mro__:
        if cls.__module__.startswith("textual."):
            continue
        own -= {_action(b) for b in vars(cls).get("BINDINGS", ())}
    return own


def _textual_base(widget_class: type) -> str:
    """The Textual class a widget builds on (PromptEditor: TextArea)."""
    for cls in widget_class.__mro__:
        if cls.__module__.startswith("textual."):
            return cls.__name__
    return widget_class.__name__


def _action(binding: BindingType) -> str:
    """The action of a BINDINGS entry (a Binding or a (key, action, ...) tuple)."""
    return binding.action if isinstance(binding, Binding) else str(binding[1])


def _screen_title(screen: Screen) -> str:
    from workbench.ui.registry import SCREENS

    for entry in SCREENS:
        if entry.target.endswith(f":{type(screen).__name__}"):
            return entry.title
    return type(screen).__name__.removesuffix("Screen")


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen #help-box {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
        border-title-color: $accent; border-subtitle-color: $text-muted;
    }
    HelpScreen .help-title { text-style: bold; color: $accent; }
    HelpScreen .help-keys { margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("q", "dismiss", "Close", show=False, id="help.close_q"),
        Binding("question_mark", "dismiss", "Close", show=False, id="help.close_question"),
    ]

    def __init__(self, about: Screen) -> None:
        super().__init__()
        self.about = about
        self.groups = binding_groups(about)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            for title, rows in self.groups:
                yield Static(title, classes="help-title")
                yield Static(_table(rows), classes="help-keys")

    def on_mount(self) -> None:
        box = self.query_one("#help-box")
        box.border_title = f"Keys · {_screen_title(self.about)}"
        box.border_subtitle = "esc closes · ctrl+p finds every action by name"

    def text(self) -> str:
        """Everything the screen lists, as plain text (for tests and for copying)."""
        lines = []
        for title, rows in self.groups:
            lines.append(title)
            lines += [f"  {keys}  {description}" for keys, description in rows]
        return "\n".join(lines)


def _table(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for keys, description in rows:
        table.add_row(keys, description)
    return table
