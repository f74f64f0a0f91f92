"""Command-palette provider: every screen and action is one fuzzy search away.

Three kinds of entries: the screens; the actions of the screen on top (with the key that
does the same, read from the live bindings so a user's keymap shows); and actions that
work from anywhere (a new session, a new job, a model for Compare). A number in the query
also finds stored runs and jobs: "12" offers "Open ICE run 12", "Review run 12",
"Resume run 12", "Open job 12" and "Resume job 12" for what exists.
"""

from __future__ import annotations

import asyncio
import re
from functools import partial
from typing import Any, Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from workbench.ui.hints import bound_key
from workbench.ui.registry import SCREENS

_NUMBER = re.compile(r"\d+")


def _key_for(screen: Any, action: str) -> str | None:
    try:
        bindings = screen.active_bindings
    except Exception:
        return None
    for key, active in bindings.items():
        if active.binding.action == action:
            return key
    return None


def _lookup(db_path: Any, number: int) -> tuple[Any, Any]:
    from workbench.store import open_db
    from workbench.store.jobs import get_job
    from workbench.store.runs import get_run

    db = open_db(db_path)
    try:
        return get_run(db, number), get_job(db, number)
    finally:
        db.close()


class ScreenCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app: Any = self.app
        items: list[tuple[str, str, Callable[[], Any]]] = [
            (f"Open {e.title}", f"{e.help} ({bound_key(app, f'app.open.{e.name}', e.key)})",
             partial(app.action_open_screen, e.name))
            for e in SCREENS
        ]
        screen = app.screen
        for label, help_text, action in getattr(screen, "PALETTE_ACTIONS", ()):
            key = _key_for(screen, action)
            items.append((label, f"{help_text} ({key})" if key else help_text,
                          partial(screen.run_action, action)))
        items += [
            ("New compare session", "Compare: the next send starts a new session",
             partial(self._on_screen, "compare", "new_session")),
            ("New EvoKD job", "Jobs: start a distillation job in its own process",
             partial(self._on_screen, "jobs", "new_job")),
            ("Pick a model for Compare", "Compare: choose the selected column's model",
             partial(self._on_screen, "compare", "pick_model")),
        ]
        from workbench.ui.report_action import palette_entries

        items += palette_entries(app, screen=screen)  # "Report of run 12": the run this screen shows
        return items

    def _on_screen(self, name: str, action: str) -> None:
        app: Any = self.app
        app.action_open_screen(name)
        screen = app.get_screen(name)
        app.call_after_refresh(screen.run_action, action)

    def _id_commands(self, run: Any, job: Any) -> list[tuple[str, str, Callable[[], Any]]]:
        items: list[tuple[str, str, Callable[[], Any]]] = []
        if run is not None and run.kind in ("ice", "rse"):
            what = f"{run.kind.upper()} run {run.id}"
            about = f"{run.target or run.reference or ''} · {run.status}"
            items += [
                (f"Open {what}", about, partial(self._open_run, run.kind, run.id, False)),
                (f"Review run {run.id}", f"check its judge verdicts by hand · {about}",
                 partial(self._review_run, run.id)),
                (f"Resume {what}", f"continue it without repeating finished items · {about}",
                 partial(self._open_run, run.kind, run.id, True)),
            ]
        from workbench.ui.report_action import palette_entries

        items += palette_entries(self.app, run, job)  # "Report of ICE run 12", "Report of job 12"
        if job is not None:
            about = f"{getattr(job, 'kind', 'job')} · {job.status}"
            items += [
                (f"Open job {job.id}", about, partial(self._open_job, job.id, False)),
                (f"Resume job {job.id}", f"continue from its last finished round · {about}",
                 partial(self._open_job, job.id, True)),
            ]
        return items

    def _open_run(self, kind: str, run_id: int, resume: bool) -> None:
        app: Any = self.app
        app.action_open_screen(kind)
        screen = app.get_screen(kind)

        def show() -> None:  # after the screen is composed, if it was opened just now
            (screen.open_run if kind == "ice" else screen.show_run)(run_id)
            if resume:
                app.call_after_refresh(screen.action_resume)

        app.call_after_refresh(show)

    def _review_run(self, run_id: int) -> None:
        app: Any = self.app
        app.action_open_screen("review")
        app.call_after_refresh(app.get_screen("review").show_run, run_id)

    def _open_job(self, job_id: int, resume: bool) -> None:
        from workbench.ui.screens.job import JobScreen

        app: Any = self.app
        app.action_open_screen("jobs")
        if resume:
            app.get_screen("jobs").resume_job(job_id)
        else:
            app.push_screen(JobScreen(job_id=job_id))

    async def discover(self) -> Hits:
        for label, help_text, callback in self._commands():
            yield DiscoveryHit(label, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        commands = self._commands()
        number = _NUMBER.search(query)
        if number:
            try:  # the store is read off the UI loop
                run, job = await asyncio.to_thread(_lookup, self.app.db_path, int(number.group(0)))
            except Exception:
                run = job = None
            found = self._id_commands(run, job)
            for label, help_text, callback in found:
                # The number matched already: rank by the words around it.
                words = _NUMBER.sub("", query).strip()
                score = matcher.match(label) if words else 1.0
                yield Hit(max(score, 0.5) if not words else score or 0.3, matcher.highlight(label),
                          callback, help=help_text)
        for label, help_text, callback in commands:
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)
