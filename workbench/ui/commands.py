"""Command-palette provider: every screen and app action is one fuzzy search away."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from workbench.ui.hints import bound_key
from workbench.ui.registry import SCREENS


class ScreenCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object]]:
        app = self.app
        items: list[tuple[str, str, object]] = [
            (f"Open {e.title}", f"{e.help} ({bound_key(app, f'app.open.{e.name}', e.key)})",
             partial(app.action_open_screen, e.name))
            for e in SCREENS
        ]
        screen = app.screen
        for label, help_text, action in getattr(screen, "PALETTE_ACTIONS", ()):
            items.append((label, help_text, partial(screen.run_action, action)))
        return items

    async def discover(self) -> Hits:
        for label, help_text, callback in self._commands():
            yield DiscoveryHit(label, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, callback in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)
