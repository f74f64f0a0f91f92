"""The in-process generator for a Hugging Face folder: one thread per loaded model takes the
requests waiting at the same time and generates them together as one batch (left-padded, one
``generate`` call), streaming each row's tokens to its caller as they are produced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .loading import _load, pick_device
from .paths import LocalModelError

log = logging.getLogger(__name__)

MAX_BATCH = 8
# Short pause after the first request arrives so that requests sent together share a batch.
BATCH_WINDOW_S = 0.01


@dataclass
class GenRequest:
    """One waiting generation; tokens flow back through ``on_text`` / ``on_done``."""

    prompt_ids: list[int]
    max_new_tokens: int
    temperature: float
    top_p: float
    on_text: Callable[[str], None]
    on_done: Callable[[dict[str, Any]], None]
    cancelled: threading.Event = field(default_factory=threading.Event)
    seed: int | None = None

    @property
    def sampling_key(self) -> tuple:
        # Requests can share a batch only when they sample the same way.
        if self.temperature <= 0:
            return ("greedy",)
        return ("sample", round(self.temperature, 4), round(self.top_p, 4), self.seed)


class LoadedModel:
    """A loaded causal LM with a generation thread that batches waiting requests."""

    def __init__(self, name: str, path: Path, device: str | None = None):
        self.name = name
        self.path = path
        self.device = device or pick_device()
        self.model, self.tokenizer, self.kind = _load(path, self.device)
        self._pending: deque[GenRequest] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._current: list[GenRequest] = []
        self._thread = threading.Thread(target=self._serve, name=f"local-gen:{name}", daemon=True)
        self._thread.start()
        self.batches_run = 0
        self.largest_batch = 0

    # -- prompt ---------------------------------------------------------------------------
    def encode_messages(self, messages: list[dict]) -> list[int]:
        msgs = [{"role": m.get("role", "user"), "content": _content_text(m.get("content"))}
                for m in messages]
        if self.kind != "causal":
            text = next((m["content"] for m in reversed(msgs) if m["role"] == "user"), "")
            return self.tokenizer(text, truncation=True)["input_ids"]
        if getattr(self.tokenizer, "chat_template", None):
            ids = self.tokenizer.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True)
            if hasattr(ids, "keys"):
                ids = ids["input_ids"]
            return list(ids)
        # Base models without a chat template get a plain transcript to continue.
        text = "".join(f"{m['role']}: {m['content']}\n" for m in msgs) + "assistant:"
        return self.tokenizer(text)["input_ids"]

    # -- requests -------------------------------------------------------------------------
    def submit(self, request: GenRequest) -> None:
        with self._cond:
            self._pending.append(request)
            self._cond.notify()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop generating and let the thread leave torch before the interpreter exits."""
        with self._cond:
            self._closing = True
            for r in [*self._pending, *self._current]:
                r.cancelled.set()
            self._cond.notify_all()
        self._thread.join(timeout)

    def _take_batch(self) -> list[GenRequest]:
        with self._cond:
            while not self._pending and not self._closing:
                self._cond.wait()
            if self._closing:
                return []
        time.sleep(BATCH_WINDOW_S)
        with self._cond:
            if not self._pending:
                return []
            first = self._pending.popleft()
            batch = [first]
            keep: deque[GenRequest] = deque()
            while self._pending:
                req = self._pending.popleft()
                if len(batch) < MAX_BATCH and req.sampling_key == first.sampling_key:
                    batch.append(req)
                else:
                    keep.append(req)
            self._pending = keep
        return batch

    def _serve(self) -> None:
        while not self._closing:
            batch = self._take_batch()
            batch = [r for r in batch if not r.cancelled.is_set() or _finish_cancelled(r)]
            if not batch:
                continue
            with self._cond:
                self._current = batch
            self.batches_run += 1
            self.largest_batch = max(self.largest_batch, len(batch))
            try:
                if self.kind == "causal":
                    self._generate(batch)
                else:
                    self._classify(batch)
            except Exception as exc:  # a failed batch must not kill the thread serving others
                log.exception("local generation failed")
                for r in batch:
                    r.on_done({"error": f"local model {self.name} failed: {exc}"})
            finally:
                with self._cond:
                    self._current = []

    def _generate(self, batch: list[GenRequest]) -> None:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        tok = self.tokenizer
        eos_ids = _eos_ids(self.model, tok)
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else eos_ids[0]
        width = max(len(r.prompt_ids) for r in batch)
        # Left padding keeps every row's last prompt token in the same column.
        input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        attention = torch.zeros((len(batch), width), dtype=torch.long)
        for i, r in enumerate(batch):
            input_ids[i, width - len(r.prompt_ids):] = torch.tensor(r.prompt_ids)
            attention[i, width - len(r.prompt_ids):] = 1
        rows = [_RowState(r, tok, eos_ids) for r in batch]

        class RowStop(StoppingCriteria):
            def __call__(self, ids, scores, **kwargs):
                return torch.tensor([row.done or row.request.cancelled.is_set() for row in rows],
                                    dtype=torch.bool, device=ids.device)

        streamer = _BatchStreamer(rows)
        first = batch[0]
        gen_kwargs: dict[str, Any] = dict(
            input_ids=input_ids.to(self.device), attention_mask=attention.to(self.device),
            max_new_tokens=max(r.max_new_tokens for r in batch), streamer=streamer,
            stopping_criteria=StoppingCriteriaList([RowStop()]), pad_token_id=pad_id,
            eos_token_id=eos_ids,
        )
        if first.temperature > 0:
            if first.seed is not None:
                torch.manual_seed(first.seed)
            gen_kwargs.update(do_sample=True, temperature=first.temperature, top_p=first.top_p)
        else:
            gen_kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with torch.inference_mode():
            self.model.generate(**gen_kwargs)
        for row in rows:
            row.finish("length" if not row.done else row.finish_reason)

    def _classify(self, batch: list[GenRequest]) -> None:
        """Serve a trained student (classifier) as a model that answers with its label."""
        import torch

        labels = self.model.config.id2label
        for r in batch:
            ids = torch.tensor([r.prompt_ids], device=self.device)
            with torch.inference_mode():
                logits = self.model(input_ids=ids).logits
            if self.kind == "token":
                toks = self.tokenizer.convert_ids_to_tokens(r.prompt_ids)
                pred = logits[0].argmax(-1).tolist()
                text = " ".join(f"{t}/{labels[p]}" for t, p in zip(toks, pred)
                                if t not in self.tokenizer.all_special_tokens)
            else:
                text = str(labels[int(logits[0].argmax(-1))])
            r.on_text(text)
            r.on_done({"prompt_tokens": len(r.prompt_ids), "completion_tokens": 1, "finish_reason": "stop"})


class _RowState:
    def __init__(self, request: GenRequest, tokenizer: Any, eos_ids: list[int]):
        self.request = request
        self.tokenizer = tokenizer
        self.eos_ids = set(eos_ids)
        self.tokens: list[int] = []
        self.sent = ""
        self.done = False
        self.finish_reason = "stop"
        self.reported = False

    def add(self, token: int) -> None:
        if self.done:
            return
        if self.request.cancelled.is_set():
            self.done, self.finish_reason = True, "cancelled"
            return
        if token in self.eos_ids:
            self.done, self.finish_reason = True, "stop"
            return
        self.tokens.append(token)
        text = self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        # A trailing U+FFFD is half of a multi-byte character: wait for the rest.
        if len(text) > len(self.sent) and not text.endswith("\ufffd"):
            self.request.on_text(text[len(self.sent):])
            self.sent = text
        if len(self.tokens) >= self.request.max_new_tokens:
            self.done, self.finish_reason = True, "length"

    def finish(self, reason: str) -> None:
        if self.reported:
            return
        self.reported = True
        text = self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        if len(text) > len(self.sent):
            self.request.on_text(text[len(self.sent):])
        self.request.on_done({
            "prompt_tokens": len(self.request.prompt_ids),
            "completion_tokens": len(self.tokens),
            "finish_reason": "cancelled" if self.request.cancelled.is_set() else reason,
        })


class _BatchStreamer:
    """Receives each step's tokens for the whole batch from ``generate`` and routes them by row."""

    def __init__(self, rows: list[_RowState]):
        self.rows = rows
        self.prompt_seen = False

    def put(self, value: Any) -> None:
        if not self.prompt_seen:
            self.prompt_seen = True  # the first call carries the prompt ids
            return
        for row, token in zip(self.rows, value.view(-1).tolist()):
            row.add(int(token))
            if row.done:
                row.finish(row.finish_reason)

    def end(self) -> None:
        pass


def _finish_cancelled(r: GenRequest) -> bool:
    r.on_done({"prompt_tokens": len(r.prompt_ids), "completion_tokens": 0, "finish_reason": "cancelled"})
    return False


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    ids: list[int] = []
    cfg = getattr(model, "generation_config", None)
    eos = getattr(cfg, "eos_token_id", None)
    if isinstance(eos, int):
        ids.append(eos)
    elif isinstance(eos, (list, tuple)):
        ids.extend(int(e) for e in eos)
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    if not ids:
        raise LocalModelError("the local model has no end-of-sequence token")
    return ids


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return "" if content is None else str(content)
