"""The history budget learns from the server's usage, and a too-long history is shrunk once.

Every request the engine sends here is checked by the scripted server as the real API would
check it, so "history valid after each" is the ``openai_server`` fixture's teardown check.
"""

from __future__ import annotations

import openai
import pytest

from eventchat.chat import build_engine
from eventchat.chat.conversation import MAX_RATIO, MIN_RATIO, Conversation, estimate_tokens
from eventchat.chat.engine import ChatEngine
from eventchat.chat.stream import TurnDone, TurnError
from eventchat.client.rest import RestEventsClient
from eventchat.settings import Settings
from tests.chat.conftest import collect
from tests.support import openai_script as script
from tests.support.openai_server import OpenAIServer

LONG = "tell me about events " * 115  # ~2,400 characters: ~800 estimated tokens


def test_observed_usage_corrects_later_estimates() -> None:
    conversation = Conversation("system", budget=10_000)
    sent = [conversation.system, {"role": "user", "content": "x" * 300}]
    raw = conversation.tokens(sent)
    conversation.observe(raw * 2, sent)
    assert conversation.ratio == 2.0
    assert conversation.tokens(sent) == raw * 2
    conversation.observe(0, sent)  # a server that reports no usage changes nothing
    assert conversation.ratio == 2.0
    conversation.observe(raw * 100, sent)
    assert conversation.ratio == MAX_RATIO
    conversation.observe(1, sent)
    assert conversation.ratio == MIN_RATIO


def test_corrected_estimates_trim_whole_turns_earlier() -> None:
    conversation = Conversation("system", budget=1_300)
    for n in range(4):
        conversation.begin_turn(f"question {n}")
        call = {"id": f"c{n}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        conversation.add_assistant("", [call])
        conversation.add_tool_result(f"c{n}", "x" * 600)
        conversation.add_assistant(f"answer {n}")
    assert len(conversation.messages()) == 1 + 4 * 4  # ~1,230 estimated tokens: all fit
    conversation.ratio = 2.0
    messages = conversation.messages()
    assert 1 <= len(conversation.turns) < 4
    assert conversation.tokens(messages) <= 1_300
    roles = [m["role"] for m in messages[1:]]
    assert roles == ["user", "assistant", "tool", "assistant"] * len(conversation.turns)


@pytest.fixture
def small_engine(
    settings: Settings, events_client: RestEventsClient, openai_client: openai.AsyncOpenAI
) -> ChatEngine:
    return build_engine(
        settings.model_copy(update={"history_token_budget": 3_000}), events_client, openai_client
    )


@pytest.mark.anyio
@pytest.mark.parametrize(("factor", "kept"), [(None, True), (3, False)], ids=["none", "3x"])
async def test_high_prompt_tokens_trim_earlier(
    small_engine: ChatEngine, openai_server: OpenAIServer, factor: int | None, kept: bool
) -> None:
    conversation = small_engine.conversation
    first = [conversation.system, {"role": "user", "content": LONG}]
    raw = conversation.tokens(first, small_engine.tools.schemas())
    usage = (factor * raw, 5) if factor else None
    openai_server.script(script.text("First.", usage=usage), script.text("Second."))
    await collect(small_engine, LONG)
    assert conversation.ratio == (factor or 1.0)
    events = await collect(small_engine, "and next month?")
    assert isinstance(events[-1], TurnDone)
    users = [m["content"] for m in openai_server.bodies[1]["messages"] if m["role"] == "user"]
    assert (LONG in users) is kept


@pytest.mark.anyio
async def test_high_usage_with_tool_turns_keeps_pairs_together(
    small_engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    for n in range(4):
        openai_server.script(
            script.tool_call("event_search", {"search": "", "limit": 5}, usage=(20_000, 10)),
            script.text(f"A{n}", usage=(20_000, 5)),
        )
        events = await collect(small_engine, f"question {n}")
        assert isinstance(events[-1], TurnDone)
    last = openai_server.bodies[-1]["messages"]
    assert small_engine.conversation.ratio == MAX_RATIO
    assert last[1]["role"] == "user"  # whole turns only
    calls = [c["id"] for m in last if m.get("tool_calls") for c in m["tool_calls"]]
    assert calls
    assert [m["tool_call_id"] for m in last if m["role"] == "tool"] == calls


async def two_turns(engine: ChatEngine, server: OpenAIServer) -> None:
    server.script(script.text("One."), script.text("Two."))
    await collect(engine, LONG)
    await collect(engine, "second question")


@pytest.mark.anyio
async def test_context_length_exceeded_shrinks_once_and_retries(
    small_engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    await two_turns(small_engine, openai_server)
    openai_server.script(script.context_too_long(), script.text("Third."))
    events = await collect(small_engine, "third question")
    assert events[-1] == TurnDone("Third.", "stop", events[-1].usage, "gpt-test")  # type: ignore[union-attr]
    rejected, retried = openai_server.bodies[-2:]
    assert len(retried["messages"]) < len(rejected["messages"])
    users = [m["content"] for m in retried["messages"] if m["role"] == "user"]
    assert LONG not in users
    assert users[-1] == "third question"
    assert small_engine.conversation.budget < 3_000  # the model's window is smaller: remembered
    openai_server.script(script.text("Fourth."))
    assert isinstance((await collect(small_engine, "fourth"))[-1], TurnDone)


@pytest.mark.anyio
async def test_context_length_exceeded_twice_is_reported(
    small_engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    await two_turns(small_engine, openai_server)
    openai_server.script(script.context_too_long(), script.context_too_long())
    events = await collect(small_engine, "third question")
    assert len(events) == 1
    assert isinstance(events[0], TurnError)
    assert "too long for model 'gpt-test' — start afresh (/clear)" in events[0].error.message
    assert len(openai_server.requests) == 4  # one retry, not more
    assert [m["role"] for m in small_engine.history][-1] == "assistant"  # the turn rolled back
    openai_server.script(script.text("Fine."))
    assert isinstance((await collect(small_engine, "again"))[-1], TurnDone)


@pytest.mark.anyio
async def test_context_length_with_nothing_to_drop_is_not_retried(
    small_engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(script.context_too_long())
    events = await collect(small_engine, LONG)
    assert isinstance(events[-1], TurnError)
    assert len(openai_server.requests) == 1
    assert sum(estimate_tokens(m) for m in small_engine.history) < 3_000
