"""Shared fixtures: a real SQLite file per test, a fault-injecting OpenAI server on
127.0.0.1, and configs that point models at it. The real local model loads once per
test session (it is cached process-wide by workbench.models.local)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# Run locks go to a directory of this test session, not the user's runtime directory.
if "WORKBENCH_LOCK_DIR" not in os.environ:
    import tempfile

    os.environ["WORKBENCH_LOCK_DIR"] = tempfile.mkdtemp(prefix="workbench-test-locks-")
# Exports from the TUI go to the user data dir by default: never the user's, in tests.
if "WORKBENCH_EXPORTS" not in os.environ:
    import tempfile

    os.environ["WORKBENCH_EXPORTS"] = tempfile.mkdtemp(prefix="workbench-test-exports-")
# The local model's converted copy (see workbench.models.gguf_cache) goes to one fixed folder
# for test sessions: the first load of a session converts, later ones and subprocesses reuse
# it, and it is one copy however many sessions run (stale versions replace themselves).
if "WORKBENCH_MODEL_CACHE" not in os.environ:
    import tempfile

    os.environ["WORKBENCH_MODEL_CACHE"] = os.path.join(tempfile.gettempdir(),
                                                      f"workbench-test-models-{os.getuid()}")

# Judges trained without --out go to the judges folder of the user data dir: never the user's, in tests.
if "WORKBENCH_JUDGES" not in os.environ:
    import tempfile

    os.environ["WORKBENCH_JUDGES"] = tempfile.mkdtemp(prefix="workbench-test-judges-")

# Answer embeddings of distilled judges (workbench.judging.embed_cache): a fresh folder per session.
if "WORKBENCH_EMBED_CACHE" not in os.environ:
    import tempfile

    os.environ["WORKBENCH_EMBED_CACHE"] = tempfile.mkdtemp(prefix="workbench-test-embeddings-")

from workbench.config import ModelSpec, WorkbenchConfig, builtin_models  # noqa: E402
from workbench.devtools.openai_server import Behavior, FakeOpenAIServer  # noqa: E402

LOCAL_MODEL = "local/smollm2-135m-instruct"
REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def fake_server():
    server = FakeOpenAIServer().start_in_thread()
    yield server
    server.stop_thread()


@pytest.fixture()
def server(fake_server):
    """The session's server with a clean script and request log for this test."""
    fake_server.plan.clear()
    fake_server.requests.clear()
    fake_server.hangups = 0
    fake_server.default = Behavior()
    yield fake_server
    fake_server.plan.clear()


def server_config(url: str, **overrides) -> WorkbenchConfig:
    models = builtin_models()
    base = dict(api_base=url, timeout=3.0, max_retries=3, max_concurrency=4)
    base.update(overrides)
    models["echo"] = ModelSpec(name="echo", model="openai/echo", **base)
    models["echo-b"] = ModelSpec(name="echo-b", model="openai/echo-b", **base)
    return WorkbenchConfig(models=models, author="tester", path=Path("/nonexistent/models.toml"))


@pytest.fixture()
def config(server) -> WorkbenchConfig:
    return server_config(server.url)


@pytest.fixture()
def db_file(tmp_path) -> Path:
    return tmp_path / "workbench.db"


@pytest.fixture()
def db(db_file):
    from workbench.store import open_db

    database = open_db(db_file)
    yield database
    database.close()


def write_models_toml(path: Path, server_url: str) -> Path:
    path.write_text(
        f'[models.echo]\nmodel = "openai/echo"\napi_base = "{server_url}"\n'
        'timeout = 3\nmax_retries = 2\n', encoding="utf-8")
    return path
