"""The json and jsonl renderers: document shape, de-duplicated events, sanitised strings."""

from __future__ import annotations

import io
import json
from typing import Any

from eventchat.chat.stream import (
    StreamEvent,
    TextDelta,
    ToolCallStarted,
    ToolResult,
    TurnDone,
    TurnError,
    Usage,
)
from eventchat.errors import EventsAPIConnectError
from eventchat.render import GroundedLinks, make_renderer

EVENT_A = {
    "id": "a1",
    "name": "PyCon\x1b]8;;https://evil.example\x07 DE",
    "links": {"url": "https://pycon.de/"},
}
EVENT_B = {
    "id": "b2",
    "name": "EuroPython",
    "url": "https://ep.example/",
    "images": ["https://ep.example/i.png"],
}
TURN: list[StreamEvent] = [
    ToolCallStarted("c1", "event_search", {"search": "python", "country": "Germany"}),
    ToolResult("c1", "event_search", "{...}", events=[EVENT_A, EVENT_B], duration=0.25),
    ToolCallStarted("c2", "event_details", {"ids": ["zz"]}),
    ToolResult(
        "c2",
        "event_details",
        "Error: events API refused",
        events=[EVENT_A],
        error=True,
        duration=0.1,
    ),
    TextDelta("[PyCon DE](https://pycon.de) and "),
    TextDelta("[Fake](https://fake.example/)\x1b[2J"),
    TurnDone(
        "[PyCon DE](https://pycon.de) and [Fake](https://fake.example/)\x1b[2J",
        finish_reason="stop",
        usage=Usage(10, 5, 15),
        model="gpt-test",
    ),
]


def run(fmt: str, events: list[StreamEvent]) -> tuple[str, str, GroundedLinks]:
    out, err = io.StringIO(), io.StringIO()
    grounded = GroundedLinks()
    renderer = make_renderer(
        fmt,  # type: ignore[arg-type]
        out=out,
        err=err,
        color=False,
        hyperlinks=True,
        width=None,
        question="python in Germany?",
        model="gpt-default",
        today="2026-03-01",
        grounded=grounded,
        verbose=False,
    )
    for event in events:
        renderer.handle(event)
    renderer.close()
    return out.getvalue(), err.getvalue(), grounded


def test_json_document_shape() -> None:
    out, err, grounded = run("json", TURN)
    doc: dict[str, Any] = json.loads(out)
    assert err == ""
    assert doc["question"] == "python in Germany?"
    assert doc["answer"] == "[PyCon DE](https://pycon.de) and [Fake](https://fake.example/)"
    assert [e["id"] for e in doc["events"]] == ["a1", "b2"]
    assert doc["events"][0]["name"] == "PyCon DE"
    assert doc["events"][0]["links"] == {"url": "https://pycon.de/"}
    assert doc["tool_calls"] == [
        {
            "name": "event_search",
            "arguments": {"search": "python", "country": "Germany"},
            "duration": 0.25,
            "error": None,
        },
        {
            "name": "event_details",
            "arguments": {"ids": ["zz"]},
            "duration": 0.1,
            "error": "Error: events API refused",
        },
    ]
    assert doc["unverified_links"] == ["https://fake.example/"]
    assert doc["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    assert doc["model"] == "gpt-test"
    assert doc["today"] == "2026-03-01"
    assert "https://ep.example/i.png" in grounded


def test_json_after_an_error_keeps_the_partial_answer_and_names_the_error() -> None:
    error = EventsAPIConnectError("events API at http://127.0.0.1:8765 refused the connection")
    out, err, _ = run("json", [TextDelta("Part"), TurnError(error, partial="Part")])
    doc = json.loads(out)
    assert doc["answer"] == "Part"
    assert doc["error"] == {"message": str(error), "exit_status": 4}
    assert err == f"eventchat: {error}\n"


def test_jsonl_writes_one_object_per_stream_event_as_it_happens() -> None:
    out = io.StringIO()
    renderer = make_renderer(
        "jsonl",
        out=out,
        err=io.StringIO(),
        color=False,
        hyperlinks=True,
        width=None,
        question="q",
        model="m",
        today="2026-03-01",
        grounded=GroundedLinks(),
        verbose=False,
    )
    lines_after = []
    for event in TURN:
        renderer.handle(event)
        lines_after.append(len(out.getvalue().splitlines()))
    renderer.close()
    assert lines_after == list(range(1, len(TURN) + 1))
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["type"] for r in records] == [
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "text",
        "text",
        "done",
    ]
    assert records[1]["events"][0]["name"] == "PyCon DE"
    assert records[5]["text"] == "[Fake](https://fake.example/)"
    assert records[6]["usage"]["total_tokens"] == 15


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in _strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_no_control_characters_in_decoded_json() -> None:
    for fmt in ("json", "jsonl"):
        out, _, _ = run(fmt, TURN)
        docs = (
            [json.loads(line) for line in out.splitlines()] if fmt == "jsonl" else [json.loads(out)]
        )
        strings = [s for doc in docs for s in _strings(doc)]
        assert any("PyCon DE" in s for s in strings)
        assert not [s for s in strings if "\x1b" in s or "\x07" in s]


def test_events_seen_twice_are_merged_by_id() -> None:
    first = {"id": "a1", "name": "PyCon DE", "links": {"url": "https://pycon.de/"}}
    detail = {
        "id": "a1",
        "name": "PyCon DE",
        "description": "Talks.",
        "links": {"url": "https://pycon.de/"},
    }
    out, _, _ = run(
        "json",
        [
            ToolResult("c1", "event_search", "{}", events=[first]),
            ToolResult("c2", "event_details", "{}", events=[detail]),
            TurnDone("ok"),
        ],
    )
    events = json.loads(out)["events"]
    assert events == [detail]
