"""The transcript log: every request, response and tool call as JSON lines, never the key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from eventchat.chat import build_engine, make_openai_client
from eventchat.chat.stream import TurnDone
from eventchat.chat.transcript import Transcript
from eventchat.client.rest import RestEventsClient
from eventchat.settings import Settings
from tests.chat.conftest import collect
from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.anyio

KEY = "sk-transcript-secret-0123456789"
ARGS = {"search": "python", "country": "Germany"}


async def logged_turns(
    settings: Settings, events_client: RestEventsClient, log_file: Path, *questions: str
) -> list[Any]:
    logging = settings.model_copy(update={"log_file": log_file, "openai_api_key": SecretStr(KEY)})
    client = make_openai_client(logging)
    try:
        engine = build_engine(logging, events_client, client)
        return [await collect(engine, q) for q in questions]
    finally:
        await client.close()


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def test_a_tool_turn_is_logged_as_json_lines(
    settings: Settings, events_client: RestEventsClient, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    log_file = tmp_path / "transcript.jsonl"
    log_file.write_text('{"type": "earlier"}\n', encoding="utf-8")
    openai_server.script(tool_call("event_search", ARGS, usage=(120, 8)), text("Found."))
    (events,) = await logged_turns(settings, events_client, log_file, "python in Germany?")
    assert isinstance(events[-1], TurnDone)
    lines = records(log_file)
    assert [r["type"] for r in lines] == [
        "earlier",  # appended, not overwritten
        "turn",
        "request",
        "response",
        "tool",
        "request",
        "response",
    ]
    turn, first, response, tool, second, answer = lines[1:]
    assert turn["user"] == "python in Germany?"
    assert first["model"] == "gpt-test"
    assert first["stream"] is True
    assert first["messages"] == openai_server.bodies[0]["messages"]
    assert [t["function"]["name"] for t in first["tools"]] == ["event_search", "event_details"]
    assert response["tool_calls"][0]["function"]["name"] == "event_search"
    assert json.loads(response["tool_calls"][0]["function"]["arguments"]) == ARGS
    assert response["finish_reason"] == "tool_calls"
    assert response["usage"] == {"prompt_tokens": 120, "completion_tokens": 8, "total_tokens": 128}
    assert tool["name"] == "event_search"
    assert tool["arguments"] == ARGS
    assert tool["result"] == second["messages"][-1]["content"]
    assert tool["error"] is False
    assert tool["seconds"] >= 0
    assert answer["text"] == "Found."
    assert all("time" in r for r in lines[1:])
    raw = log_file.read_text(encoding="utf-8")
    assert KEY not in raw
    assert "authorization" not in raw.lower()
    assert openai_server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # it was sent


async def test_a_key_the_person_types_is_masked(
    settings: Settings, events_client: RestEventsClient, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    log_file = tmp_path / "transcript.jsonl"
    openai_server.script(text("Never paste keys."))
    await logged_turns(settings, events_client, log_file, f"my key is {KEY}")
    raw = log_file.read_text(encoding="utf-8")
    assert KEY not in raw
    assert "my key is ****" in raw


async def test_an_unwritable_log_warns_once_and_the_chat_goes_on(
    settings: Settings,
    events_client: RestEventsClient,
    openai_server: OpenAIServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    openai_server.script(tool_call("event_search", ARGS), text("One."), text("Two."))
    turns = await logged_turns(settings, events_client, tmp_path, "first", "second")
    assert all(isinstance(events[-1], TurnDone) for events in turns)
    err = capsys.readouterr().err
    assert err.count("cannot write the transcript") == 1
    assert f"to {tmp_path} (" in err
    assert err.count("\n") == 1


def test_transcript_never_raises(tmp_path: Path) -> None:
    warnings: list[str] = []
    transcript = Transcript(tmp_path / "missing" / "dir" / "t.jsonl", warn=warnings.append)
    transcript.write("turn", user="a")
    transcript.write("turn", user="b")
    assert len(warnings) == 1
    assert "No such file or directory" in warnings[0]
