"""The registry: schemas are the pydantic models', bad calls become error text, never exceptions."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from eventchat.errors import EventsAPIConnectError
from eventchat.tools import Tool, ToolOutput, ToolRegistry
from eventchat.tools.events import DetailsArgs, SearchArgs

pytestmark = pytest.mark.anyio


class EchoArgs(BaseModel):
    """Echo a word."""

    word: str
    times: int = 1


async def echo(args: EchoArgs) -> ToolOutput:
    return ToolOutput(" ".join([args.word] * args.times))


async def fail(_: EchoArgs) -> ToolOutput:
    raise EventsAPIConnectError("events API at http://x could not be reached")


def registry() -> ToolRegistry:
    return ToolRegistry(
        [Tool("echo", "Echo.", EchoArgs, echo), Tool("fail", "Fail.", EchoArgs, fail)]
    )


def test_schema_is_exactly_the_models() -> None:
    schema = registry().schemas()[0]
    assert schema == {
        "type": "function",
        "function": {
            "name": "echo",
            "description": "Echo.",
            "parameters": EchoArgs.model_json_schema(),
        },
    }
    assert schema["function"]["parameters"]["type"] == "object"


async def test_valid_call_runs() -> None:
    output = await registry().call("echo", '{"word": "hi", "times": 2}')
    assert output == ToolOutput("hi hi")


@pytest.mark.parametrize(
    ("name", "arguments", "needle"),
    [
        ("echo", '{"word": ', "not valid JSON"),
        ("echo", "[1, 2]", "must be a JSON object"),
        ("echo", '{"times": "x"}', "word: Field required"),
        ("nope", "{}", "no tool 'nope'. Available tools: echo, fail"),
        ("fail", '{"word": "a"}', "fail failed: events API at http://x could not be reached"),
    ],
)
async def test_bad_calls_become_error_text(name: str, arguments: str, needle: str) -> None:
    output = await registry().call(name, arguments)
    assert output.error
    assert output.content.startswith("Error: ")
    assert needle in output.content


@pytest.mark.parametrize("arguments", ["", None, "  "])
async def test_empty_arguments_mean_none(arguments: str | None) -> None:
    output = await registry().call("echo", arguments)
    assert "word: Field required" in output.content


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        ToolRegistry([Tool("echo", "", EchoArgs, echo), Tool("echo", "", EchoArgs, echo)])


def test_event_args_accept_a_string_for_a_list_and_ignore_unknown_keys() -> None:
    args = SearchArgs.model_validate({"search": "x", "tags": "python, web", "colour": "red"})
    assert args.tags == ["python", "web"]
    assert DetailsArgs.model_validate({"ids": "abc"}).ids == ["abc"]
