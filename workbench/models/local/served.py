"""A GGUF local model: it runs on its own llama-server child process, and the gateway sends it
OpenAI-format requests (:func:`workbench.models.local.engine.route_kwargs`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .paths import LocalModelError


class _ServedModel:
    """A GGUF model running on its own llama-server (see llama_server)."""

    kind = "llama.cpp"

    def __init__(self, name: str, path: Path, server: Any):
        self.name = name
        self.path = path
        self.server = server

    @classmethod
    def start(cls, name: str, path: Path) -> "_ServedModel":
        from workbench.models import llama_server

        try:
            return cls(name, path, llama_server.start_server(f"local/{name}", path))
        except llama_server.EngineError as exc:
            raise LocalModelError(str(exc)) from exc

    def shutdown(self, timeout: float = 10.0) -> None:
        self.server.stop(timeout)
