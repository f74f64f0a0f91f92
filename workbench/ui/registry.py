"""Every screen the app can open: name -> (title, "module:Class", help).

Screens are imported only when first opened, so adding one costs nothing at start-up.
A screen class takes keyword arguments only and reaches shared state through
``self.app`` (a WorkbenchApp): ``app.writer`` (the store writer: every write, off the
event loop), ``app.open_db()`` (a new connection for a worker thread's reads), ``app.gateway``,
``app.config``, ``app.db_path``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenEntry:
    name: str
    title: str
    target: str  # "package.module:ClassName"
    help: str
    key: str  # global shortcut


SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry("home", "Home", "workbench.ui.screens.home:HomeScreen", "recent sessions", "f1"),
    ScreenEntry("compare", "Compare", "workbench.ui.screens.compare:CompareScreen",
                "one prompt, 2-4 models side by side", "f2"),
    ScreenEntry("history", "History", "workbench.ui.screens.history:HistoryScreen",
                "sessions and exchanges, full-text search, export", "f3"),
    ScreenEntry("ice", "ICE probe", "workbench.ui.screens.ice:ICEScreen",
                "identity consistency: does a model claim to be another?", "f4"),
    ScreenEntry("rse", "RSE probe", "workbench.ui.screens.rse:RSEScreen",
                "response similarity against a reference model", "f5"),
    ScreenEntry("review", "Judge review", "workbench.ui.screens.review:ReviewScreen",
                "check judge verdicts by hand", "f6"),
    ScreenEntry("jobs", "Jobs", "workbench.ui.screens.jobs:JobsScreen",
                "EvoKD distillation jobs", "f7"),
)

BY_NAME = {entry.name: entry for entry in SCREENS}


def load_screen_class(name: str) -> type:
    import importlib

    entry = BY_NAME[name]
    module_name, _, class_name = entry.target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)
