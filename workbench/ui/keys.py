"""One key per action, on every screen.

The actions a user repeats across screens (start, stop, resume, open, export, diff, copy,
new, pick a model, quit) each have a single key here, and every screen binds them through
``action_binding`` so that the key is the same everywhere. They are priority bindings:
a text field that has focus would otherwise swallow them (Textual's inputs bind ctrl+x,
ctrl+e, ctrl+d and ctrl+k to editing), and the footer would drop them while typing.
Control keys only, because a plain letter is typed into whatever field has focus.

Single-letter keys stay for what only makes sense on one screen and never while typing
(review's y/n/1-5, a table's own shortcuts).
"""

from __future__ import annotations

from textual.binding import Binding

ACTION_KEYS: dict[str, str] = {
    "start": "ctrl+s",     # start a run / send a prompt / start a job
    "stop": "ctrl+x",      # stop a run, cancel streams or a job (finished work is kept)
    "resume": "ctrl+r",    # resume a run or job; in Compare: ask the selected column again
    "open": "ctrl+o",      # open the selected row (enter works too where a table has focus)
    "export": "ctrl+e",    # export what the screen shows
    "diff": "ctrl+d",      # word-level diff of two answers
    "copy": "ctrl+y",      # copy the selected answer
    "new": "ctrl+n",       # a new session or job
    "pick_model": "ctrl+k",  # the model picker
    "quit": "ctrl+q",
}

# What each shared action is called in the README's key table and the palette.
ACTION_TITLES: dict[str, str] = {
    "start": "start / send", "stop": "stop / cancel", "resume": "resume / regenerate",
    "open": "open the selected row", "export": "export", "diff": "diff two answers",
    "copy": "copy an answer", "new": "new session / job", "pick_model": "pick a model",
    "quit": "quit",
}


def action_binding(kind: str, action: str, description: str, *, id: str, show: bool = True) -> Binding:
    """The binding of a shared action: its one key, priority so it works from any field."""
    return Binding(ACTION_KEYS[kind], action, description, show=show, priority=True, id=id)


def key_label(kind: str) -> str:
    return ACTION_KEYS[kind]
