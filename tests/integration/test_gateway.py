"""The gateway against a real OpenAI-compatible HTTP server on 127.0.0.1 with injected faults."""

from __future__ import annotations

import asyncio
import time

import pytest

from workbench.config import ModelSpec
from workbench.devtools.openai_server import Behavior
from workbench.models.gateway import Gateway, backoff_delay

MSG = [{"role": "user", "content": "alpha beta gamma"}]


async def test_streams_deltas_and_usage(config, server):
    deltas: list[str] = []
    r = await Gateway(config).complete("echo", MSG, on_delta=lambda t, restart: deltas.append(t))
    assert r.ok and r.text == "Echo: alpha beta gamma"
    assert len(deltas) == 4 and "".join(deltas) == r.text
    assert r.completion_tokens == 4 and r.prompt_tokens == 3
    assert r.ttft_s is not None and r.total_s >= r.ttft_s
    assert [a.status for a in r.attempts] == ["ok"]


async def test_429_then_success_records_each_attempt(config, server):
    server.script(Behavior(status=429, retry_after=0.01), Behavior(status=429))
    r = await Gateway(config).complete("echo", MSG)
    assert r.ok and r.text.startswith("Echo:")
    assert [(a.status, a.error_kind) for a in r.attempts] == [
        ("error", "rate_limit"), ("error", "rate_limit"), ("ok", None)]
    assert len(server.requests) == 3


async def test_repeated_500_is_recorded_as_an_error(config, server):
    server.default = Behavior(status=500)
    r = await Gateway(config).complete("echo", MSG)
    assert r.status == "error" and r.error_kind == "server"
    assert "500" in r.error
    assert len(r.attempts) == 4 and all(a.error_kind == "server" for a in r.attempts)


async def test_stalled_stream_hits_the_timeout(config, server):
    server.default = Behavior(stall_after=1)
    t0 = time.perf_counter()
    r = await Gateway(config).complete("echo", MSG, timeout=0.5, max_retries=1)
    assert r.status == "error" and r.error_kind == "timeout"
    assert len(r.attempts) == 2
    assert time.perf_counter() - t0 < 10
    # Each abandoned stream is closed at once, so its connection is not left hanging.
    for _ in range(100):
        if server.hangups == 2:
            break
        await asyncio.sleep(0.05)
    assert server.hangups == 2


async def test_dropped_connection_is_retried_and_restarts_the_text(config, server):
    server.script(Behavior(drop_after=2))
    events: list[tuple[str, bool]] = []
    r = await Gateway(config).complete("echo", MSG, on_delta=lambda t, restart: events.append((t, restart)))
    assert r.ok and r.text == "Echo: alpha beta gamma"
    assert r.attempts[0].error_kind == "connection"
    assert ("", True) in events  # the UI is told to clear the partial answer


async def test_a_local_server_that_hangs_up_before_answering_is_asked_once_more(config, server):
    """A server on this machine that closes the connection before a byte of answer (how a
    keep-alive connection closed as a request is sent looks) is tried once more, even for a
    model with max_retries = 0, as local models have; the message names what the socket said."""
    config.models["once"] = ModelSpec(name="once", model="openai/echo", api_base=server.url, max_retries=0,
                                      timeout=5)
    server.script(Behavior(hang_up=True))
    r = await Gateway(config).complete("once", MSG)
    assert r.ok and r.text == "Echo: alpha beta gamma"
    assert [a.error_kind for a in r.attempts] == ["connection", None] and len(server.requests) == 2
    assert "Server disconnected" in r.attempts[0].error

    # Only once: a server that keeps hanging up is an error after the second try.
    server.script(Behavior(hang_up=True), Behavior(hang_up=True))
    server.requests.clear()
    r = await Gateway(config).complete("once", MSG)
    assert r.status == "error" and r.error_kind == "connection" and len(server.requests) == 2
    assert "Server disconnected" in r.error and "\n" not in r.error

    # Text already streamed: no silent second try (the model's own max_retries decides).
    assert not server.plan
    server.script(Behavior(drop_after=2))
    server.requests.clear()
    r = await Gateway(config).complete("once", MSG)
    assert r.status == "error" and len(server.requests) == 1


def test_only_servers_on_this_machine_get_the_extra_try():
    from workbench.models.gateway.stream import on_this_machine

    assert on_this_machine(ModelSpec(name="l", model="local/smollm2-135m-instruct"))
    for base in ("http://127.0.0.1:8080/v1", "http://localhost:11434/v1", "http://127.3.2.1/v1", "http://[::1]:8000/v1"):
        assert on_this_machine(ModelSpec(name="s", model="openai/x", api_base=base)), base
    for base in ("https://api.openai.com/v1", "http://10.0.0.5:8000/v1", "http://gpu-box:8000/v1", None):
        assert not on_this_machine(ModelSpec(name="r", model="openai/x", api_base=base)), base
    assert not on_this_machine(ModelSpec(name="c", model="gpt-4o-mini"))


async def test_missing_api_key_is_one_clear_error_without_retries(config, server, monkeypatch):
    monkeypatch.delenv("WB_TEST_KEY", raising=False)
    config.models["keyed"] = ModelSpec(name="keyed", model="openai/echo", api_base=server.url,
                                       api_key_env="WB_TEST_KEY")
    r = await Gateway(config).complete("keyed", MSG)
    assert r.status == "error" and r.error_kind == "auth"
    assert "WB_TEST_KEY" in r.error and "\n" not in r.error
    assert len(r.attempts) == 1 and not server.requests


async def test_unknown_model_is_an_error_response(config):
    r = await Gateway(config).complete("no-such-model", MSG)
    assert r.status == "error" and "workbench models" in r.error


async def test_concurrency_is_bounded_per_model(config, server):
    config.models["echo"] = ModelSpec(name="echo", model="openai/echo", api_base=server.url,
                                      max_concurrency=2, timeout=5)
    server.default = Behavior(latency_s=0.2)
    gw = Gateway(config)
    t0 = time.perf_counter()
    results = await asyncio.gather(*(gw.complete("echo", MSG) for _ in range(6)))
    elapsed = time.perf_counter() - t0
    assert all(r.ok for r in results)
    # 6 requests, 2 at a time, 0.2 s each: at least three waves.
    assert elapsed >= 0.55
    starts = sorted(r.at for r in server.requests)
    assert starts[2] - starts[0] >= 0.15


async def test_cancel_keeps_what_arrived(config, server):
    server.default = Behavior(chunk_delay_s=0.2, text="one two three four five six seven")
    cancel = asyncio.Event()
    got: list[str] = []

    def on_delta(text: str, restart: bool) -> None:
        got.append(text)
        if len(got) == 2:
            cancel.set()

    r = await Gateway(config).complete("echo", MSG, on_delta=on_delta, cancel=cancel)
    assert r.status == "cancelled"
    assert r.text == "one two"


def test_backoff_grows_and_honours_retry_after():
    assert backoff_delay(1) <= 0.5
    assert 2.0 <= backoff_delay(4) <= 4.0
    assert backoff_delay(1, retry_after=3.0) >= 3.0


async def test_unreachable_server_names_its_url(config):
    import socket

    with socket.socket() as s:  # a port on 127.0.0.1 that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    config.models["gone"] = ModelSpec(name="gone", model="openai/echo", api_base=url, timeout=3)
    r = await Gateway(config).complete("gone", MSG, max_retries=0)
    assert r.status == "error" and r.error_kind == "connection"
    assert url in r.error and "\n" not in r.error


def test_a_mistyped_model_name_suggests_the_closest_ones(config):
    from workbench.models.gateway import UnknownModelError

    gateway = Gateway(config)
    with pytest.raises(UnknownModelError, match="did you mean echo or echo-b"):
        gateway.resolve("ecoh")
    with pytest.raises(UnknownModelError, match="did you mean local/smollm2-135m-instruct"):
        gateway.resolve("local/smollm2")
    with pytest.raises(UnknownModelError) as nothing_close:
        gateway.resolve("zzzzzz")
    assert "did you mean" not in str(nothing_close.value)



def _run_python(script: str):
    """``script`` in a fresh interpreter from the repo root (process-wide state untouched)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    return subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def test_an_interrupt_while_litellm_prepares_a_request_prints_no_warning():
    """Ctrl-C between litellm's preparation thread and the HTTP call: nothing was sent, and
    stderr must not get Python's "coroutine ... was never awaited" warning."""
    script = (
        "import asyncio\n"
        "from tests.conftest import server_config\n"
        "from workbench.models.gateway import Gateway, load_litellm\n"
        "load_litellm()\n"
        "async def main():\n"
        "    gw = Gateway(server_config('http://127.0.0.1:9/v1'))\n"
        "    asyncio.ensure_future(gw.complete('echo', [{'role': 'user', 'content': 'hi'}]))\n"
        "    for _ in range(3):\n"
        "        await asyncio.sleep(0)  # the request reaches litellm's preparation thread\n"
        "    raise KeyboardInterrupt\n"
        "try:\n"
        "    asyncio.run(main())\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    done = _run_python(script)
    assert done.stdout.strip() == "interrupted", done.stderr[-2000:]
    assert "never awaited" not in done.stderr


def test_loading_litellm_moves_its_objects_out_of_full_collections():
    """A full collection must not walk litellm's ~10^5 import-time objects again and again
    (each walk holds the GIL: a visible TUI freeze and a stall of every request in flight)."""
    script = (
        "import gc\n"
        "from workbench.models.gateway import load_litellm\n"
        "litellm = load_litellm()\n"
        "ns = vars(litellm)\n"
        "collectable = {id(o) for o in gc.get_objects()}\n"
        "print(gc.get_freeze_count(), id(ns) in collectable, len(collectable))\n"
    )
    done = _run_python(script)
    frozen, namespace_collectable, still_collectable = done.stdout.split()
    assert namespace_collectable == "False", done.stderr[-2000:]
    assert int(frozen) > 10 * int(still_collectable)
