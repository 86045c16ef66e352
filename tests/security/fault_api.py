"""A small events API on loopback (uvicorn in a thread) that fails the way servers do.

``mode`` picks the behaviour of ``/v1/events/search`` and ``/v1/events/links``: ``ok`` (one
event), ``status-NNN`` (an error status with a JSON ``detail``), ``not-json`` (an HTML page),
``wrong-shape`` (JSON of another shape), ``hostile-error`` (a 400 whose detail holds escapes),
``slow`` (answers after ``delay`` seconds), ``huge`` (events with 100 KB names, ~5 MB in all)
and ``many`` (1,000 events in one page). Every request's headers are kept so a test can check
what the API was sent.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response


def _event(i: int, name: str | None = None) -> dict[str, Any]:
    return {
        "id": f"fault-{i}",
        "name": name or f"Fault conf {i}",
        "start": "2026-06-01",
        "locality": "Berlin",
        "country": "Germany",
        "country_code": "DE",
        "tags": ["python"],
    }


class FaultAPI:
    """The app, its mode and what it received."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 2.0
        self.headers: list[dict[str, str]] = []
        self.app = FastAPI()
        self.app.add_api_route("/v1/events/search", self._search)
        self.app.add_api_route("/v1/events/links", self._links)
        self.app.add_api_route("/healthz", self._health)

    async def _health(self) -> dict[str, str]:
        return {"status": "ok"}

    async def _fault(self, request: Request) -> Response | None:
        self.headers.append(dict(request.headers))
        if self.mode == "hostile-error":
            detail = "bad \x1b]52;c;cm0gLXJmIH4K\x07\x1b[2J\x1b]0;pwned\x07 request"
            return JSONResponse({"detail": detail}, status_code=400)
        if self.mode.startswith("status-"):
            status = int(self.mode.removeprefix("status-"))
            return JSONResponse({"detail": f"injected failure {status}"}, status_code=status)
        if self.mode == "not-json":
            return HTMLResponse("<html><body>502 Bad Gateway</body></html>")
        if self.mode == "wrong-shape":
            return JSONResponse({"items": [1, 2, 3], "next": None})
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        return None

    async def _search(self, request: Request) -> Response:
        fault = await self._fault(request)
        if fault is not None:
            return fault
        if self.mode == "huge":
            events = [_event(i, f"Huge {i} " + "x" * 100_000) for i in range(50)]
        elif self.mode == "many":
            events = [_event(i) for i in range(1000)]
        else:
            events = [_event(1)]
        body = {"total": len(events), "count": len(events), "offset": 0, "events": events}
        return JSONResponse(body)

    async def _links(self, request: Request) -> Response:
        fault = await self._fault(request)
        if fault is not None:
            return fault
        ids = request.query_params.get("ids", "").split(",")
        links = [{"id": i, "url": f"https://fault.example/{i}"} for i in ids if i]
        return JSONResponse({"links": links})


def free_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` on a loopback port in a thread; yields its base URL, then stops it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the fault API did not start")
        threading.Event().wait(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
