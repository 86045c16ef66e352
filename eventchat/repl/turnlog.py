"""What a turn did, recorded as its stream events pass to the renderer: for ``/tools``, ``/usage``,
``/save``, ``/ics``, ``--ics`` and the REST trace of ``--verbose``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from eventchat.chat.stream import (
    StreamEvent,
    TextDelta,
    ToolCallStarted,
    ToolResult,
    TurnDone,
    TurnError,
    Usage,
)
from eventchat.render.sanitize import sanitize_line

if TYPE_CHECKING:
    import httpx2

    from eventchat.render import Renderer


@dataclass
class ToolCallRecord:
    """One tool call of a turn and how it went."""

    name: str
    arguments: dict[str, Any]
    outcome: str = "running"
    seconds: float | None = None


@dataclass
class RequestRecord:
    """One REST request the events client made, with its status and time to response headers."""

    method: str
    url: str
    status: int | None = None
    seconds: float = 0.0

    def line(self) -> str:
        """``GET http://…/v1/events/search?q=… → 200 · 12 ms``."""
        status = "no response" if self.status is None else str(self.status)
        url = sanitize_line(self.url)
        return f"{self.method} {url} → {status} · {self.seconds * 1000:.0f} ms"


@dataclass
class TurnRecord:
    """One turn: the question, the answer as kept, its tool calls, requests and usage."""

    question: str
    text: list[str] = field(default_factory=list)
    answer: str | None = None
    calls: dict[str, ToolCallRecord] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    interrupted: bool = False

    @property
    def answer_text(self) -> str:
        """The whole answer, or what arrived of it before an error or Ctrl-C."""
        return self.answer if self.answer is not None else "".join(self.text)

    def record(self, event: StreamEvent) -> None:
        """Take one stream event."""
        if isinstance(event, TextDelta):
            self.text.append(event.text)
        elif isinstance(event, ToolCallStarted):
            # Text before a tool round is not part of the final answer.
            self.text.clear()
            self.calls[event.call_id] = ToolCallRecord(event.name, dict(event.arguments))
        elif isinstance(event, ToolResult):
            self._tool_result(event)
        elif isinstance(event, TurnDone):
            self.answer = event.answer
            self.usage = event.usage
        elif isinstance(event, TurnError):
            self.error = str(event.error)
            self.answer = event.partial or None

    def _tool_result(self, event: ToolResult) -> None:
        call = self.calls.setdefault(event.call_id, ToolCallRecord(event.name, {}))
        call.seconds = event.duration
        if event.error:
            call.outcome = "error: " + sanitize_line(event.content).removeprefix("Error: ")[:160]
        else:
            call.outcome = f"{len(event.events)} events"
        self.events.extend(event.events)


class Recorder:
    """A renderer that records each stream event into a TurnRecord, then passes it on."""

    def __init__(self, inner: Renderer, turn: TurnRecord, *, trace: TextIO | None = None) -> None:
        self.inner = inner
        self.turn = turn
        self.trace = trace  # --verbose: REST requests are written here after each tool result
        self._traced = 0

    def handle(self, event: StreamEvent) -> None:
        """Record, render, and trace the REST requests made so far."""
        self.turn.record(event)
        self.inner.handle(event)
        if isinstance(event, ToolResult):
            self.flush_trace()

    def close(self) -> None:
        """Close the inner renderer."""
        self.inner.close()
        self.flush_trace()

    def flush_trace(self) -> None:
        """Write the requests not yet traced, one line each."""
        if self.trace is None:
            return
        for request in self.turn.requests[self._traced :]:
            self.trace.write(f"  · {request.line()}\n")
        self._traced = len(self.turn.requests)
        self.trace.flush()


class RequestLog:
    """httpx2 event hooks that record every request of the events client into the current turn."""

    def __init__(self) -> None:
        self.turn: TurnRecord | None = None

    def install(self, client: httpx2.AsyncClient) -> None:
        """Add the hooks to ``client``."""
        client.event_hooks["request"].append(self._on_request)
        client.event_hooks["response"].append(self._on_response)

    async def _on_request(self, request: httpx2.Request) -> None:
        request.extensions["eventchat_started"] = time.perf_counter()
        if self.turn is not None:
            record = RequestRecord(request.method, str(request.url))
            request.extensions["eventchat_record"] = record
            self.turn.requests.append(record)

    async def _on_response(self, response: httpx2.Response) -> None:
        record = response.request.extensions.get("eventchat_record")
        if isinstance(record, RequestRecord):
            record.status = response.status_code
            started = response.request.extensions.get("eventchat_started", time.perf_counter())
            record.seconds = time.perf_counter() - started


def events_http_client(events: object) -> httpx2.AsyncClient | None:
    """The HTTP client inside an events client, to hook, or None when it has none we know."""
    import httpx2

    http = getattr(events, "http", None)  # RestEventsClient and V0EventsClient expose it
    return http if isinstance(http, httpx2.AsyncClient) else None
