"""The json and jsonl renderers: one document at the end, or one object per stream event.

Every string is sanitised (JSON escapes whatever else could reach a terminal through ``jq -r``).
Nothing here ever sees a secret: stream events carry no settings.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, TextIO

from eventchat.chat.stream import (
    StreamEvent,
    TextDelta,
    ToolCallStarted,
    ToolResult,
    TurnDone,
    TurnError,
)
from eventchat.render.diagnostics import Diagnostics
from eventchat.render.links import GroundedLinks
from eventchat.render.mdlinks import find_links
from eventchat.render.sanitize import sanitize


def clean(value: Any) -> Any:
    """``value`` with every string in it sanitised, keys included."""
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {sanitize(str(k)): clean(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float):
        return value
    return sanitize(str(value))


def _dumps(value: Any, *, indent: int | None = None) -> str:
    return json.dumps(clean(value), ensure_ascii=False, indent=indent)


class JsonRenderer:
    """Collects the turn and writes one JSON document when closed."""

    def __init__(
        self,
        *,
        out: TextIO,
        grounded: GroundedLinks,
        diagnostics: Diagnostics,
        question: str,
        model: str,
        today: str,
    ) -> None:
        self.out = out
        self.grounded = grounded
        self.diagnostics = diagnostics
        self.doc: dict[str, Any] = {"question": question, "model": model, "today": today}
        self.text: list[str] = []
        self.answer: str | None = None
        self.events: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.closed = False

    def handle(self, event: StreamEvent) -> None:
        """Record one stream event."""
        if isinstance(event, TextDelta):
            self.text.append(event.text)
        elif isinstance(event, ToolCallStarted):
            self.diagnostics.tool_started(event)
            self.calls[event.call_id] = {"name": event.name, "arguments": event.arguments}
        elif isinstance(event, ToolResult):
            self.diagnostics.tool_finished(event)
            self._tool_result(event)
        elif isinstance(event, TurnDone):
            self.answer = event.answer
            self.doc["usage"] = asdict(event.usage)
            self.doc["finish_reason"] = event.finish_reason
            self.doc["model"] = event.model or self.doc["model"]
        elif isinstance(event, TurnError):
            self.diagnostics.turn_error(event)
            self.answer = event.partial or None
            self.doc["error"] = {
                "message": str(event.error),
                "exit_status": int(event.error.exit_status),
            }

    def _tool_result(self, event: ToolResult) -> None:
        self.grounded.add_events(event.events)
        call = self.calls.setdefault(event.call_id, {"name": event.name, "arguments": {}})
        call["duration"] = round(event.duration, 3)
        call["error"] = event.content if event.error else None
        for record in event.events:
            # The same event may come back from event_details with more fields: merge them.
            key = str(record.get("id", len(self.events)))
            self.events[key] = {**self.events.get(key, {}), **record}

    def close(self) -> None:
        """Write the document."""
        if self.closed:
            return
        self.closed = True
        self.diagnostics.stop()
        answer = self.answer if self.answer is not None else "".join(self.text)
        unverified = unverified_links(answer, self.grounded)
        doc = {
            "question": self.doc["question"],
            "answer": answer,
            "events": list(self.events.values()),
            "tool_calls": list(self.calls.values()),
            "unverified_links": unverified,
            "usage": self.doc.get("usage", {}),
            **{k: v for k, v in self.doc.items() if k not in {"question", "usage"}},
        }
        self.out.write(_dumps(doc, indent=2) + "\n")
        self.out.flush()


def unverified_links(answer: str, grounded: GroundedLinks) -> list[str]:
    """The links in ``answer`` that no tool result of the conversation carried, sorted."""
    return sorted({url for _text, url in find_links(sanitize(answer)) if url not in grounded})


def stream_record(event: StreamEvent) -> dict[str, Any]:
    """One stream event as a JSON object with a ``type``."""
    if isinstance(event, TextDelta):
        return {"type": "text", "text": event.text}
    if isinstance(event, ToolCallStarted):
        return {
            "type": "tool_call",
            "id": event.call_id,
            "name": event.name,
            "arguments": event.arguments,
        }
    if isinstance(event, ToolResult):
        return {
            "type": "tool_result",
            "id": event.call_id,
            "name": event.name,
            "error": event.content if event.error else None,
            "duration": round(event.duration, 3),
            "events": event.events,
        }
    if isinstance(event, TurnDone):
        return {
            "type": "done",
            "answer": event.answer,
            "finish_reason": event.finish_reason,
            "usage": asdict(event.usage),
            "model": event.model,
        }
    return {
        "type": "error",
        "message": str(event.error),
        "exit_status": int(event.error.exit_status),
        "partial": event.partial,
    }


class JsonLinesRenderer:
    """Writes one JSON object per stream event, flushed as it happens."""

    def __init__(self, *, out: TextIO, grounded: GroundedLinks, diagnostics: Diagnostics) -> None:
        self.out = out
        self.grounded = grounded
        self.diagnostics = diagnostics

    def handle(self, event: StreamEvent) -> None:
        """Write one stream event as a line."""
        if isinstance(event, ToolCallStarted):
            self.diagnostics.tool_started(event)
        elif isinstance(event, ToolResult):
            self.grounded.add_events(event.events)
            self.diagnostics.tool_finished(event)
        elif isinstance(event, TurnError):
            self.diagnostics.turn_error(event)
        record = stream_record(event)
        if isinstance(event, TurnDone):
            # As in the json document: a consumer of the stream learns which links to distrust.
            record["unverified_links"] = unverified_links(event.answer, self.grounded)
        self.out.write(_dumps(record) + "\n")
        self.out.flush()

    def close(self) -> None:
        """Stop diagnostics; every line is already written."""
        self.diagnostics.stop()
