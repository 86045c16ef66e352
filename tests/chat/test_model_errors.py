"""Model API failures become TurnError with one-line messages that say what to do."""

from __future__ import annotations

import socket

import httpx2
import pytest

from eventchat.chat import build_engine, make_openai_client
from eventchat.chat.engine import ChatEngine
from eventchat.chat.stream import StreamEvent, TurnDone, TurnError
from eventchat.client.rest import RestEventsClient
from eventchat.errors import ConfigError, ExitStatus, ModelAPIError
from eventchat.settings import Settings
from tests.chat.conftest import collect
from tests.support import openai_script as script
from tests.support.openai_server import OpenAIServer

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (script.unauthorized(), "rejected the API key (401) — check OPENAI_API_KEY"),
        (
            script.fault(403, "Project does not have access", code="forbidden"),
            "refused access (403: Project does not have access) — check the key's permissions",
        ),
        (script.model_not_found(), "model 'gpt-test' is not available"),
        (script.rate_limited(), "rate limiting requests (429) — wait a moment"),
        (script.rate_limited(quota=True), "(429: insufficient_quota) — this is billing"),
        (script.context_too_long(), "too long for model 'gpt-test' — start afresh (/clear)"),
        (script.server_error(500), "failed (500) — try again later"),
        (script.server_error(503), "failed (503) — try again later"),
        (script.fault(400, "Bad\nthing"), "rejected the request (400: Bad thing)"),
    ],
    ids=["401", "403", "404", "429", "quota", "context", "500", "503", "400"],
)
async def test_status_errors_are_one_line_turn_errors(
    engine: ChatEngine, openai_server: OpenAIServer, reply: script.Reply, needle: str
) -> None:
    openai_server.script(reply)
    events = await collect(engine, "hi")
    assert len(events) == 1
    error = events[0]
    assert isinstance(error, TurnError)
    assert isinstance(error.error, ModelAPIError)
    assert error.error.exit_status == ExitStatus.MODEL_API
    assert needle in error.error.message
    assert "\n" not in error.error.message
    assert [m["role"] for m in engine.history] == ["system"]  # the failed turn was rolled back


async def test_timeout_says_which_setting_to_raise(
    settings: Settings, events_client: RestEventsClient, openai_server: OpenAIServer
) -> None:
    slow = script.text("late")
    slow.delay = 1.0
    openai_server.script(slow)
    quick = settings.model_copy(update={"model_timeout": 0.2})
    client = make_openai_client(quick)
    try:
        events = await collect(build_engine(quick, events_client, client), "hi")
    finally:
        await client.close()
    assert isinstance(events[-1], TurnError)
    assert "timed out after 0.2s — raise model_timeout" in events[-1].error.message


async def test_unreachable_server_says_check_the_url(
    settings: Settings, events_client: RestEventsClient, openai_server: OpenAIServer
) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = settings.model_copy(update={"openai_base_url": f"http://127.0.0.1:{port}/v1"})
    client = make_openai_client(dead)
    try:
        events = await collect(build_engine(dead, events_client, client), "hi")
    finally:
        await client.close()
    assert isinstance(events[-1], TurnError)
    assert "could not be reached — check openai_base_url" in events[-1].error.message


async def test_retries_a_server_error(
    settings: Settings, events_client: RestEventsClient, openai_server: OpenAIServer
) -> None:
    openai_server.script(script.server_error(503), script.text("Recovered."))
    retrying = settings.model_copy(update={"max_retries": 1})
    client = make_openai_client(retrying)
    try:
        events = await collect(build_engine(retrying, events_client, client), "hi")
    finally:
        await client.close()
    assert events[-1] == TurnDone("Recovered.", "stop", events[-1].usage, "gpt-test")  # type: ignore[union-attr]
    assert len(openai_server.requests) == 2


async def retrying_turn(
    settings: Settings, events_client: RestEventsClient, retries: int
) -> list[StreamEvent]:
    retrying = settings.model_copy(update={"max_retries": retries})
    client = make_openai_client(retrying)
    try:
        return await collect(build_engine(retrying, events_client, client), "hi")
    finally:
        await client.close()


async def test_model_not_found_names_the_model_and_how_to_change_it(
    engine: ChatEngine, openai_server: OpenAIServer
) -> None:
    openai_server.script(script.model_not_found())
    events = await collect(engine, "hi")
    assert isinstance(events[-1], TurnError)
    assert events[-1].error.message.startswith("model 'gpt-test' is not available at the model")
    assert events[-1].error.message.endswith("choose another with --model or the model setting")


async def test_rate_limit_is_retried_by_the_sdk_then_reported(
    settings: Settings, events_client: RestEventsClient, openai_server: OpenAIServer
) -> None:
    openai_server.script(script.rate_limited(), script.rate_limited())
    events = await retrying_turn(settings, events_client, retries=1)
    assert len(openai_server.requests) == 2
    assert isinstance(events[-1], TurnError)
    assert "rate limiting requests (429) — wait a moment and try again" in events[-1].error.message


async def test_exhausted_quota_is_not_retried(
    settings: Settings, events_client: RestEventsClient, openai_server: OpenAIServer
) -> None:
    openai_server.script(script.rate_limited(quota=True))
    events = await retrying_turn(settings, events_client, retries=2)
    assert len(openai_server.requests) == 1  # waiting never refills a quota
    assert isinstance(events[-1], TurnError)
    assert "billing" in events[-1].error.message


async def test_injected_http_client_gets_the_quota_hook(
    settings: Settings, events_client: RestEventsClient, openai_server: OpenAIServer
) -> None:
    openai_server.script(script.rate_limited(quota=True))
    retrying = settings.model_copy(update={"max_retries": 2})
    client = make_openai_client(retrying, httpx2.AsyncClient())
    try:
        events = await collect(build_engine(retrying, events_client, client), "hi")
    finally:
        await client.close()
    assert len(openai_server.requests) == 1
    assert isinstance(events[-1], TurnError)


async def test_non_streaming_mode(
    settings: Settings, events_client: RestEventsClient, openai_server: OpenAIServer
) -> None:
    openai_server.script(
        script.tool_call("event_search", {"search": "python"}), script.text("Done.", usage=(4, 1))
    )
    whole = settings.model_copy(update={"stream": False})
    client = make_openai_client(whole)
    try:
        events = await collect(build_engine(whole, events_client, client), "hi")
    finally:
        await client.close()
    assert "stream" not in openai_server.bodies[0]
    done = events[-1]
    assert isinstance(done, TurnDone)
    assert done.answer == "Done."
    assert done.usage.total_tokens == 5


def test_missing_key_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_openai_client(settings.model_copy(update={"openai_api_key": None}))


def test_stream_options_only_for_openai(settings: Settings) -> None:
    from eventchat.chat import speaks_openai_extras

    assert speaks_openai_extras(None)
    assert speaks_openai_extras("https://api.openai.com/v1")
    assert not speaks_openai_extras(settings.openai_base_url)
