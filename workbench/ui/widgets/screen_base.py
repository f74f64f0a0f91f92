"""Base class for the app's screens: header, footer and status bar in one place."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from workbench.ui.widgets.config_banner import ConfigBanner
from workbench.ui.widgets.status_bar import StatusBar


class WorkbenchScreen(Screen):
    """Subclasses implement compose_body(); PALETTE_ACTIONS adds (label, help, action) to the palette."""

    PALETTE_ACTIONS: tuple[tuple[str, str, str], ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConfigBanner(getattr(self.app, "config_error", None))
        yield from self.compose_body()
        yield StatusBar()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        return iter(())
