"""The scripted server itself, through the real openai SDK: it must reject what OpenAI rejects."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.support.openai_script import Call, text, tool_call, tool_calls
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.anyio

CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}


async def test_streams_text_and_records_the_request(
    openai_client: openai.AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.script(text("Hello world", usage=(3, 2)))
    stream = await openai_client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello world"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 5
    assert openai_server.bodies[0]["messages"] == [{"role": "user", "content": "hi"}]


async def test_answers_without_streaming(
    openai_client: openai.AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.script(tool_calls(Call("f", {"a": 1}, id="c1", split=[3]), content="x"))
    response = await openai_client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}]
    )
    message = response.choices[0].message
    assert message.content == "x"
    assert message.tool_calls is not None
    call = message.tool_calls[0]
    assert (call.id, call.function.name, call.function.arguments) == ("c1", "f", '{"a": 1}')
    assert response.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("messages", "tools", "needle"),
    [
        pytest.param(
            [
                {"role": "user", "content": "q"},
                {"role": "tool", "tool_call_id": "x", "content": "r"},
            ],
            None,
            "must be a response to a preceeding message with 'tool_calls'",
            id="tool-without-call",
        ),
        pytest.param(
            [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "tool", "tool_call_id": "call_2", "content": "r"},
            ],
            None,
            "must be a response",
            id="tool-answers-another-id",
        ),
        pytest.param(
            [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "user", "content": "again"},
            ],
            None,
            "did not have response messages: call_1",
            id="call-left-unanswered",
        ),
        pytest.param(
            [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
            ],
            None,
            "did not have response messages",
            id="call-unanswered-at-end",
        ),
        pytest.param(
            [{"role": "user", "content": "q"}],
            [{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}],
            "Invalid schema for function 'f'",
            id="tools-schema-not-object",
        ),
    ],
)
async def test_rejects_what_openai_rejects(
    openai_client: openai.AsyncOpenAI,
    openai_server: OpenAIServer,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    needle: str,
) -> None:
    openai_server.allow_rejections = True
    openai_server.script(text("never sent"))
    extra: dict[str, Any] = {"tools": tools} if tools else {}
    with pytest.raises(openai.BadRequestError) as caught:
        await openai_client.chat.completions.create(model="m", messages=messages, **extra)  # type: ignore[call-overload]
    assert needle in caught.value.message
    assert caught.value.type == "invalid_request_error"
    assert openai_server.unused() == 1  # a rejected request consumes no reply


async def test_accepts_a_complete_tool_exchange(
    openai_client: openai.AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.script(text("fine"))
    messages: list[Any] = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": "r"},
    ]
    response = await openai_client.chat.completions.create(
        model="m",
        messages=messages,
        tools=[TOOL],  # type: ignore[list-item]
    )
    assert response.choices[0].message.content == "fine"


async def test_unscripted_request_fails_loudly(
    openai_client: openai.AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.allow_rejections = True
    with pytest.raises(openai.BadRequestError, match="no scripted reply"):
        await openai_client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "q"}]
        )
    assert openai_server.rejected()


async def test_tool_call_helper_streams_id_and_name_once(
    openai_client: openai.AsyncOpenAI, openai_server: OpenAIServer
) -> None:
    openai_server.script(tool_call("f", {"k": "v"}, empty_first=True))
    stream = await openai_client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "q"}], stream=True
    )
    fragments = [
        tc async for c in stream if c.choices for tc in (c.choices[0].delta.tool_calls or [])
    ]
    assert fragments[0].id == "call_0_f"
    assert fragments[0].function is not None
    assert fragments[0].function.name == "f"
    assert fragments[0].function.arguments == ""
    assert all(f.id is None for f in fragments[1:])
