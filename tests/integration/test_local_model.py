"""The real built-in local model through the gateway (loaded once per test session)."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import LOCAL_MODEL
from workbench.models.gateway import Gateway
from workbench.models.local import LocalModelHost

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gateway():
    return Gateway(_builtin_config())


def _builtin_config():
    from pathlib import Path

    from workbench.config import WorkbenchConfig, builtin_models

    return WorkbenchConfig(models=builtin_models(), author="t", path=Path("/nonexistent"))


async def test_answers_paris_and_streams(gateway):
    deltas: list[str] = []
    r = await gateway.complete(LOCAL_MODEL, [{"role": "user", "content": "What is the capital of France?"}],
                               max_tokens=16, on_delta=lambda t, restart: deltas.append(t))
    assert r.ok, r.error
    assert "Paris" in r.text
    assert len(deltas) > 1 and "".join(deltas) == r.text
    assert r.prompt_tokens and r.completion_tokens and r.cost_usd == 0.0


async def test_waiting_requests_are_batched(gateway):
    model = LocalModelHost.get(LOCAL_MODEL)
    before = model.batches_run
    prompts = ["Name a fruit.", "Name a colour.", "Name an animal."]
    rs = await asyncio.gather(*(gateway.complete(LOCAL_MODEL, [{"role": "user", "content": p}], max_tokens=6)
                                for p in prompts))
    assert all(r.ok and r.text for r in rs)
    assert model.batches_run - before < len(prompts)  # shared at least one batch
    assert model.largest_batch >= 2


async def test_batched_greedy_answer_matches_single(gateway):
    msg = [{"role": "user", "content": "What is the capital of France?"}]
    single = await gateway.complete(LOCAL_MODEL, msg, max_tokens=8)
    pair = await asyncio.gather(
        gateway.complete(LOCAL_MODEL, msg, max_tokens=8),
        gateway.complete(LOCAL_MODEL, [{"role": "user", "content": "Say hello, please, in a sentence."}],
                         max_tokens=8))
    assert pair[0].text == single.text


async def test_cancel_mid_stream(gateway):
    cancel = asyncio.Event()
    got: list[str] = []

    def on_delta(text: str, restart: bool) -> None:
        got.append(text)
        if len(got) >= 2:
            cancel.set()

    r = await gateway.complete(LOCAL_MODEL, [{"role": "user", "content": "Write a long story about a cat."}],
                               max_tokens=64, on_delta=on_delta, cancel=cancel)
    assert r.status == "cancelled"
    assert r.text and len(r.text) < 400
