"""The teacher: weakness analysis, generation and labelling through the model gateway.

Every call's tokens (prompt + completion, from the response usage) and cost are counted
per round, and an optional per-round token budget caps them, so EvoKD and the baselines
can be compared at an equal teacher-token budget. Generation and labelling ask for JSON with
a schema (``response_format``; the label is an enum of the label names), which llama.cpp
enforces with a grammar; a server that ignores it is read by the tolerant parsers.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from . import parsers, prompts
from .prompts import Mistake, TaskInfo

ExchangeHook = Callable[[str, list, Any], None]  # (purpose, messages, Response)

ANALYSIS_TOKENS = 160
LABEL_TOKENS = 16  # {"label": "entertainment"}
NER_LABEL_TOKENS = 120
CHARS_PER_TOKEN = 4  # estimate when a server reports no usage


class TeacherFailed(Exception):
    """The teacher failed every call it was given: nothing to learn from."""


@dataclass
class TeacherUsage:
    calls: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    last_error: str | None = None

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, response: Any, messages: list[dict]) -> None:
        self.calls += 1
        if not response.ok:
            self.failed += 1
            self.last_error = response.error
        pt = response.prompt_tokens
        if pt is None:
            pt = math.ceil(sum(len(str(m.get("content", ""))) for m in messages) / CHARS_PER_TOKEN)
        ct = response.completion_tokens
        if ct is None:
            ct = math.ceil(len(response.text or "") / CHARS_PER_TOKEN)
        self.prompt_tokens += int(pt)
        self.completion_tokens += int(ct)
        if response.cost_usd:
            self.cost_usd += float(response.cost_usd)


@dataclass
class Generated:
    """What one generation call produced."""

    kind: str  # hard | easy | static
    raw: str
    ok: bool
    error: str | None = None
    texts: list[str] = field(default_factory=list)
    labelled: list[parsers.Labelled] = field(default_factory=list)
    prompt: str = ""


@dataclass
class LabelResult:
    label: str | None  # class name, or JSON-able tag list for NER (as list)
    tags: list[str] | None = None
    reason: str | None = None  # why there is no label


class Teacher:
    def __init__(self, gateway: Any, model: str, info: TaskInfo, *, temperature: float = 0.8,
                 max_new_tokens: int = 320, budget: int | None = None,
                 on_exchange: ExchangeHook | None = None, label_concurrency: int = 4,
                 structured: bool = True, reserve: int = 0):
        self.gateway = gateway
        self.model = model
        self.info = info
        self.temperature = temperature
        self.max_new_tokens = max_new_tokens
        self.budget = budget
        self.on_exchange = on_exchange
        self.label_concurrency = label_concurrency
        self.structured = structured  # send response_format (JSON schemas)
        # Tokens of the round's budget kept back for a later call (EvoKD's analysis).
        self.reserve = reserve
        self.usage = TeacherUsage()
        self.cancel: asyncio.Event | None = None

    # -- accounting -----------------------------------------------------------------------
    def new_round(self) -> None:
        self.usage = TeacherUsage()

    def remaining(self) -> int | None:
        return None if self.budget is None else self.budget - self.usage.tokens

    def exhausted(self) -> bool:
        left = self.remaining()
        return left is not None and left <= self.reserve

    def check_alive(self, where: str) -> None:
        """Raise TeacherFailed when every call so far has failed (at least two tried)."""
        u = self.usage
        if u.calls >= 2 and u.failed == u.calls:
            raise TeacherFailed(f"teacher {self.model} failed every call ({u.calls}) {where}: "
                                f"{u.last_error or 'no answer'}")

    async def _call(self, purpose: str, messages: list[dict], max_tokens: int, *,
                    temperature: float, seed: int | None, schema: dict | None = None,
                    reserved: bool = False) -> Any | None:
        left = self.remaining()
        if left is not None:
            if not reserved:
                left -= self.reserve
            if left <= 0:
                return None
            max_tokens = max(1, min(max_tokens, left))
        extra = {"response_format": schema} if schema is not None and self.structured else {}
        response = await self.gateway.complete(self.model, messages, cancel=self.cancel,
                                               max_tokens=max_tokens, temperature=temperature,
                                               seed=seed, **extra)
        if response.status == "cancelled":
            from .student import Cancelled

            raise Cancelled()
        self.usage.add(response, messages)
        if self.on_exchange is not None:
            self.on_exchange(purpose, messages, response)
        return response

    # -- analysis -------------------------------------------------------------------------
    async def analyse(self, wrong: Sequence[Mistake], correct: Sequence[Mistake], seed: int, *,
                      error_rates: dict[str, tuple[int, int]] | None = None,
                      history: Sequence[prompts.RoundNote] = (), fresh: int = 0) -> str:
        """A weakness analysis from the mistakes on this round's fresh samples. It may spend
        the tokens kept back for it (``reserve``)."""
        messages = prompts.analysis_prompt(self.info, wrong, correct, error_rates, history, fresh)
        r = await self._call("analysis", messages, ANALYSIS_TOKENS, temperature=self.temperature,
                             seed=seed, reserved=True)
        if r is None or not r.ok:
            return ""
        return cut_repetition(" ".join(r.text.split()))[:1500]

    # -- generation -----------------------------------------------------------------------
    async def generate(self, kind: str, n: int, *, analysis: str = "", focus: Sequence[str] = (),
                       history: Sequence[prompts.RoundNote] = (), seed: int) -> Generated | None:
        """``n`` texts, each with the label (NER: the entities) the teacher meant it to have."""
        if kind == "hard":
            messages = prompts.hard_prompt(self.info, n, analysis, focus, history)
        elif kind == "easy":
            messages = prompts.easy_prompt(self.info, n, focus, history)
        else:
            messages = prompts.static_prompt(self.info, n, focus)
        # Room for n texts of ~45 tokens each plus their labels, within the configured ceiling.
        max_tokens = min(self.max_new_tokens, 40 + 60 * n)
        r = await self._call(f"generate:{kind}", messages, max_tokens, temperature=self.temperature,
                             seed=seed, schema=prompts.generation_schema(self.info, n))
        if r is None:
            return None
        out = Generated(kind=kind, raw=r.text or "", ok=r.ok, error=r.error,
                        prompt=messages[-1]["content"])
        if not r.ok:
            return out
        out.labelled = parsers.parse_labelled(r.text, self.info.labels)
        return out

    # -- labelling ------------------------------------------------------------------------
    async def label_all(self, texts: Sequence[str], seed: int) -> list[LabelResult]:
        """One label per text, each from its own teacher call (a schema's enum of the labels)."""
        sem = asyncio.Semaphore(self.label_concurrency)

        async def one(i: int, text: str) -> LabelResult:
            async with sem:
                if self.exhausted():
                    return LabelResult(None, reason="teacher budget spent")
                return await self.label_one(text, seed + i)

        return list(await asyncio.gather(*(one(i, t) for i, t in enumerate(texts))))

    async def label_one(self, text: str, seed: int) -> LabelResult:
        messages = prompts.label_prompt(self.info, text)
        ner = self.info.task == "ner"
        # Greedy: a label is a judgement, not a creative choice.
        r = await self._call("label", messages, NER_LABEL_TOKENS if ner else LABEL_TOKENS,
                             temperature=0.0, seed=seed, schema=prompts.label_schema(self.info))
        if r is None:
            return LabelResult(None, reason="teacher budget spent")
        if not r.ok:
            return LabelResult(None, reason=f"labelling failed: {r.error}")
        return labels_from_answer(self.info, text, r.text)


def cut_repetition(text: str, max_repeats: int = 2) -> str:
    """Cut a text where a word or short phrase starts repeating itself over and over."""
    words = text.split()
    for size in (1, 2, 3, 4):
        for i in range(len(words) - size * (max_repeats + 1) + 1):
            chunk = [w.lower() for w in words[i:i + size]]
            if all([w.lower() for w in words[i + k * size:i + (k + 1) * size]] == chunk
                   for k in range(1, max_repeats + 1)):
                return " ".join(words[:i + size]).rstrip(",;:") + " ..."
    return text


def labels_from_answer(info: TaskInfo, text: str, answer: str) -> LabelResult:
    if info.task == "ner":
        entities = parsers.parse_entities_answer(answer, info.labels)
        if entities is None:
            return LabelResult(None, reason="unparseable entities")
        tags = entity_tags(text, entities)
        if tags is None:
            return LabelResult(None, reason="an entity the teacher named is not in the text")
        return LabelResult("ner", tags=tags)
    label = parsers.parse_label(answer, info.labels)
    if label is None:
        return LabelResult(None, reason="unparseable label")
    return LabelResult(label)


def entity_tags(text: str, entities: Sequence[tuple[str, str]]) -> list[str] | None:
    """BIO tags of a generated sentence; no entities at all is a valid answer (all O)."""
    return parsers.spans_to_bio(parsers.tokenize(text), list(entities))
