"""The chat engine and its wiring: model client, tools, conversation and prompts.

``build_engine`` and ``make_openai_client`` are what the composition root (``runtime``) calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from eventchat.errors import ConfigError

if TYPE_CHECKING:
    import httpx2
    import openai

    from eventchat.chat.engine import ChatEngine
    from eventchat.client.base import EventsClient
    from eventchat.settings import Settings

OPENAI_HOST = "api.openai.com"


def speaks_openai_extras(base_url: str | None) -> bool:
    """Whether the model API is OpenAI's own, which knows ``stream_options``.

    Other OpenAI-compatible servers may reject parameters they do not know, so requests to them
    stay minimal.
    """
    return not base_url or urlsplit(base_url).hostname == OPENAI_HOST


def make_openai_client(
    settings: Settings, http_client: httpx2.AsyncClient | None = None
) -> openai.AsyncOpenAI:
    """An ``openai.AsyncOpenAI`` from settings; ``http_client`` is injected when given.

    Either way the client gets the :func:`~eventchat.chat.errors.quota_is_final` response hook.
    """
    import openai

    from eventchat.chat.errors import quota_is_final

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if not key:
        raise ConfigError("no model API key: set OPENAI_API_KEY or openai_api_key")
    if http_client is None:
        http_client = openai.DefaultAsyncHttpxClient()
    http_client.event_hooks["response"].append(quota_is_final)
    return openai.AsyncOpenAI(
        api_key=key,
        base_url=settings.openai_base_url or "https://api.openai.com/v1",
        timeout=settings.model_timeout,
        max_retries=settings.max_retries,
        http_client=http_client,
    )


def build_engine(
    settings: Settings, events: EventsClient, openai_client: openai.AsyncOpenAI
) -> ChatEngine:
    """The chat engine for these settings over these clients."""
    from eventchat.chat.conversation import Conversation
    from eventchat.chat.engine import ChatEngine
    from eventchat.chat.llm import LLM
    from eventchat.chat.prompts import system_prompt
    from eventchat.chat.transcript import Transcript
    from eventchat.client.http import RetryPolicy
    from eventchat.tools import ToolRegistry, make_event_tools

    transcript = None
    if settings.log_file is not None:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        transcript = Transcript(settings.log_file, secrets=[key, openai_client.api_key])
    llm = LLM(
        openai_client,
        model=settings.model,
        temperature=settings.temperature,
        stream=settings.stream,
        include_usage=speaks_openai_extras(settings.openai_base_url),
        timeout=settings.model_timeout,
        transcript=transcript,
    )
    tools = ToolRegistry(
        list(
            make_event_tools(
                events,
                today=settings.effective_today,
                search_limit=settings.search_limit,
                description_chars=settings.description_chars,
            )
        )
    )
    conversation = Conversation(
        system_prompt(settings.effective_today()), settings.history_token_budget
    )
    # A search is two events requests (search, then links), each bounded by its retries: the
    # per-call timeout is a backstop past the worst case, not a second, shorter limit.
    retry = RetryPolicy(retries=settings.api_retries, backoff=settings.api_retry_backoff)
    return ChatEngine(
        llm,
        tools,
        conversation,
        max_tool_rounds=settings.max_tool_rounds,
        tool_timeout=retry.worst_case(settings.api_timeout) * 2 + 1,
        transcript=transcript,
    )


__all__ = ["build_engine", "make_openai_client", "speaks_openai_extras"]
