"""openai SDK exceptions as one-line ModelAPIError messages that say what to do."""

from __future__ import annotations

import openai

from eventchat.errors import ModelAPIError


def _said(exc: openai.APIError) -> str:
    # The server's own words, without the SDK's "Error code: 400 - {...}" wrapping.
    body = exc.body
    said = body.get("message") if isinstance(body, dict) else None
    text = " ".join(str(said if isinstance(said, str) else exc.message).split())
    return text[:200]


def model_error(
    exc: openai.OpenAIError, model: str, url: str, timeout: float | None = None
) -> ModelAPIError:
    """The ModelAPIError for an openai exception."""
    where = f"the model API at {url.rstrip('/')}"
    if isinstance(exc, openai.APITimeoutError):
        after = f" after {timeout:g}s" if timeout else ""
        return ModelAPIError(f"{where} timed out{after} — raise model_timeout or try again")
    if isinstance(exc, openai.APIConnectionError):
        return ModelAPIError(
            f"{where} could not be reached — check openai_base_url and your connection"
        )
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc, model, where)
    if isinstance(exc, openai.APIError):
        return ModelAPIError(f"{where} reported an error: {_said(exc)} — try again")
    return ModelAPIError(f"{where} failed: {exc} — try again")


def _status_error(exc: openai.APIStatusError, model: str, where: str) -> ModelAPIError:
    status, said = exc.status_code, _said(exc)
    if status >= 500:
        return ModelAPIError(f"{where} failed ({status}) — try again later")
    message = _client_error(exc, model, where)
    return ModelAPIError(message or f"{where} rejected the request ({status}: {said})")


def _client_error(exc: openai.APIStatusError, model: str, where: str) -> str | None:
    status, code, said = exc.status_code, exc.code, _said(exc)
    quota = code == "insufficient_quota" or exc.type == "insufficient_quota"
    messages = {
        401: f"{where} rejected the API key (401) — check OPENAI_API_KEY",
        403: f"{where} refused access (403: {said}) — check the key's permissions",
        404: f"{where} answered 404 — check openai_base_url (it usually ends in /v1)",
        429: f"{where} is rate limiting requests (429) — wait a moment and try again",
    }
    if status == 404 and (code == "model_not_found" or "model" in said.lower()):
        return f"model {model!r} is not available at {where} — check the model setting"
    if status == 429 and quota:
        return f"{where} says the quota is used up (429) — check your plan and billing"
    if status == 400 and code == "context_length_exceeded":
        return (
            f"the conversation is too long for model {model!r} — start afresh (/clear) or "
            "lower history_token_budget"
        )
    return messages.get(status)
