"""Checks before a run: every model's API key is set and every api_base server answers."""

from __future__ import annotations

import os
from typing import Callable

from workbench.config import ModelSpec

from .client import load_litellm
from .errors import GatewayError


def preflight_models(resolve: Callable[[str], ModelSpec], names: list[str], timeout: float = 5.0) -> None:
    """Before a run: raise GatewayError, in one line, if a model's API key is not set or
    its api_base answers nothing (one probe request per server). ``resolve`` is the
    gateway's name -> spec lookup (``Gateway.preflight``)."""
    probed: set[str] = set()
    for name in dict.fromkeys(names):
        if not name or name == "rule":
            continue
        spec = resolve(name)
        if spec.api_key_env and not os.environ.get(spec.api_key_env):
            raise GatewayError(f"{spec.name}: environment variable {spec.api_key_env} is not set "
                               "(export it with the provider's API key)", "auth")
        missing = provider_key_missing(spec)
        if missing:
            raise GatewayError(f"{spec.name}: environment variable {' or '.join(missing)} is not set (export "
                               "it with the provider's API key, or name another with api_key_env in "
                               "models.toml)", "auth")
        if spec.api_base and not spec.is_local and spec.api_base not in probed:
            probed.add(spec.api_base)
            problem = probe_api_base(spec.api_base, timeout)
            if problem:
                raise GatewayError(f"{spec.name}: cannot reach {spec.api_base} ({problem}): start the "
                                   "server, or fix api_base in models.toml", "connection")


def provider_key_missing(spec: ModelSpec) -> list[str]:
    """The API-key variables litellm reads for ``spec``'s provider when none is set (e.g.
    OPENAI_API_KEY for a raw ``openai/gpt-4o-mini``), or [] when one is set or none applies.

    Asked of litellm (``validate_environment``), which knows each provider's variables. Only
    for models litellm finds a key for itself: an ``api_key_env`` is checked by name, an
    ``api_base`` server needs no key. Only *_API_KEY names count: other variables it lists
    (OLLAMA_API_BASE, AWS or Vertex settings) have defaults or other sources.
    """
    if spec.api_key_env or spec.api_base or spec.is_local or spec.deployments:
        return []
    try:
        found = load_litellm().validate_environment(model=spec.model)
    except Exception:  # a provider litellm cannot inspect: the request itself will say
        return []
    if found.get("keys_in_environment"):
        return []
    return [k for k in found.get("missing_keys") or [] if str(k).endswith("_API_KEY")]


def probe_api_base(api_base: str, timeout: float = 5.0) -> str | None:
    """None if the server at ``api_base`` answers HTTP at all (any status), else why not.

    One GET of ``/models`` with the standard library: a 401 or 404 still proves a server is
    there; only a refused connection, a bad address or silence counts as unreachable.
    """
    import socket
    import urllib.error
    import urllib.request

    url = api_base.rstrip("/") + "/models"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            return f"no answer in {timeout:g}s"
        return getattr(reason, "strerror", None) or str(reason)
    except (TimeoutError, socket.timeout):
        return f"no answer in {timeout:g}s"
    except (OSError, ValueError) as exc:
        return str(exc) or type(exc).__name__
