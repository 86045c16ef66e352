"""The tool loop end to end: the real openai SDK, the scripted server, the real events API.

Every test ends with the server's teardown check: no request it received was one the real API
would have rejected (the ``openai_server`` fixture fails the test otherwise).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from eventchat.chat.engine import ChatEngine
from eventchat.chat.stream import TextDelta, ToolCallStarted, ToolResult, TurnDone, TurnError
from eventchat.tools import DATA_BEGIN
from tests.chat.conftest import TODAY, collect
from tests.support.openai_script import (
    Call,
    delta_chunk,
    raw,
    text,
    tool_call,
    tool_calls,
)
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.anyio

JS_GERMANY = {"search": "javascript", "country": "Germany"}


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


def payload(content: str) -> dict[str, Any]:
    """The JSON between the data markers of a tool result."""
    assert content.startswith(DATA_BEGIN)
    return json.loads(content.splitlines()[1])


async def test_text_only_turn(engine: ChatEngine, openai_server: OpenAIServer) -> None:
    openai_server.script(text("Hello there, ask me about events."))
    events = await collect(engine, "hi")
    deltas = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert deltas == "Hello there, ask me about events."
    assert events[-1] == TurnDone(deltas, "stop", events[-1].usage, "gpt-test")  # type: ignore[union-attr]
    body = openai_server.bodies[0]
    assert set(body) == {"model", "messages", "tools", "stream", "temperature"}
    assert body["messages"][0]["role"] == "system"
    assert TODAY.isoformat() in body["messages"][0]["content"]
    assert body["messages"][1] == {"role": "user", "content": "hi"}
    assert [t["function"]["name"] for t in body["tools"]] == ["event_search", "event_details"]
    assert openai_server.requests[0].headers["authorization"] == "Bearer sk-test"
    assert engine.history[-1] == {"role": "assistant", "content": deltas}


async def test_one_tool_round(engine: ChatEngine, openai_server: OpenAIServer) -> None:
    openai_server.script(tool_call("event_search", JS_GERMANY), text("Found some."))
    events = await collect(engine, "javascript events in Germany?")
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    results = [e for e in events if isinstance(e, ToolResult)]
    assert started[0].arguments == JS_GERMANY
    data = payload(results[0].content)
    assert data["count"] == len(data["events"]) > 0
    assert all(
        e["country"] == "Germany" and e["start"] >= TODAY.isoformat() for e in data["events"]
    )
    assert all(e["url"].startswith("http") for e in data["events"])
    assert all("links" in e for e in results[0].events)  # renderers get links too
    second = openai_server.bodies[1]["messages"]
    assert second[-2]["tool_calls"][0]["function"]["name"] == "event_search"
    assert second[-1] == {
        "role": "tool",
        "tool_call_id": started[0].call_id,
        "content": results[0].content,
    }
    assert isinstance(events[-1], TurnDone)
    assert events[-1].answer == "Found some."


async def test_two_calls_in_one_response_answered_in_call_order(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        tool_calls(
            Call("event_search", {"search": "python", "country": "Germany"}, id="call_a"),
            Call("event_search", {"search": "rust", "country": "France"}, id="call_b"),
        ),
        text("Both done."),
    )
    events = await collect(engine, "python in Germany and rust in France")
    assert [e.call_id for e in events if isinstance(e, ToolResult)] == ["call_a", "call_b"]
    answered = tool_messages(openai_server.bodies[1])
    assert [m["tool_call_id"] for m in answered] == ["call_a", "call_b"]
    countries = [{e["country"] for e in payload(m["content"])["events"]} for m in answered]
    assert countries[0] <= {"Germany"}
    assert countries[1] <= {"France"}


async def test_fragments_split_anywhere_and_empty_then_braces(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    args = json.dumps(JS_GERMANY)
    openai_server.script(
        tool_calls(Call("event_search", args, split=range(1, len(args))), empty_first=True),
        tool_calls(Call("event_details", "{}"), empty_first=True),
        text("ok", pieces=["o", "k"]),
    )
    events = await collect(engine, "split")
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    assert started[0].arguments == JS_GERMANY
    results = [e for e in events if isinstance(e, ToolResult)]
    assert not results[0].error
    assert results[1].error  # "{}" lacks ids: the model is told what to fix
    assert "ids" in results[1].content
    sent = openai_server.bodies[2]["messages"]
    assert sent[-2]["tool_calls"][0]["function"]["arguments"] == "{}"


async def test_stop_after_tool_calls_runs_them(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(tool_call("event_search", JS_GERMANY, finish_reason="stop"), text("Done."))
    events = await collect(engine, "q")
    assert any(isinstance(e, ToolResult) for e in events)
    assert len(openai_server.requests) == 2


async def test_length_finish_keeps_text_and_drops_cut_tool_call(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        raw(
            delta_chunk({"role": "assistant", "content": "A long answer"}),
            delta_chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "event_search", "arguments": '{"se'},
                        }
                    ]
                }
            ),
            delta_chunk({}, "length"),
        )
    )
    events = await collect(engine, "q")
    assert not any(isinstance(e, ToolCallStarted) for e in events)
    assert events[-1] == TurnDone("A long answer", "length", events[-1].usage, "gpt-test")  # type: ignore[union-attr]
    assert engine.history[-1] == {"role": "assistant", "content": "A long answer"}


async def test_usage_from_final_chunk_without_choices(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        tool_call("event_search", JS_GERMANY, usage=(100, 10)), text("Hi", usage=(200, 5))
    )
    events = await collect(engine, "q")
    done = events[-1]
    assert isinstance(done, TurnDone)
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (300, 15)
    assert done.usage.total_tokens == 315


async def test_stream_cut_is_turn_error_and_history_stays_valid(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    cut = text("This answer never ends")
    cut.cut_after = 3
    openai_server.script(cut, text("Second try works."))
    events = await collect(engine, "first")
    error = events[-1]
    assert isinstance(error, TurnError)
    assert error.partial == "This answer "
    assert "could not be reached" in error.error.message
    events = await collect(engine, "second")
    assert isinstance(events[-1], TurnDone)
    roles = [m["role"] for m in openai_server.bodies[1]["messages"]]
    assert roles == ["system", "user"]  # the failed turn was rolled back


async def test_stream_without_finish_reason_never_runs_half_tool_call(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        raw(
            delta_chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "event_search", "arguments": '{"search": "x"}'},
                        }
                    ]
                }
            ),
        )
    )
    events = await collect(engine, "q")
    assert not any(isinstance(e, ToolCallStarted) for e in events)
    assert isinstance(events[-1], TurnError)
    assert "ended early" in events[-1].error.message
    assert engine.history[1:] == []


async def test_malformed_chunk_is_turn_error(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    bad = text("Hello world")
    bad.malformed_at = 2
    openai_server.script(bad)
    events = await collect(engine, "q")
    assert isinstance(events[-1], TurnError)
    assert "malformed" in events[-1].error.message


async def test_max_tool_rounds_then_final_answer_without_tools(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    rounds = engine.max_tool_rounds
    openai_server.script(
        *(tool_call("event_search", {"search": f"topic {n}"}) for n in range(rounds)),
        text("Here is what I found."),
    )
    events = await collect(engine, "keep searching")
    assert sum(isinstance(e, ToolResult) for e in events) == rounds
    assert len(openai_server.bodies) == rounds + 1
    assert all("tools" in b for b in openai_server.bodies[:-1])
    assert "tools" not in openai_server.bodies[-1]
    assert isinstance(events[-1], TurnDone)


async def test_invalid_arguments_go_back_and_model_corrects_itself(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        tool_call("event_search", '{"search": "python", "limit": "many"'),
        tool_call("event_search", {"search": "python", "limit": 500}),
        tool_call("event_search", {"search": "python", "limit": 3}),
        text("Three events."),
    )
    events = await collect(engine, "python")
    results = [e for e in events if isinstance(e, ToolResult)]
    assert [r.error for r in results] == [True, True, False]
    assert "not valid JSON" in results[0].content
    assert "limit" in results[1].content
    assert payload(results[2].content)["count"] == 3
    assert isinstance(events[-1], TurnDone)


async def test_unknown_tool_is_an_error_result(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(tool_call("book_flight", {"to": "Berlin"}), text("I cannot book."))
    events = await collect(engine, "book")
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.error
    assert "event_search" in result.content


async def test_repeated_identical_call_uses_earlier_result(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        tool_call("event_search", JS_GERMANY),
        tool_call("event_search", {"country": "Germany", "search": "javascript"}),
        text("Same."),
    )
    events = await collect(engine, "q")
    first, second = (e for e in events if isinstance(e, ToolResult))
    assert first.content == second.content
    assert second.duration == first.duration  # one run answered both


async def test_history_carries_over_between_turns(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(tool_call("event_search", JS_GERMANY), text("One."), text("Two."))
    await collect(engine, "first")
    await collect(engine, "second")
    roles = [m["role"] for m in openai_server.bodies[-1]["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "user"]
    engine.reset()
    assert [m["role"] for m in engine.history] == ["system"]


async def test_answer_is_all_the_text_the_person_saw(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        tool_calls(Call("event_search", JS_GERMANY), content="Let me look that up."),
        text("Found some."),
    )
    events = await collect(engine, "javascript in Germany?")
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(deltas) == "Let me look that up.Found some."
    done = events[-1]
    assert isinstance(done, TurnDone)
    # Renderers start a new paragraph after a tool round; the answer reads the same.
    assert done.answer == "Let me look that up.\n\nFound some."
    # History keeps each message's own text.
    assistant = [m for m in engine.history if m["role"] == "assistant"]
    assert [m["content"] for m in assistant] == ["Let me look that up.", "Found some."]


async def test_turn_error_partial_holds_text_from_earlier_rounds(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    cut = text("This never ends")
    cut.cut_after = 2
    openai_server.script(tool_calls(Call("event_search", JS_GERMANY), content="Searching."), cut)
    events = await collect(engine, "q")
    error = events[-1]
    assert isinstance(error, TurnError)
    assert error.partial == "Searching.\n\nThis "


async def test_answer_reads_as_the_markdown_renderer_printed_it(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    import io

    from eventchat.render.diagnostics import Diagnostics
    from eventchat.render.links import GroundedLinks
    from eventchat.render.plain import MarkdownRenderer

    openai_server.script(
        tool_calls(Call("event_search", JS_GERMANY), content="Let me look that up."),
        text("Nothing I can link."),
    )
    out = io.StringIO()
    renderer = MarkdownRenderer(
        out=out, grounded=GroundedLinks(), diagnostics=Diagnostics(io.StringIO(), verbose=False)
    )
    events = await collect(engine, "q")
    for event in events:
        renderer.handle(event)
    renderer.close()
    done = events[-1]
    assert isinstance(done, TurnDone)
    assert out.getvalue() == done.answer + "\n"
