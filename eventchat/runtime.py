"""Wiring: build the events client, the model client and the chat engine from Settings.

This is the composition root the CLI calls; every network client is created here and injected
downwards (STYLE.md 5), and closed here. Heavy imports (openai, fastapi) happen inside the
functions so that ``eventchat --help`` never pays for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventchat.errors import ConfigError
from eventchat.settings import Settings, default_config_file

if TYPE_CHECKING:
    from eventchat.chat.engine import ChatEngine
    from eventchat.client.base import EventsClient

EMBEDDED_BASE_URL = "http://eventchat.embedded"


@dataclass
class Runtime:
    """The live objects of one eventchat process."""

    settings: Settings
    events: EventsClient
    engine: ChatEngine
    events_source: str


def require_api_key(settings: Settings) -> str:
    """The model API key, or a ConfigError that says where to put it."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if key:
        return key
    hint = " (any value works for a local server)" if settings.openai_base_url else ""
    raise ConfigError(
        "no model API key: set OPENAI_API_KEY in the environment or openai_api_key in "
        f"{default_config_file()}{hint}"
    )


@asynccontextmanager
async def open_events_client(settings: Settings) -> AsyncIterator[EventsClient]:
    """The events client: the embedded API in-process when ``api_url`` is empty, else HTTP."""
    import httpx2

    from eventchat.client.http import RetryPolicy
    from eventchat.client.rest import RestEventsClient
    from eventchat.client.v0 import V0EventsClient

    timeout = httpx2.Timeout(settings.api_timeout)
    retry = RetryPolicy(retries=settings.api_retries, backoff=settings.api_retry_backoff)
    client: EventsClient
    if settings.api_url:
        http = httpx2.AsyncClient(base_url=settings.api_url, timeout=timeout)
        kind = V0EventsClient if settings.api_kind == "eventchat-v0" else RestEventsClient
        client = kind(http, label=settings.api_url, retry=retry)
    else:
        from eventchat.service import create_app
        from eventchat.store import open_store

        store = open_store(settings.database)
        transport = httpx2.ASGITransport(app=create_app(store, today=settings.today))
        http = httpx2.AsyncClient(transport=transport, base_url=EMBEDDED_BASE_URL, timeout=timeout)
        client = RestEventsClient(http, label="the embedded events API", retry=retry)
    try:
        yield client
    finally:
        await client.aclose()
        if not settings.api_url:
            store.close()


def events_source(settings: Settings) -> str:
    """Where events come from, for greetings and diagnostics."""
    return settings.api_url or "the embedded dataset (four open sources)"


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Build everything a conversation needs; close it all on exit."""
    require_api_key(settings)
    from eventchat.chat import build_engine, make_openai_client

    async with AsyncExitStack() as stack:
        events = await stack.enter_async_context(open_events_client(settings))
        openai_client = make_openai_client(settings)
        stack.push_async_callback(openai_client.close)
        engine = build_engine(settings, events, openai_client)
        yield Runtime(settings, events, engine, events_source(settings))
