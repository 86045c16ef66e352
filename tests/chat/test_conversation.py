"""History invariants and trimming: whole oldest turns go, tool pairs stay together."""

from __future__ import annotations

import json

import openai
import pytest

from eventchat.chat import build_engine
from eventchat.chat.conversation import Conversation, estimate_tokens
from eventchat.chat.engine import ChatEngine
from eventchat.chat.stream import TurnDone
from eventchat.client.rest import RestEventsClient
from eventchat.settings import Settings
from tests.chat.conftest import collect
from tests.support.openai_script import text, tool_call
from tests.support.openai_server import OpenAIServer


def tool_turn(conversation: Conversation, n: int, size: int) -> None:
    conversation.begin_turn(f"question {n}")
    call = {"id": f"c{n}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    conversation.add_assistant("", [call])
    conversation.add_tool_result(f"c{n}", "x" * size)
    conversation.add_assistant(f"answer {n}")


def test_trimming_drops_whole_oldest_turns() -> None:
    conversation = Conversation("system", budget=1_000)
    for n in range(6):
        tool_turn(conversation, n, size=900)  # ~300 tokens a turn
    full = [list(turn) for turn in conversation.turns]
    messages = conversation.messages()
    assert sum(estimate_tokens(m) for m in messages) <= 1_000
    kept = len(conversation.turns)
    assert 1 < kept < 6
    # Exactly the newest turns that fit: one more would pass the budget.
    one_more = sum(estimate_tokens(m) for m in full[-kept - 1])
    assert sum(estimate_tokens(m) for m in messages) + one_more > 1_000
    assert messages[1] == {"role": "user", "content": f"question {6 - kept}"}
    roles = [m["role"] for m in messages[1:]]
    assert roles == ["user", "assistant", "tool", "assistant"] * kept


def test_the_current_turn_is_never_dropped() -> None:
    conversation = Conversation("system", budget=1_000)
    tool_turn(conversation, 0, size=9_000)
    assert [m["role"] for m in conversation.messages()] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
    ]


def test_estimate_is_conservative_for_json() -> None:
    message = {"role": "tool", "tool_call_id": "c", "content": json.dumps({"k": list(range(50))})}
    assert estimate_tokens(message) >= len(json.dumps(message)) // 3


def test_interrupt_answers_pending_calls() -> None:
    conversation = Conversation("system", budget=10_000)
    conversation.begin_turn("q")
    calls = [
        {"id": i, "type": "function", "function": {"name": "f", "arguments": "{}"}}
        for i in ("a", "b")
    ]
    conversation.add_assistant("", calls)
    conversation.add_tool_result("a", "done")
    assert conversation.pending_calls() == ["b"]
    conversation.interrupt("")
    assert conversation.pending_calls() == []
    assert [m.get("tool_call_id") for m in conversation.messages()[-3:]] == ["a", "b", None]


@pytest.mark.anyio
async def test_trimmed_history_is_accepted_by_the_server(
    settings: Settings,
    events_client: RestEventsClient,
    openai_client: openai.AsyncOpenAI,
    openai_server: OpenAIServer,
) -> None:
    small = settings.model_copy(update={"history_token_budget": 3_000})
    engine: ChatEngine = build_engine(small, events_client, openai_client)
    for n in range(5):
        openai_server.script(tool_call("event_search", {"search": "", "limit": 20}), text(f"A{n}"))
        events = await collect(engine, f"question {n}")
        assert isinstance(events[-1], TurnDone)
    last = openai_server.bodies[-1]["messages"]
    users = [m["content"] for m in last if m["role"] == "user"]
    assert users[-1] == "question 4"
    assert "question 0" not in users  # trimmed; the server's teardown check proves validity
