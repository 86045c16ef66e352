"""A local OpenAI-compatible HTTP server for tests, and its ``openai_server`` fixture.

It is a ``ThreadingHTTPServer`` on 127.0.0.1 (random port) in a background thread: the real
``openai`` SDK (``base_url=server.url + "/v1"``) and a subprocess (``OPENAI_BASE_URL``) both reach
it over loopback. Tests push :class:`~tests.support.openai_script.Reply` objects with
:meth:`OpenAIServer.script`; each ``POST /v1/chat/completions`` is validated as the real API does
(400 with an OpenAI-style body otherwise), recorded, and answered with the next reply, streamed as
SSE over chunked encoding or as one completion. With nothing scripted it answers 400 and the
fixture fails the test at teardown, as it does for any rejected request unless allowed. One server
serves a whole session (per xdist worker) and is reset before each test.
"""

from __future__ import annotations

import json
import queue
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support.openai_script import Chunk, Pause, Reply
from tests.support.openai_validate import validate

COMPLETIONS = "/v1/chat/completions"


@dataclass
class Recorded:
    """One request as the server received it, and the status it answered."""

    body: Any
    headers: dict[str, str]
    status: int = 200
    error: str | None = None
    # Set when the client closed the connection during a Pause of its streamed reply.
    disconnected: threading.Event = field(default_factory=threading.Event)


class OpenAIServer:
    """The scripted server: ``url``, ``script()``, ``requests`` and fault bookkeeping."""

    def __init__(self) -> None:
        self._replies: queue.SimpleQueue[Reply] = queue.SimpleQueue()
        self.requests: list[Recorded] = []
        self.allow_rejections = False
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()  # waits up to one poll interval
        self._httpd.server_close()

    def reset(self) -> None:
        """Forget the script, the recorded requests and the permission to be rejected."""
        with self._lock:
            self._replies = queue.SimpleQueue()
            self.requests = []
            self.allow_rejections = False

    def script(self, *replies: Reply) -> None:
        """Queue replies, answered in order, one per request."""
        for reply in replies:
            self._replies.put(reply)

    @property
    def base_url(self) -> str:
        """What the openai SDK wants: the URL with ``/v1``."""
        return self.url + "/v1"

    @property
    def bodies(self) -> list[Any]:
        """The JSON body of every request, in order."""
        return [r.body for r in self.requests]

    def unused(self) -> int:
        """Replies scripted but never requested."""
        return self._replies.qsize()

    def rejected(self) -> list[Recorded]:
        """Requests answered with 400 because they were invalid or unscripted."""
        return [r for r in self.requests if r.error is not None]

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def _next(self) -> Reply | None:
        try:
            return self._replies.get_nowait()
        except queue.Empty:
            return None


def _handler_for(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        owner = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection releases its thread
    # Each SSE chunk is its own small write: with Nagle's algorithm on, the client's delayed ACK
    # holds every reply ~40 ms, which is the server's doing, not the client's.
    disable_nagle_algorithm = True
    owner: OpenAIServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: pytest shows failures
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.rstrip("/") != COMPLETIONS:
            self._send_error(
                404,
                {
                    "message": f"Unknown path {self.path}",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "unknown_url",
                },
            )
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        problem = validate(body)
        recorded = Recorded(body, headers)
        self.owner._record(recorded)
        if problem is not None:
            message, param, code = problem
            recorded.status, recorded.error = 400, message
            self._send_error(
                400,
                {"message": message, "type": "invalid_request_error", "param": param, "code": code},
            )
            return
        reply = self.owner._next()
        if reply is None:
            message = "openai test server: no scripted reply left for this request — script more"
            recorded.status, recorded.error = 400, message
            self._send_error(
                400,
                {
                    "message": message,
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "unscripted",
                },
            )
            return
        recorded.status = reply.status
        self._answer(body, reply, recorded)

    def _answer(self, body: dict[str, Any], reply: Reply, recorded: Recorded) -> None:
        try:
            self._send_reply(body, reply, recorded)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (timed out, cancelled)
            recorded.disconnected.set()

    def _send_reply(self, body: dict[str, Any], reply: Reply, recorded: Recorded) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        if reply.error is not None:
            self._send_error(reply.status, reply.error, reply.headers)
        elif body.get("stream"):
            self._stream(body, reply, recorded)
        else:
            self._send_json(200, _completion(body, reply))

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(
        self, status: int, error: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._send_json(status, {"error": error}, headers)

    def _stream(self, body: dict[str, Any], reply: Reply, recorded: Recorded) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        sent = 0
        for item in reply.chunks:
            if isinstance(item, Pause):
                if self._client_left(item.seconds):
                    recorded.disconnected.set()
                    self.close_connection = True
                    return
                continue
            if reply.cut_after is not None and sent >= reply.cut_after:
                self._cut()
                return
            if reply.malformed_at == sent:
                self._write(b'data: {"choices": [ this is not json\n\n')
            self._write(b"data: " + json.dumps(_full_chunk(body, item)).encode() + b"\n\n")
            sent += 1
        if reply.cut_after is not None:
            self._cut()
            return
        self._write(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _client_left(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True as soon as the client closes the connection."""
        readable, _, _ = select.select([self.connection], [], [], seconds)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _write(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _cut(self) -> None:
        # No terminating chunk: the client sees an incomplete body, as when a proxy drops it.
        self.wfile.flush()
        self.close_connection = True


def _full_chunk(body: dict[str, Any], chunk: Chunk) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": body.get("model", ""),
        **chunk,
    }


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """The non-stream answer: the scripted deltas merged into one message."""
    content: str | None = None
    calls: dict[int, dict[str, Any]] = {}
    finish, usage = None, None
    for item in reply.chunks:
        if isinstance(item, Pause):
            continue
        usage = item.get("usage") or usage
        for choice in item.get("choices", []):
            delta = choice.get("delta", {})
            if delta.get("content"):
                content = (content or "") + delta["content"]
            for frag in delta.get("tool_calls") or []:
                call = calls.setdefault(
                    frag["index"],
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                call["id"] = frag.get("id") or call["id"]
                fn = frag.get("function") or {}
                call["function"]["name"] = fn.get("name") or call["function"]["name"]
                call["function"]["arguments"] += fn.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    result = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model", ""),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }
    if usage:
        result["usage"] = usage
    return result


@pytest.fixture(scope="session")
def openai_server_session() -> Iterator[OpenAIServer]:
    """One server per test session (per xdist worker); ``openai_server`` resets it per test."""
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def openai_server(openai_server_session: OpenAIServer) -> Iterator[OpenAIServer]:
    """The scripted server, reset; fails the test if it rejected a request or was under-scripted."""
    server = openai_server_session
    server.reset()
    yield server
    rejected = server.rejected()
    if rejected and not server.allow_rejections:
        pytest.fail(f"openai test server rejected a request: {rejected[0].error}")
    if server.unused() and not server.allow_rejections:
        pytest.fail(f"{server.unused()} scripted replies were never requested")
