"""Fixtures for the security matrix: settings aimed at the scripted model, a hostile store."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import openai
import pytest

from eventchat.chat import build_engine, make_openai_client
from eventchat.chat.engine import ChatEngine
from eventchat.client.rest import RestEventsClient
from eventchat.service import create_app
from eventchat.settings import Settings
from eventchat.store import SQLiteStore
from tests.support.openai_server import OpenAIServer

TODAY = dt.date(2026, 1, 15)
API_KEY = "sk-test-SECRET-4f9c2a7e1b"


@pytest.fixture
def settings(openai_server: OpenAIServer) -> Settings:
    """Settings for the scripted server: no retries, a fixed today, a recognisable key."""
    return Settings(
        model="gpt-test",
        openai_base_url=openai_server.base_url,
        openai_api_key=API_KEY,
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
def hostile_store(writable_database: Path) -> Iterator[SQLiteStore]:
    """A copy of the bundled database plus the hostile events of :func:`hostile_events`."""
    store = SQLiteStore(writable_database)
    yield store
    store.close()


@pytest.fixture
async def hostile_client(hostile_store: SQLiteStore) -> AsyncIterator[RestEventsClient]:
    """The REST client over the real app over ``hostile_store``, in-process."""
    transport = httpx2.ASGITransport(app=create_app(hostile_store))
    async with httpx2.AsyncClient(transport=transport, base_url="http://events.test") as http:
        yield RestEventsClient(http)


@pytest.fixture
def hostile_engine(
    settings: Settings, hostile_client: RestEventsClient, openai_client: openai.AsyncOpenAI
) -> ChatEngine:
    """The engine as the runtime builds it, over the hostile store."""
    return build_engine(settings, hostile_client, openai_client)


@pytest.fixture
def repl_env(
    openai_server: OpenAIServer, bundled_database: Path, monkeypatch: pytest.MonkeyPatch
) -> OpenAIServer:
    """The scripted model, the recognisable key, no retries, short timeouts."""
    for name, value in {
        "OPENAI_BASE_URL": openai_server.base_url,
        "OPENAI_API_KEY": API_KEY,
        "EVENTCHAT_TODAY": "2026-01-15",
        "EVENTCHAT_MODEL": "gpt-test",
        "EVENTCHAT_MAX_RETRIES": "0",
        "EVENTCHAT_MODEL_TIMEOUT": "5",
        "EVENTCHAT_API_RETRIES": "0",
        "EVENTCHAT_API_TIMEOUT": "1",
    }.items():
        monkeypatch.setenv(name, value)
    return openai_server
