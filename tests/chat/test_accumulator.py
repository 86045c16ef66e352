"""Stream accumulation: tool-call arguments split at any points join back exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionChunk

from eventchat.chat.llm import StreamAccumulator
from eventchat.errors import ModelAPIError
from tests.support.openai_script import Call, Pause, tool_calls


def chunks(reply_chunks: list[Any]) -> list[ChatCompletionChunk]:
    base = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    return [
        ChatCompletionChunk.model_validate({**base, **c})
        for c in reply_chunks
        if not isinstance(c, Pause)
    ]


ARGS = st.dictionaries(st.text(max_size=8), st.text(max_size=20) | st.integers(), max_size=4)


@given(first=ARGS, second=ARGS, cuts=st.lists(st.integers(0, 200), max_size=12))
def test_arguments_split_anywhere_join_back(
    first: dict[str, Any], second: dict[str, Any], cuts: list[int]
) -> None:
    reply = tool_calls(
        Call("a", first, split=cuts), Call("b", second, split=cuts[::-1]), empty_first=True
    )
    acc = StreamAccumulator()
    for chunk in chunks(reply.chunks):
        acc.add(chunk)
    result = acc.result()
    assert [(c.name, json.loads(c.arguments)) for c in result.tool_calls] == [
        ("a", first),
        ("b", second),
    ]
    assert [c.id for c in result.tool_calls] == ["call_0_a", "call_1_b"]


def test_no_finish_reason_is_an_error() -> None:
    reply = tool_calls(Call("a", {"k": 1}))
    acc = StreamAccumulator()
    for chunk in chunks(reply.chunks[:-1]):  # the finishing chunk never came
        acc.add(chunk)
    with pytest.raises(ModelAPIError, match="ended early"):
        acc.result()
