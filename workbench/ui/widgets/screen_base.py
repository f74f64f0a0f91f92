"""Base class for the app's screens: header, footer and status bar in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from workbench.ui.widgets.config_banner import ConfigBanner
from workbench.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from textual import getters

    from workbench.ui.app import WorkbenchApp


class WorkbenchScreen(Screen):
    """Subclasses implement compose_body(); PALETTE_ACTIONS adds (label, help, action) to the palette."""

    PALETTE_ACTIONS: tuple[tuple[str, str, str], ...] = ()

    if TYPE_CHECKING:
        # Textual's idiom for a typed ``self.app`` (textual.getters.app), for the type checker
        # only, as Textual does itself: at run time it stays Textual's own property.
        app = getters.app(WorkbenchApp)

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConfigBanner(self.app.config_error)
        yield from self.compose_body()
        yield StatusBar()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        return iter(())
