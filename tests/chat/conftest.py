"""Fixtures for engine tests: settings aimed at the scripted server, real clients, the engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx2
import openai
import pytest

from eventchat.chat import build_engine, make_openai_client
from eventchat.chat.engine import ChatEngine
from eventchat.chat.stream import StreamEvent
from eventchat.client.rest import RestEventsClient
from eventchat.settings import Settings
from tests.support.openai_server import OpenAIServer

TODAY = dt.date(2026, 1, 15)


@pytest.fixture
def settings(openai_server: OpenAIServer) -> Settings:
    """Settings for a test: the scripted server, no retries, a fixed today."""
    return Settings(
        model="gpt-test",
        openai_base_url=openai_server.base_url,
        openai_api_key="sk-test",
        max_retries=0,
        model_timeout=10,
        today=TODAY,
    )


@pytest.fixture
async def openai_client(settings: Settings) -> AsyncIterator[openai.AsyncOpenAI]:
    """The real openai SDK client, aimed at the scripted server."""
    client = make_openai_client(settings)
    yield client
    await client.close()


@pytest.fixture
def events_client(events_http: httpx2.AsyncClient) -> RestEventsClient:
    """The REST client over the real events app in-process."""
    return RestEventsClient(events_http)


@pytest.fixture
def engine(
    settings: Settings, events_client: RestEventsClient, openai_client: openai.AsyncOpenAI
) -> ChatEngine:
    """The engine as the runtime builds it."""
    return build_engine(settings, events_client, openai_client)


async def collect(engine: ChatEngine, text: str) -> list[StreamEvent]:
    """Every stream event of one turn."""
    return [event async for event in engine.run_turn(text)]
