"""Command-palette providers: every screen and action is one fuzzy search away.

Two kinds of provider, all registered in one place (``PROVIDERS``, the app's COMMANDS):

* ``AppCommands``: what works from anywhere. The screens, "Help", a new session, a new job,
  a model for Compare; and a number in the query finds stored runs and jobs: "12" offers
  "Open ICE run 12", "Review run 12", "Resume ICE run 12", "Open job 12" and "Resume job 12"
  for what exists and can be done.
* one ``ScreenCommands`` subclass per screen: the actions of the screen the palette was opened
  on (Textual hands each provider that screen; ``app.screen`` is the palette itself). They
  come from the screen's ``PALETTE_ACTIONS`` (label, help, action) and from its own bindings,
  so an action bound to a key is never missing from the palette; each shows the key that does
  the same, read from the live bindings so a user's keymap shows.

A screen that needs entries of its own (built from what it shows) overrides ``extra()`` in
its provider; a new screen adds one row to ``SCREEN_PROVIDERS``.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, cast

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from workbench.ui.hints import bound_key
from workbench.ui.registry import SCREENS

if TYPE_CHECKING:
    from workbench.store.jobs import JobRow
    from workbench.store.runs import RunRow
    from workbench.ui.app import WorkbenchApp

_NUMBER = re.compile(r"\d+")
# Run statuses with nothing left to ask.
_FINISHED_RUN = {"done", "imported"}


@dataclass(frozen=True)
class Command:
    label: str
    help: str
    callback: Callable[[], Any]


def key_for(screen: Any, action: str) -> str | None:
    """The key the screen's live bindings give ``action`` (a keymap's key when it has one)."""
    try:
        bindings = screen.active_bindings
    except Exception:
        return None
    for key, active in bindings.items():
        if active.binding.action == action:
            # The live key (a keymap may have moved it), shown as the footer shows keys.
            return screen.app.get_key_display(Binding(key, action, key_display=active.binding.key_display))
    return None


def _lookup(db_path: Any, number: int) -> tuple[RunRow | None, JobRow | None]:
    from workbench.store import open_db
    from workbench.store.jobs import get_job
    from workbench.store.runs import get_run

    db = open_db(db_path)
    try:
        return get_run(db, number), get_job(db, number)
    finally:
        db.close()


class _Commands(Provider):
    """Search and discovery over a list of Commands."""

    if TYPE_CHECKING:  # a typed self.app for the type checker (Textual types it App[object])
        @property
        def app(self) -> WorkbenchApp: ...

    def commands(self) -> list[Command]:
        return []

    async def discover(self) -> Hits:
        for c in self.commands():
            yield DiscoveryHit(c.label, c.callback, help=c.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for c in self.commands():
            score = matcher.match(c.label)
            if score > 0:
                yield Hit(score, matcher.highlight(c.label), c.callback, help=c.help)


class ScreenCommands(_Commands):
    """The actions of one screen. Subclasses name the screen class they speak for."""

    SCREEN: ClassVar[str] = ""  # the screen's class name
    PREFIX: ClassVar[str] = ""  # what its entries start with: "Compare: diff columns"

    def applies(self) -> bool:
        return type(self.screen).__name__ == self.SCREEN

    def commands(self) -> list[Command]:
        if not self.applies():
            return []
        screen: Any = self.screen
        seen: set[str] = set()
        items: list[Command] = []
        for label, help_text, action in getattr(screen, "PALETTE_ACTIONS", ()):
            seen.add(action)
            items.append(self._command(label, help_text, action))
        # Every other binding of the screen with a description: the palette then reaches each
        # action a key reaches (including keys some terminals never send, such as alt+1).
        for _key, binding in screen._bindings:
            if binding.action in seen or not binding.description or binding.action.startswith("app."):
                continue
            seen.add(binding.action)
            items.append(self._command(f"{self.PREFIX}: {binding.description.lower()}",
                                       binding.tooltip or binding.description, binding.action))
        items.extend(self.extra())
        return items

    def _command(self, label: str, help_text: str, action: str) -> Command:
        key = key_for(self.screen, action)
        return Command(label, f"{help_text} ({key})" if key else help_text,
                       partial(self.screen.run_action, action))

    def extra(self) -> Iterable[Command]:
        """Entries built from what the screen shows (none by default)."""
        return ()


def screen_provider(screen: str, prefix: str) -> type[ScreenCommands]:
    """The palette provider of one screen: a ScreenCommands subclass for the screen class
    named ``screen``, its entries starting with ``prefix`` ("Compare: diff columns")."""
    name = screen.removesuffix("Screen") + "Commands"
    return cast("type[ScreenCommands]", type(name, (ScreenCommands,), {"SCREEN": screen, "PREFIX": prefix}))


# (screen class, prefix of its entries), one provider each. A screen that needs entries of its
# own subclasses ScreenCommands with an ``extra()`` and puts that class here instead.
SCREEN_PROVIDERS: tuple[type[ScreenCommands], ...] = tuple(screen_provider(screen, prefix) for screen, prefix in (
    ("HomeScreen", "Home"),
    ("CompareScreen", "Compare"),
    ("HistoryScreen", "History"),
    ("ICEScreen", "ICE"),
    ("RSEScreen", "RSE"),
    ("ReviewScreen", "Review"),
    ("JobsScreen", "Jobs"),
    ("JobScreen", "Job"),
    ("DiffScreen", "Diff"),
    ("ExchangeViewScreen", "Exchange"),
    ("RSEItemScreen", "RSE item"),
))


class AppCommands(_Commands):
    """Screens, help and cross-screen actions; runs and jobs by number."""

    def commands(self) -> list[Command]:
        app = self.app
        items = [
            Command(f"Open {e.title}", f"{e.help} ({bound_key(app, f'app.open.{e.name}', e.key)})",
                    partial(app.action_open_screen, e.name))
            for e in SCREENS
        ]
        items += [
            Command("Help", f"the keys of this screen and the app ({bound_key(app, 'app.help', '?')})",
                    partial(app.action_help, self.screen)),
            Command("New compare session", "Compare: the next send starts a new session",
                    partial(self._on_screen, "compare", "new_session")),
            Command("New EvoKD job", "Jobs: start a distillation job in its own process",
                    partial(self._on_screen, "jobs", "new_job")),
            Command("Pick a model for Compare", "Compare: choose the selected column's model",
                    partial(self._on_screen, "compare", "pick_model")),
        ]
        from workbench.ui.report_action import palette_entries

        # "Report of run 12": the run this screen shows
        items += [Command(*entry) for entry in palette_entries(app, screen=self.screen)]
        return items

    def _on_screen(self, name: str, action: str) -> None:
        app = self.app
        app.action_open_screen(name)
        screen = app.get_screen(name)
        app.call_after_refresh(screen.run_action, action)

    def id_commands(self, run: RunRow | None, job: JobRow | None) -> list[Command]:
        items: list[Command] = []
        if run is not None and run.kind in ("ice", "rse"):
            what = f"{run.kind.upper()} run {run.id}"
            about = f"{run.target or run.reference or ''} · {run.status}"
            items += [
                Command(f"Open {what}", about, partial(self._open_run, run.kind, run.id, False)),
                Command(f"Review run {run.id}", f"check its judge verdicts by hand · {about}",
                        partial(self._review_run, run.id)),
            ]
            # An imported or finished run has nothing left to ask: no resume to offer.
            imported = (run.config or {}).get("source") == "import"
            if run.status not in _FINISHED_RUN and not imported:
                items.append(Command(f"Resume {what}", f"continue it without repeating finished items · {about}",
                                     partial(self._open_run, run.kind, run.id, True)))
        from workbench.ui.report_action import palette_entries

        # "Report of ICE run 12", "Report of job 12"
        items += [Command(*entry) for entry in palette_entries(self.app, run, job)]
        if job is not None:
            about = f"{getattr(job, 'kind', 'job')} · {job.status}"
            items.append(Command(f"Open job {job.id}", about, partial(self._open_job, job.id, False)))
            if job.status != "done":  # the stored status may be a dead "running": resume checks
                items.append(Command(f"Resume job {job.id}", f"continue from its last finished round · {about}",
                                     partial(self._open_job, job.id, True)))
        return items

    def _open_run(self, kind: str, run_id: int, resume: bool) -> None:
        app = self.app
        app.action_open_screen(kind)
        # Typed lookups (get_screen checks the class); each screen module loaded just now.
        show_run: Callable[[int], None]
        if kind == "ice":
            from workbench.ui.screens.ice import ICEScreen

            ice = app.get_screen(kind, ICEScreen)
            show_run, resume_run = ice.open_run, ice.action_resume
        else:
            from workbench.ui.screens.rse import RSEScreen

            rse = app.get_screen(kind, RSEScreen)
            show_run, resume_run = rse.show_run, rse.action_resume

        def show() -> None:  # after the screen is composed, if it was opened just now
            show_run(run_id)
            if resume:
                app.call_after_refresh(resume_run)

        app.call_after_refresh(show)

    def _review_run(self, run_id: int) -> None:
        from workbench.ui.screens.review import ReviewScreen

        app = self.app
        app.action_open_screen("review")
        app.call_after_refresh(app.get_screen("review", ReviewScreen).show_run, run_id)

    def _open_job(self, job_id: int, resume: bool) -> None:
        from workbench.ui.screens.job import JobScreen
        from workbench.ui.screens.jobs import JobsScreen

        app = self.app
        app.action_open_screen("jobs")
        if resume:
            app.get_screen("jobs", JobsScreen).resume_job(job_id)
        else:
            app.push_screen(JobScreen(job_id=job_id))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        number = _NUMBER.search(query)
        if number:
            try:  # the store is read off the UI loop
                run, job = await asyncio.to_thread(_lookup, self.app.db_path, int(number.group(0)))
            except Exception:
                run = job = None
            words = _NUMBER.sub("", query).strip()
            for c in self.id_commands(run, job):
                # The number matched already: rank by the words around it.
                score = matcher.match(c.label) if words else 1.0
                yield Hit(max(score, 0.5) if not words else score or 0.3, matcher.highlight(c.label),
                          c.callback, help=c.help)
        async for hit in super().search(query):
            yield hit


PROVIDERS: tuple[type[Provider], ...] = (AppCommands, *SCREEN_PROVIDERS)
