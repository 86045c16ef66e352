"""Fault injection in front of a real ASGI app, and a loopback server to run it on.

:class:`FaultyApp` wraps an app (the real events API in these tests): each request takes the next
scripted :class:`Fault` (a status with headers and body, a body of the wrong kind, a delay) and
once the script is used up passes requests to the app unchanged. ``serve_on_loopback`` runs any
ASGI app under uvicorn on 127.0.0.1 in a thread, for what only a real socket shows (timeouts).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Fault:
    """One scripted answer; ``status=None`` with a ``delay`` waits, then lets the app answer."""

    status: int | None = 503
    body: bytes = b'{"detail": "scripted fault"}'
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0


class FaultyApp:
    """An ASGI app that answers with scripted faults first, then as ``app`` does."""

    def __init__(self, app: ASGIApp, *faults: Fault) -> None:
        self.app = app
        self.faults = list(faults)
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.paths.append(scope["path"])
        fault = self.faults.pop(0) if self.faults else None
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is None or fault.status is None:
            await self.app(scope, receive, send)
            return
        headers = [(b"content-type", fault.content_type.encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in fault.headers.items()]
        await send({"type": "http.response.start", "status": fault.status, "headers": headers})
        await send({"type": "http.response.body", "body": fault.body})


@contextmanager
def serve_on_loopback(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` on a free 127.0.0.1 port in a thread; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="error", lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            threading.Event().wait(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def closed_port() -> int:
    """A port that was free a moment ago: nothing listens there, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
