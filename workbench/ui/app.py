"""The Distill Workbench Textual app.

Start-up imports only Textual and the light workbench modules. Nothing waits before the
first frame: once it is on screen, a background thread checks the database and then loads
litellm, torch and transformers (a thread holding the GIL while the first frame is composed
would delay it). A database the app cannot open ends the app with one line that says what
to fix, whichever screen met it first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

_T0 = time.perf_counter()

from textual import work  # noqa: E402
from textual.app import App  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.message import Message  # noqa: E402

from workbench.config import ConfigError, WorkbenchConfig, builtin_models, load_config  # noqa: E402
from workbench.heap import freeze_loaded_heap  # noqa: E402
from workbench.ui.commands import PROVIDERS  # noqa: E402
from workbench.ui.registry import BY_NAME, load_screen_class  # noqa: E402
from workbench.ui.store_writer import StoreWriter, WriteFailed  # noqa: E402

if TYPE_CHECKING:  # names for annotations only: litellm and the store load after the first frame
    from sqlite_utils import Database

    from workbench.models.gateway import Gateway

log = logging.getLogger("workbench.ui")
FIRST_FRAME_GRACE_S = 0.1
CONFIG_POLL_S = 2.0
LOADING_POLL_S = 0.5
# On quit, how long a probe run gets to stop and record its status (an item in flight is
# cancelled; a store write waits for the lock at most the store's WRITE_WAIT_S).
RUN_STOP_WAIT_S = 30.0


class BackgroundLoad(Message):
    """A heavy library finished loading (or failed) in the background."""

    def __init__(self, name: str, seconds: float, error: str | None = None):
        super().__init__()
        self.name = name
        self.seconds = seconds
        self.error = error


class WorkbenchApp(App):
    TITLE = "Distill Workbench"
    CSS_PATH = "workbench.tcss"
    # The app's own commands and one provider per screen (workbench.ui.commands).
    COMMANDS = App.COMMANDS | set(PROVIDERS)
    # Screens get these classes by terminal size: at 80x24 (-narrow, -short) panes stack,
    # collapse or drop their borders so every screen stays usable.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        # App keys are priority bindings: a focused text field would otherwise take them
        # (Textual's TextArea binds f6 and f7 to selecting text), and they must work from any field.
        Binding("ctrl+q", "quit", "Quit", id="app.quit_ctrl", priority=True),
        Binding("q", "quit", "Quit", show=False, id="app.quit"),
        # The footer shows the palette key at its right edge already.
        Binding("ctrl+p", "command_palette", "Palette", show=False, priority=True, id="app.palette"),
        # Not priority: in a text field "?" is typed; everywhere else it shows the keys.
        Binding("question_mark", "help", "Help", show=False, id="app.help"),
        *[Binding(e.key, f"open_screen('{e.name}')", e.title, show=False, priority=True, id=f"app.open.{e.name}")
          for e in BY_NAME.values()],
    ]

    def __init__(self, *, db_path: str | Path | None = None, config_path: str | Path | None = None,
                 start_screen: str | None = None, load_heavy: bool = True):
        super().__init__()
        # Imported here under other names: the parameters shadow workbench.config's functions.
        from workbench.config import config_path as resolve_config_path, db_path as resolve_db_path
        self.db_path = resolve_db_path(db_path)
        self.config_path = resolve_config_path(config_path)
        self.config_error: str | None = None
        try:
            self.config: WorkbenchConfig = load_config(config_path)
        except ConfigError as exc:
            # A broken models.toml must not keep the app closed: say what to fix, use built-ins.
            self.config_error = str(exc)
            self.config = WorkbenchConfig(models=builtin_models(), author="unknown", path=self.config_path)
        self.start_screen = start_screen or "home"
        self.load_heavy = load_heavy
        self.loaded: dict[str, float] = {}
        self.startup_s: float | None = None
        self.fatal_message: str | None = None  # why the app closed itself, printed on exit
        self._gateway: Gateway | None = None
        self.review_run_id: int | None = None  # the run Review opens first (`workbench review RUN`)
        # Every store write of the UI goes through this thread, never the event loop.
        self.writer = StoreWriter(self.open_db)
        self.run_threads: set[Any] = set()  # probe runs on their own loops (ui/run_thread.py)
        self.closing_store = False  # set once the app waits for its runs and writes on quit
        self._config_stamp: tuple[float, int] | None = None
        self.loading_models: list[str] = []  # local models loading in this process now
        if self.config.keymap:
            self.set_keymap(self.config.keymap)

    # -- shared state ------------------------------------------------------------------------
    def open_db(self) -> Database:
        """A new connection, for the calling worker thread alone.

        Never on the event loop: opening checks that the file can be written, which waits
        while another process holds the write lock. Writes go through ``self.writer``.
        """
        from workbench.store import open_db

        return open_db(self.db_path)

    def read_db(self) -> Database:
        """A new connection for a worker thread that only reads.

        It skips the can-write check (a BEGIN IMMEDIATE, which waits while another process
        holds the write lock; WAL readers never do), so screens refresh during a long write
        elsewhere. Whether the file can be written was checked once at start-up.
        """
        from workbench.store import open_db

        return open_db(self.db_path, writable=False)

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            from workbench.models.gateway import Gateway

            self._gateway = Gateway(self.config)
        return self._gateway

    # -- lifecycle ---------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.action_open_screen(self.start_screen)
        self.call_after_refresh(self._first_frame)
        # A config error stays on every screen (ConfigBanner) until the file is fixed: look
        # at the file now and then, and take the fixed one without a restart.
        self._config_stamp = _stamp(self.config_path)
        self.set_interval(CONFIG_POLL_S, self._check_config_file)
        self.set_interval(LOADING_POLL_S, self._check_loading_models)

    def on_write_failed(self, message: WriteFailed) -> None:
        self.notify(message.text, severity="error", timeout=10)

    async def on_unmount(self) -> None:
        # Screens are closed by now (their last writes queued). Stop the probe runs still going
        # (each records "interrupted", resumable) and run every write still queued, in threads:
        # a write waiting for another process's lock must not be lost on quit.
        self.closing_store = True
        if self.run_threads or self.writer.pending:
            await asyncio.to_thread(self._close_store_work)
        else:
            self._close_store_work()  # nothing to wait for: no thread hop, the loop ends now

    def _close_store_work(self) -> None:
        runs = list(self.run_threads)
        for run in runs:
            run.stop()
        for run in runs:
            if not run.join(RUN_STOP_WAIT_S):
                log.warning("run %s did not stop within %ss", run.name, RUN_STOP_WAIT_S)
        self.writer.close()

    # -- config errors -----------------------------------------------------------------------
    def _check_config_file(self) -> None:
        stamp = _stamp(self.config_path)
        if stamp == self._config_stamp:
            return
        self._config_stamp = stamp
        self.reload_config()

    def reload_config(self) -> None:
        """Read models.toml again: a fixed file clears the banner, a broken one shows it."""
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            self.config_error = str(exc)
        else:
            had_error, self.config_error = self.config_error, None
            self.config = config
            self._gateway = None  # the next call uses the new models
            if had_error:
                self.notify(f"{self.config_path} is fixed: {len(config.models)} models", title="models.toml")
        from workbench.ui.widgets.config_banner import ConfigBanner

        from workbench.ui.widgets.ice_form import ICERunForm
        from workbench.ui.widgets.rse_form import RSERunForm

        models = list(self.config.models)
        # Installed screens too: one left for another keeps its widgets (and would offer stale models).
        installed = [self.get_screen(name) for name in BY_NAME if self.is_screen_installed(name)]
        for screen in dict.fromkeys([*self.screen_stack, *installed]):
            for banner in screen.query(ConfigBanner):
                banner.show_error(self.config_error)
            # A model added or fixed in models.toml is offered without leaving the screen.
            for form in screen.query(ICERunForm):
                form.set_models(models)
            for rse_form in screen.query(RSERunForm):
                rse_form.set_models(models)
        self._refresh_status()

    # -- local models loading ----------------------------------------------------------------
    def _check_loading_models(self) -> None:
        loading = loading_local_models()
        if loading != self.loading_models:
            self.loading_models = loading
            self._refresh_status()

    # -- help --------------------------------------------------------------------------------
    def action_help(self, screen: Any = None) -> None:
        """The keys of ``screen`` (the one on top by default), from its live bindings."""
        from textual.screen import ModalScreen

        from workbench.ui.screens.help import HelpScreen

        about = screen or self.screen
        if isinstance(about, ModalScreen):
            return  # a dialog's keys are on its face; help over it would hide them
        self.push_screen(HelpScreen(about))

    def _first_frame(self) -> None:
        self.startup_s = time.perf_counter() - _T0
        log.info("first frame after %.3fs", self.startup_s)
        self._refresh_status()
        # The frame is queued for the terminal's writer thread: give it a moment before a
        # thread starts importing for seconds with the GIL held.
        self.set_timer(FIRST_FRAME_GRACE_S, self._after_first_frame)

    def _after_first_frame(self) -> None:
        self._check_database()
        if self.load_heavy:
            self._load_heavy_libraries()

    @work(thread=True, exclusive=True, group="db-check", name="check the database")
    def _check_database(self) -> None:
        from workbench.store.db import StoreError

        try:
            self.open_db().close()
        except StoreError as exc:
            self.call_from_thread(self.fail_on_store_error, exc)

    def fail_on_store_error(self, exc: BaseException) -> None:
        """Close the app with the store's one-line message and exit status 2, as the CLI does."""
        if self.fatal_message is not None:
            return
        self.fatal_message = f"workbench: error: {exc}"
        self.exit(return_code=2, message=self.fatal_message)

    def _handle_exception(self, error: Exception) -> None:
        # Every screen reads the store from its own workers; a database that cannot be opened
        # is the user's to fix, so it ends the app with the CLI's one line, not a traceback.
        from workbench.store.db import StoreError

        cause = getattr(error, "error", error)  # a WorkerFailed carries the worker's error
        if isinstance(cause, StoreError):
            self.fail_on_store_error(cause)
            return
        if self.closing_store:
            # While the app waits for its last writes, a reader finishing late hands its result
            # to a screen already taken down: nothing is lost, there is nothing left to show.
            log.warning("after the screens closed: %s: %s", type(cause).__name__, cause)
            return
        super()._handle_exception(error)

    @work(thread=True, exclusive=True, group="heavy-imports", name="load heavy libraries")
    def _load_heavy_libraries(self) -> None:
        steps = (("litellm", _load_litellm), ("torch", _load_torch), ("transformers", _load_transformers),
                 ("similarity", _load_similarity))
        for name, loader in steps:
            t0 = time.perf_counter()
            try:
                loader()
                self.post_message(BackgroundLoad(name, time.perf_counter() - t0))
            except Exception as exc:  # a broken optional install must not crash the UI
                self.post_message(BackgroundLoad(name, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}"))
        freeze_loaded_heap()

    def on_background_load(self, message: BackgroundLoad) -> None:
        if message.error:
            self.notify(f"{message.name} failed to load: {message.error}", severity="error")
        else:
            self.loaded[message.name] = message.seconds
        self._refresh_status()

    def status_text(self) -> str:
        pending = [n for n in ("litellm", "torch", "transformers") if n not in self.loaded]
        parts = []
        if self.startup_s is not None:
            parts.append(f"started in {self.startup_s:.2f}s")
        if self.loading_models:
            parts.append(f"loading model {', '.join(self.loading_models)}…")
        if self.config_error:
            parts.append("models.toml has errors: built-in models only")
        elif not self.load_heavy:
            parts.append("models load on first use")
        elif pending:
            parts.append(f"loading {', '.join(pending)} in the background…")
        else:
            parts.append("models ready")
        parts.append(f"db {self.db_path}")
        return "  ·  ".join(parts)

    def _refresh_status(self) -> None:
        from workbench.ui.widgets.status_bar import StatusBar

        for bar in self.query(StatusBar):
            bar.text = self.status_text()
        try:
            for bar in self.screen.query(StatusBar):
                bar.text = self.status_text()
        except Exception:
            pass

    # -- navigation --------------------------------------------------------------------------
    def action_open_screen(self, name: str) -> None:
        if name not in BY_NAME:
            self.notify(f"no screen named {name}", severity="error")
            return
        if self.is_screen_installed(name):
            self.switch_or_push(name)
            return
        try:
            screen_class = load_screen_class(name)
        except (ImportError, AttributeError) as exc:
            self.notify(f"{BY_NAME[name].title} is not available: {exc}", severity="error")
            return
        self.install_screen(screen_class(), name=name)
        self.switch_or_push(name)

    def switch_or_push(self, name: str) -> None:
        # Screens stay installed, so work running on one keeps going while you look elsewhere.
        # Not Textual's MODES: each mode keeps its own stack, so a dialog left open on one screen
        # would still wait there on return, where here an F-key from a dialog replaces it; and
        # screens are installed by name as instances (tests give Compare embeddings=False).
        if len(self.screen_stack) <= 1:
            self.push_screen(name)
        else:
            self.switch_screen(name)


def _stamp(path: Path) -> tuple[float, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime, st.st_size)


def loading_local_models() -> list[str]:
    """The in-process local models loading now (their load lock is held).

    Read from the local host only once something has imported it: the check itself must
    never pull torch onto the UI thread.
    """
    import sys

    host = getattr(sys.modules.get("workbench.models.local"), "LocalModelHost", None)
    locks = dict(getattr(host, "_loading", None) or {})
    return sorted(f"local/{name}" for name, lock in locks.items() if lock.locked())


def _load_litellm() -> None:
    from workbench.models.gateway import load_litellm

    load_litellm()


def _load_torch() -> None:
    import torch  # noqa: F401


def _load_transformers() -> None:
    from workbench.models.embeddings import import_transformers

    import_transformers()


def _load_similarity() -> None:
    # numba and the compiled similarity kernels (from numba's cache, so well under a
    # second), so the first comparison's scores appear without that wait.
    from probes.similarity import compile_kernels

    compile_kernels()
