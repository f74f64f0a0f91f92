"""The litellm module: imported once, quietly, with the local provider registered; or ahead of time."""

from __future__ import annotations

import logging
import os
import threading
import warnings
from typing import Any

from workbench.heap import freeze_loaded_heap

from .local_provider import make_local_provider

log = logging.getLogger(__name__)

_litellm_lock = threading.Lock()
_litellm: Any = None


def load_litellm() -> Any:
    """Import litellm once, quietly, with the local provider registered. Thread-safe."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _litellm_lock:
        if _litellm is not None:
            return _litellm
        # Without this litellm fetches a price list over the network at import.
        os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        os.environ.setdefault("LITELLM_LOG", "CRITICAL")
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx"):
            lg = logging.getLogger(name)
            lg.setLevel(logging.CRITICAL)
            lg.propagate = False
        import litellm

        # acompletion prepares a request in a thread and gets back a coroutine to await; a
        # cancel (Ctrl-C, escape) in between leaves that coroutine unstarted, so nothing was
        # sent and nothing leaks, but Python warns on stderr when it is collected.
        warnings.filterwarnings("ignore", message=r"coroutine '.*\.async_streaming' was never awaited",
                                category=RuntimeWarning)
        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        litellm.telemetry = False
        # A param a provider lacks is dropped, not an error: asked per request (drop_params=True
        # in _attempt), not globally, because the global flag also makes litellm's OpenAI
        # handler answer a 422 by resending the request once, unseen by our retries and
        # attempts, and return None when the resend gets a 422 too (litellm#32221): a
        # rejected request then came back as an answer, or as a TypeError.
        litellm.drop_params = False
        # We record usage, cost and attempts ourselves; litellm's per-chunk logging and
        # success callbacks only cost CPU (a third of a streamed request's overhead).
        litellm.disable_streaming_logging = True
        litellm.disable_hf_tokenizer_download = True  # never reach for a hub at run time
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
            lg = logging.getLogger(name)
            lg.handlers.clear()
            lg.addHandler(logging.NullHandler())
            lg.propagate = False
        litellm.custom_provider_map = [
            {"provider": "local", "custom_handler": make_local_provider()}
        ]
        from litellm.utils import custom_llm_setup

        custom_llm_setup()
        freeze_loaded_heap()
        _litellm = litellm
        return litellm


def preload_litellm() -> None:
    """Start importing litellm in a background thread: a command that will send calls this
    as soon as its input is checked, so the import (seconds) overlaps opening the database,
    reading the config and the pre-flight probe instead of following them."""
    global _preload
    if _litellm is not None or _preload is not None:
        return

    def load() -> None:
        try:
            load_litellm()
        except Exception:  # the sending path imports again and reports the error there
            log.debug("litellm preload failed", exc_info=True)

    _preload = threading.Thread(target=load, name="litellm-preload", daemon=True)
    _preload.start()


_preload: threading.Thread | None = None
