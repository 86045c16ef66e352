"""Hostile event data, served by the real API from a real store, echoed by the model, rendered.

For each payload, one event per field (name, description, venue, locality, tags, url, image url)
carries it; they are upserted into a copy of the bundled SQLite database and served by the real
events app. The scripted model calls event_search, gets them back, and answers by repeating every
field in a list, links, images and a table. The stream events of that turn are rendered in every
format; stdout and stderr (with ``--verbose`` tool traces) must hold nothing foreign.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventchat.chat.engine import ChatEngine
from eventchat.chat.stream import StreamEvent, ToolResult
from eventchat.store import SQLiteStore
from eventchat.tools import DATA_BEGIN, DATA_END
from tests.security.hostile import FIELDS, MARKER, echo_answer, hostile_events
from tests.security.payloads import PAYLOADS
from tests.security.render_helpers import ALL_FORMATS, render
from tests.security.test_model_text import check
from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.anyio


async def turn(
    engine: ChatEngine, server: OpenAIServer, store: SQLiteStore, payload: str
) -> list[StreamEvent]:
    """One turn in which the model searches and echoes the events carrying ``payload``."""
    events = hostile_events(payload)
    store.upsert(events)
    server.script(
        tool_call("event_search", {"search": MARKER, "country": "DE"}),
        text(echo_answer(events)),
    )
    engine.reset()
    return [event async for event in engine.run_turn("zyzzyva conferences?")]


def tool_data(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON between the data markers of the last tool message of a request body."""
    content = body["messages"][-1]["content"]
    first, data, last = content.split("\n")
    assert (first, last) == (DATA_BEGIN, DATA_END)
    parsed: dict[str, Any] = json.loads(data)
    return parsed


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_payload_in_every_field_every_format(
    payload: str,
    hostile_engine: ChatEngine,
    hostile_store: SQLiteStore,
    openai_server: OpenAIServer,
) -> None:
    stream = await turn(hostile_engine, openai_server, hostile_store, PAYLOADS[payload])
    results = [e for e in stream if isinstance(e, ToolResult)]
    assert len(results) == 1
    assert not results[0].error
    assert {e["id"] for e in results[0].events} >= {f"hostile-{f}" for f in FIELDS}
    # The payloads reached the model as data, inside the markers (JSON keeps them escaped).
    sent = tool_data(openai_server.bodies[-1])
    assert {e["id"] for e in sent["events"]} >= {f"hostile-{f}" for f in FIELDS}

    twin = await turn(hostile_engine, openai_server, hostile_store, "harmless")
    for fmt in ALL_FORMATS:
        out, err = render(fmt, stream)
        twin_out, _ = render(fmt, twin)
        check(fmt, out, err, twin_out)
        assert MARKER in out.lower()
