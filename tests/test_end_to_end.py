"""End to end: `eventchat -q` in a real process, the scripted model server, the real embedded API.

The model asks for JavaScript conferences in Germany; eventchat runs the search and enrichment
against the embedded API over the bundled data and sends the result back; the scripted answer
names an event that the store really holds, with its real link. The test checks stdout and
what the model server received.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from eventchat.models import SearchQuery
from eventchat.store import SQLiteStore
from tests.support.cli import run_eventchat
from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer

TODAY = "2019-01-01"


def ask(server: OpenAIServer, question: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_eventchat("-q", question, "--today", TODAY, *extra)


@pytest.fixture
def model_env(
    openai_server: OpenAIServer, bundled_database: Path, monkeypatch: pytest.MonkeyPatch
) -> OpenAIServer:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-end-to-end")
    return openai_server


def test_question_to_linked_answer(model_env: OpenAIServer, store: SQLiteStore) -> None:
    expected = store.search(
        SearchQuery(q="javascript", country="Germany", start_after=dt.date.fromisoformat(TODAY))
    )
    assert expected.events, "the bundled data has JavaScript conferences in Germany"
    event = expected.events[0]
    links = store.links([event.id])
    url = links[0].url
    assert url
    model_env.script(
        tool_call("event_search", {"search": "javascript", "country": "Germany"}),
        text(f"Here is one: [{event.name}]({url}) in {event.locality}."),
    )

    done = ask(model_env, "Any JavaScript conferences in Germany?")

    assert done.returncode == 0, done.stderr
    assert event.name in done.stdout
    assert url in done.stdout  # a pipe keeps the link URL
    assert model_env.rejected() == []
    assert model_env.unused() == 0
    first, second = model_env.bodies
    assert first["messages"][-1] == {
        "role": "user",
        "content": "Any JavaScript conferences in Germany?",
    }
    assert TODAY in first["messages"][0]["content"]  # the system prompt carries today's date
    assert first["tools"][0]["function"]["name"] == "event_search"
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool"
    result = tool_message["content"]
    for hit in expected.events[:3]:
        assert hit.name in result
    assert url in result  # the enrichment link reached the model with the event


def test_json_output_has_events_with_links(model_env: OpenAIServer, store: SQLiteStore) -> None:
    model_env.script(
        tool_call("event_search", {"search": "python", "country": "DE"}),
        text("Nothing I can link here."),
    )
    done = ask(model_env, "Python in Germany?", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["question"] == "Python in Germany?"
    assert doc["answer"] == "Nothing I can link here."
    assert doc["today"] == TODAY
    assert doc["events"]
    ids = [e["id"] for e in doc["events"]]
    known = {link.id: link.url for link in store.links(ids)}
    for event in doc["events"]:
        assert event["country_code"] == "DE"
        url = event.get("url") or event.get("links", {}).get("url")
        assert url == known[event["id"]]
    assert "sk-test-end-to-end" not in done.stdout + done.stderr
