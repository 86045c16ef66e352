"""Cancellation, concurrency and timeouts of tool calls, with small tools made for the purpose.

The tools here are real tools in a real registry (the engine is the subject); they wait on
barriers and events so the tests prove behaviour without measuring time.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import anyio
import openai
import pytest
from pydantic import BaseModel

from eventchat.chat.conversation import CANCELLED, INTERRUPTED, Conversation
from eventchat.chat.engine import ChatEngine
from eventchat.chat.llm import LLM
from eventchat.chat.stream import TextDelta, ToolCallStarted, ToolResult, TurnDone
from eventchat.tools import Tool, ToolOutput, ToolRegistry
from tests.chat.conftest import collect
from tests.support.openai_script import Call, Pause, text, tool_call, tool_calls
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.anyio


class NoArgs(BaseModel):
    """No arguments."""


class MeetArgs(BaseModel):
    """Who is meeting (different arguments, so the calls are not one repeated call)."""

    who: str


def waiting_engine(
    client: openai.AsyncOpenAI, *, tool_timeout: float = 5.0
) -> tuple[ChatEngine, asyncio.Barrier, asyncio.Event]:
    """An engine whose tools are ``meet`` (two must run at once) and ``hang`` (never returns)."""
    barrier = asyncio.Barrier(2)
    never = asyncio.Event()

    async def meet(args: MeetArgs) -> ToolOutput:
        await barrier.wait()
        return ToolOutput(f"{args.who} met")

    async def hang(_: NoArgs) -> ToolOutput:
        await never.wait()
        return ToolOutput("unreachable")

    registry = ToolRegistry(
        [Tool("meet", "Meet another call.", MeetArgs, meet), Tool("hang", "Hang.", NoArgs, hang)]
    )
    llm = LLM(client, model="gpt-test")
    engine = ChatEngine(llm, registry, Conversation("system", 16_000), tool_timeout=tool_timeout)
    return engine, barrier, never


async def test_calls_of_one_response_run_concurrently(
    openai_client: openai.AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    engine, _, _ = waiting_engine(openai_client)
    openai_server.script(
        tool_calls(Call("meet", {"who": "a"}, id="a"), Call("meet", {"who": "b"}, id="b")),
        text("Met."),
    )
    events = await collect(engine, "meet twice")
    results = [e for e in events if isinstance(e, ToolResult)]
    # Run one after the other, the first would wait at the barrier until its timeout.
    assert [(r.call_id, r.content, r.error) for r in results] == [
        ("a", "a met", False),
        ("b", "b met", False),
    ]


async def test_per_call_timeout_is_an_error_result(
    openai_client: openai.AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    engine, _, _ = waiting_engine(openai_client, tool_timeout=0.05)
    openai_server.script(tool_call("hang"), text("It timed out."))
    events = await collect(engine, "hang")
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.error
    assert "timed out" in result.content
    assert isinstance(events[-1], TurnDone)


async def test_cancel_mid_stream_keeps_partial_marked_interrupted(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    slow = text("Here are two events and more")
    slow.chunks.insert(3, Pause(30))
    openai_server.script(slow, text("Next answer."))
    first_text = asyncio.Event()
    received: list[str] = []

    async def consume() -> None:
        async for event in engine.run_turn("events?"):
            if isinstance(event, TextDelta):
                received.append(event.text)
                first_text.set()

    task = asyncio.ensure_future(consume())
    await first_text.wait()
    await asyncio.sleep(0.05)  # let the second piece arrive before the pause
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    partial = "".join(received)
    assert partial == "Here are "
    # The HTTP stream was closed at once: the server saw the client leave during its pause.
    closed = await anyio.to_thread.run_sync(openai_server.requests[0].disconnected.wait, 5)
    assert closed
    assert engine.history[-1] == {"role": "assistant", "content": f"{partial}\n\n{INTERRUPTED}"}
    # The next turn's request is valid and carries the interrupted answer.
    events = await collect(engine, "go on")
    assert isinstance(events[-1], TurnDone)
    sent = openai_server.bodies[-1]["messages"]
    assert sent[-2]["content"].endswith(INTERRUPTED)


async def test_consumer_that_stops_iterating_closes_the_turn(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    slow = text("Partial answer that stops")
    slow.chunks.insert(2, Pause(30))
    openai_server.script(slow, text("Fine."))
    async with aclosing(engine.run_turn("q")) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                break
    assert engine.history[-1]["content"].endswith(INTERRUPTED)
    assert await anyio.to_thread.run_sync(openai_server.requests[0].disconnected.wait, 5)
    assert isinstance((await collect(engine, "again"))[-1], TurnDone)


async def test_cancel_during_tool_calls_answers_them_cancelled(
    openai_client: openai.AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    engine, _, _ = waiting_engine(openai_client)
    openai_server.script(
        tool_calls(Call("hang", id="h1"), Call("hang", id="h2"), content="Looking."),
        text("Afresh."),
    )
    started = asyncio.Event()

    async def consume() -> None:
        async for event in engine.run_turn("hang"):
            if isinstance(event, ToolCallStarted) and event.call_id == "h2":
                started.set()

    task = asyncio.ensure_future(consume())
    await started.wait()
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    roles = [(m["role"], m.get("tool_call_id"), m.get("content")) for m in engine.history[-4:]]
    assert roles == [
        ("assistant", None, "Looking."),
        ("tool", "h1", CANCELLED),
        ("tool", "h2", CANCELLED),
        ("assistant", None, INTERRUPTED),
    ]
    assert isinstance((await collect(engine, "next"))[-1], TurnDone)


async def test_stopping_after_turn_done_does_not_mark_interrupted(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(text("Complete."))
    async with aclosing(engine.run_turn("q")) as events:
        async for event in events:
            if isinstance(event, TurnDone):
                break
    assert engine.history[-1] == {"role": "assistant", "content": "Complete."}
