"""GGUF models on llama.cpp's own server: one ``llama-server`` child process per model.

llama-server is llama.cpp's OpenAI-compatible server (C++, built from the llama-cpp-python
sdist's ``vendor/llama.cpp`` by ``make install``). It gives what an in-process
``llama_cpp.Llama`` cannot: parallel slots with continuous batching (several requests share
each forward pass) and ``response_format`` JSON schemas compiled to grammars. The workbench
starts it on first use, bound to 127.0.0.1 on a free port, and talks to it like any other
OpenAI-compatible server; it never outlives the workbench (PR_SET_PDEATHSIG, atexit).

Standard library only (plus psutil for free memory); nothing here runs at start-up.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from workbench.models.gguf_info import GGUFError, GGUFInfo, read_gguf_info

BINARY_ENV = "WORKBENCH_LLAMA_SERVER"
THREADS_ENV = "WORKBENCH_LLAMA_THREADS"
# Parallel slots per model: requests beyond this wait in the server's queue.
PARALLEL_SLOTS = 8
# Context of each slot (one request's prompt + answer), capped by what the model was trained on.
# Each slot has its own KV cache: with one cache shared by all slots (--kv-unified) every token's
# attention runs over every slot's cells, and 8 concurrent answers came out 1.42x one after another
# instead of 1.76x (benchmarks/bench_local_engine.py, 2 cores). The price is memory: the cache is
# allocated for context x slots up front (SmolLM2-135M: 850 MiB at 4096 x 8, 1.6 GiB at 8192 x 8).
MAX_CONTEXT = 4096
CONTEXT_ENV = "WORKBENCH_LLAMA_CONTEXT"
START_TIMEOUT_S = 300.0
# Memory beyond weights and KV cache: compute buffers, the server itself.
OVERHEAD_BYTES = 300 << 20


class EngineError(Exception):
    """The engine cannot run a model; the message is one line saying what to do."""


def find_binary() -> Path | None:
    """``$WORKBENCH_LLAMA_SERVER``, else the one ``make install`` puts beside this Python,
    else ``llama-server`` on PATH."""
    env = os.environ.get(BINARY_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    beside = Path(sys.prefix) / "bin" / "llama-server"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("llama-server")
    return Path(found) if found else None


def default_threads() -> int:
    """All the cores this process may use (llama.cpp's generation is compute-bound), unless
    $WORKBENCH_LLAMA_THREADS says otherwise: on a machine crowded by other work, ggml's
    threads wait on each other at every step and one thread can be faster than two."""
    env = os.environ.get(THREADS_ENV, "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@functools.cache
def has_nvidia_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None and subprocess.run(
        ["nvidia-smi", "-L"], capture_output=True).returncode == 0


@dataclass(frozen=True)
class EngineSettings:
    """How a model is served; also what `workbench models` reports as its engine."""

    threads: int
    parallel: int
    context: int  # per slot: the longest prompt + answer one request may have
    gpu_layers: str  # "all" on a CUDA build with a GPU, else "0"

    @classmethod
    def for_model(cls, info: GGUFInfo, parallel: int = PARALLEL_SLOTS) -> "EngineSettings":
        trained = info.context_length or MAX_CONTEXT
        return cls(threads=default_threads(), parallel=parallel,
                   context=min(trained, slot_context()),
                   gpu_layers="all" if has_nvidia_gpu() else "0")

    @property
    def kv_cells(self) -> int:
        """Tokens the KV cache holds: every slot's context (llama-server's --ctx-size)."""
        return self.context * self.parallel


def slot_context() -> int:
    """$WORKBENCH_LLAMA_CONTEXT when set to a positive number, else MAX_CONTEXT."""
    env = os.environ.get(CONTEXT_ENV, "").strip()
    return int(env) if env.isdigit() and int(env) > 0 else MAX_CONTEXT


def memory_needed(info: GGUFInfo, settings: EngineSettings) -> int:
    """Bytes a model takes once loaded: its weights, its KV cache, some overhead."""
    return info.size_bytes + info.kv_bytes_per_token() * settings.kv_cells + OVERHEAD_BYTES


def check_fits(name: str, info: GGUFInfo, settings: EngineSettings, available: int) -> None:
    """EngineError when the model cannot fit in ``available`` bytes of memory."""
    needed = memory_needed(info, settings)
    if needed > available:
        raise EngineError(
            f"{name}: {info.path} needs about {needed / 2**30:.1f} GiB of memory but only "
            f"{available / 2**30:.1f} GiB is free: close other programs, or use a smaller "
            "quantisation of the model (e.g. Q4_K_M)")


def settings_that_fit(name: str, info: GGUFInfo, available: int) -> EngineSettings:
    """The engine settings for ``info`` in ``available`` bytes: fewer slots (each has its own
    KV cache) before refusing, since a model that fits with one slot still serves, its requests
    queueing. EngineError when even one slot does not fit."""
    settings = EngineSettings.for_model(info)
    if settings.gpu_layers != "0":  # on a GPU the weights and cache go to its memory instead
        return settings
    while settings.parallel > 1 and memory_needed(info, settings) > available:
        settings = EngineSettings.for_model(info, parallel=settings.parallel // 2)
    check_fits(name, info, settings, available)
    return settings


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Linux delivers PR_SET_PDEATHSIG when the *thread* that forked the child ends, so children
# are started from this one long-lived thread, never from a short-lived worker thread.
_launcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama-server-launcher")


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class LlamaServer:
    """One running llama-server for one GGUF file."""

    def __init__(self, name: str, path: Path, info: GGUFInfo, settings: EngineSettings,
                 binary: Path):
        self.name = name
        self.path = path
        self.info = info
        self.settings = settings
        self.binary = binary
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._log_dir = Path(tempfile.mkdtemp(prefix="workbench-llama-server-"))
        self.log_path = self._log_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        s = self.settings
        return [str(self.binary), "--model", str(self.path), "--host", "127.0.0.1",
                "--port", str(self.port), "--threads", str(s.threads), "--parallel", str(s.parallel),
                "--ctx-size", str(s.kv_cells), "--no-kv-unified", "--cont-batching",
                "--n-gpu-layers", s.gpu_layers, "--alias", self.name, "--no-webui", "--offline",
                "--no-warmup", "--metrics"]

    def start(self, timeout: float = START_TIMEOUT_S) -> "LlamaServer":
        for _ in range(3):  # a port taken between choosing and binding: choose again
            self.port = free_port()
            self._log_dir.mkdir(parents=True, exist_ok=True)
            log = open(self.log_path, "wb")
            try:
                self.process = _launcher.submit(
                    subprocess.Popen, self.command(), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
                    start_new_session=True).result()
            finally:
                log.close()
            _register(self)
            try:
                self._wait_ready(timeout)
                return self
            except _PortTaken:
                continue
        raise EngineError(f"{self.name}: llama-server could not bind a port on 127.0.0.1")

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll() if self.process else 1
            if code is not None:
                tail = self.log_tail()
                self.stop()
                if "bind" in tail.lower() and "address" in tail.lower():
                    raise _PortTaken()
                raise EngineError(f"{self.name}: llama.cpp could not load {self.path} "
                                  f"(exit {code}: {self.last_error_line(tail)}): check the file, "
                                  "or reinstall the model")
            if self.healthy():
                return
            if time.monotonic() > deadline:
                last = self.last_error_line(self.log_tail())
                self.stop()
                raise EngineError(f"{self.name}: llama-server did not become ready for {self.path} in "
                                  f"{timeout:.0f} s (last message: {last}): is the machine overloaded?")
            time.sleep(0.1)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def metrics(self) -> dict[str, float]:
        """llama-server's Prometheus counters (requests, tokens), by name."""
        out: dict[str, float] = {}
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as r:
                text = r.read().decode()
        except (urllib.error.URLError, OSError):
            return out
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.partition(" ")
                try:
                    out[key.removeprefix("llamacpp:")] = float(value)
                except ValueError:
                    pass
        return out

    def props(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/props", timeout=5) as r:
            return json.loads(r.read())

    def log_tail(self, n: int = 4000) -> str:
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return ""
        return data[-n:].decode("utf-8", "replace")

    @staticmethod
    def last_error_line(tail: str) -> str:
        lines = [ln.strip() for ln in tail.splitlines() if ln.strip()]
        for ln in reversed(lines):
            if any(w in ln.lower() for w in ("error", "failed", "invalid", "unable")):
                return ln[:200]
        return lines[-1][:200] if lines else "no output"

    def stop(self, timeout: float = 5.0) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        _unregister(self)
        if proc is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)


class _PortTaken(Exception):
    pass


_running: set[LlamaServer] = set()
_running_lock = threading.Lock()
_atexit_registered = False


def _register(server: LlamaServer) -> None:
    global _atexit_registered
    with _running_lock:
        _running.add(server)
        if not _atexit_registered:
            atexit.register(stop_all)
            _atexit_registered = True


def _unregister(server: LlamaServer) -> None:
    with _running_lock:
        _running.discard(server)


def stop_all() -> None:
    with _running_lock:
        servers = list(_running)
    for server in servers:
        server.stop()


def start_server(name: str, path: Path, *, available_memory: int | None = None) -> LlamaServer:
    """Check ``path`` (a GGUF file that fits in memory), then start llama-server on it."""
    try:
        info = read_gguf_info(path)
    except GGUFError as exc:
        raise EngineError(f"{name}: {exc}") from exc
    if available_memory is None:
        import psutil

        available_memory = psutil.virtual_memory().available
    settings = settings_that_fit(name, info, available_memory)
    binary = find_binary()
    if binary is None or not binary.is_file():
        raise EngineError(
            f"{name}: llama.cpp's llama-server is not installed: run `make install` (it builds "
            f"llama-server into the venv), or set {BINARY_ENV} to a llama-server binary")
    return LlamaServer(name, path, info, settings, binary).start()
