"""A small OpenAI-compatible chat server on 127.0.0.1 that can misbehave on purpose.

Used by the tests and benchmarks to exercise the gateway against real HTTP: streaming,
429s, 5xx, slow streams, stalls and dropped connections. Written on raw asyncio streams so
a fault can be injected at any byte. Only loopback addresses are accepted.

Run it by hand: ``python -m workbench.devtools.openai_server --port 8999 --latency 0.2``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import ipaddress
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Behavior:
    """How the server answers one request."""

    status: int = 200
    text: str | None = None  # None: echo the last user message
    latency_s: float = 0.0  # before the response head
    chunk_delay_s: float = 0.0  # between streamed chunks
    stall_after: int | None = None  # send this many chunks, then go silent
    drop_after: int | None = None  # send this many chunks, then close the socket
    # Close the connection without a byte of response, as a server closing an idle
    # keep-alive connection looks to a client that has just sent on it.
    hang_up: bool = False
    retry_after: float | None = None
    usage: bool = True


@dataclass
class RequestLog:
    model: str
    messages: list[dict]
    stream: bool
    at: float
    body: dict[str, Any] = field(default_factory=dict)

# The reading side of the connection being served: a stalled stream watches it for the
# client hanging up (kept out of the _route signature, which test servers override).
_connection_reader: contextvars.ContextVar[asyncio.StreamReader] = contextvars.ContextVar("reader")


class FakeOpenAIServer:
    """``async with FakeOpenAIServer() as srv: srv.url ...`` or ``srv.start_in_thread()``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, default: Behavior | None = None):
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the fault-injection server only binds loopback addresses")
        self.host = host
        self.port = port
        self.default = default or Behavior()
        self.plan: deque[Behavior] = deque()
        self.requests: list[RequestLog] = []
        self._server: asyncio.AbstractServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._handlers: set[asyncio.Task] = set()
        self.hangups = 0  # stalled streams the client closed (it gave up, as it should)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def script(self, *behaviors: Behavior) -> None:
        """Answer the next requests with these behaviours, then fall back to the default."""
        self.plan.extend(behaviors)

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> "FakeOpenAIServer":
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def start_in_thread(self) -> "FakeOpenAIServer":
        """Serve from a background thread (for tests whose client runs its own loop)."""

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.start())
            self._ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-openai", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop_thread(self) -> None:
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self.stop(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    # -- HTTP -------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _connection_reader.set(reader)  # each connection is its own task, so its own context
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, v in
                           (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                keep_open = await self._route(method, path, body, writer)
                if not keep_open:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:
            # Server shutdown while a stalled stream sleeps: nothing left to answer.
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def _route(self, method: str, path: str, body: bytes, writer: asyncio.StreamWriter) -> bool:
        if method == "GET" and path.rstrip("/").endswith("/models"):
            await _send_json(writer, 200, {"object": "list", "data": [{"id": "echo", "object": "model"}]})
            return True
        if method != "POST" or not path.rstrip("/").endswith("/chat/completions"):
            await _send_json(writer, 404, {"error": {"message": f"no route {method} {path}"}})
            return True
        try:
            req = json.loads(body or b"{}")
        except json.JSONDecodeError:
            await _send_json(writer, 400, {"error": {"message": "body is not JSON"}})
            return True
        behavior = self.plan.popleft() if self.plan else self.default
        self.requests.append(RequestLog(model=req.get("model", ""), messages=req.get("messages", []),
                                        stream=bool(req.get("stream")), at=time.time(), body=req))
        if behavior.latency_s:
            await asyncio.sleep(behavior.latency_s)
        if behavior.hang_up:
            writer.transport.abort()
            return False
        if behavior.status != 200:
            extra = {"retry-after": str(behavior.retry_after)} if behavior.retry_after is not None else {}
            await _send_json(writer, behavior.status,
                             {"error": {"message": f"injected {behavior.status}", "type": "injected"}},
                             extra)
            return True
        text = behavior.text if behavior.text is not None else _echo(req.get("messages", []))
        max_tokens = req.get("max_tokens") or req.get("max_completion_tokens")
        pieces = _split_tokens(text)
        if max_tokens:
            pieces = pieces[: int(max_tokens)]
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in req.get("messages", []))
        if not req.get("stream"):
            await _send_json(writer, 200, _completion(req, "".join(pieces), prompt_tokens, len(pieces)))
            return True
        return await self._stream(writer, req, pieces, prompt_tokens, behavior)

    async def _stream(self, writer: asyncio.StreamWriter, req: dict, pieces: list[str],
                      prompt_tokens: int, b: Behavior) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
        cid = f"chatcmpl-{int(time.time() * 1000)}"
        model = req.get("model", "echo")

        async def event(payload: dict | str) -> None:
            data = payload if isinstance(payload, str) else json.dumps(payload)
            raw = f"data: {data}\n\n".encode()
            writer.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
            await writer.drain()

        for i, piece in enumerate(pieces):
            if b.drop_after is not None and i >= b.drop_after:
                writer.transport.abort()  # a dropped connection, mid-stream
                return False
            if b.stall_after is not None and i >= b.stall_after:
                await self._silent_until_hangup(_connection_reader.get())
                return False
            await event({"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                         "model": model, "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece},
                                                      "finish_reason": None}]})
            if b.chunk_delay_s:
                await asyncio.sleep(b.chunk_delay_s)
        await event({"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if b.usage and (req.get("stream_options") or {}).get("include_usage"):
            await event({"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                         "model": model, "choices": [],
                         "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                                   "total_tokens": prompt_tokens + len(pieces)}})
        await event("[DONE]")
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async def _silent_until_hangup(self, reader: asyncio.StreamReader) -> None:
        """Send nothing more; return when the client closes the connection (or after an hour)."""
        try:
            async with asyncio.timeout(3600):
                while await reader.read(65536):
                    pass
        except TimeoutError:
            return
        except ConnectionError:  # closed with a reset: still a hang-up
            pass
        self.hangups += 1


def _echo(messages: list[dict]) -> str:
    last = next((m for m in reversed(messages) if m.get("role") == "user"), {"content": ""})
    content = last.get("content", "")
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return f"Echo: {content}"


def _split_tokens(text: str) -> list[str]:
    # Word-sized pieces, each keeping its leading space, stand in for tokens.
    out: list[str] = []
    for i, word in enumerate(text.split(" ")):
        out.append(word if i == 0 else " " + word)
    return [p for p in out if p]


def _completion(req: dict, text: str, prompt_tokens: int, completion_tokens: int) -> dict:
    return {
        "id": f"chatcmpl-{int(time.time() * 1000)}", "object": "chat.completion",
        "created": int(time.time()), "model": req.get("model", "echo"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


async def _send_json(writer: asyncio.StreamWriter, status: int, payload: dict,
                     extra_headers: dict[str, str] | None = None) -> None:
    body = json.dumps(payload).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 422: "Unprocessable Entity", 429: "Too Many Requests",
              500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}.get(status, "Error")
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    for k, v in (extra_headers or {}).items():
        head += f"{k}: {v}\r\n"
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each response")
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--text", default=None, help="fixed answer (default: echo the prompt)")
    args = parser.parse_args()
    server = FakeOpenAIServer(port=args.port, default=Behavior(latency_s=args.latency,
                                                               chunk_delay_s=args.chunk_delay,
                                                               text=args.text))

    async def serve() -> None:
        await server.start()
        print(f"serving {server.url}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
