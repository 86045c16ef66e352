"""openai SDK exceptions as one-line ModelAPIError messages that say what to do."""

from __future__ import annotations

import json

import httpx2
import openai

from eventchat.errors import ModelAPIError
from eventchat.settings import mask_secret


class ContextLengthError(ModelAPIError):
    """The request did not fit the model's context window (400 ``context_length_exceeded``).

    The engine answers it by shrinking the history and trying once more.
    """


async def quota_is_final(response: httpx2.Response) -> None:
    """An httpx2 response hook: a 429 for an exhausted quota is not worth retrying.

    The SDK retries every 429 up to ``max_retries``; waiting never refills a quota, so such a
    response gets the SDK's own opt-out header (``x-should-retry: false``) and the person hears
    about billing at once instead of after the retries' backoff.
    """
    if response.status_code != 429:
        return
    await response.aread()
    try:
        body = json.loads(response.content)
    except ValueError:
        return
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and "insufficient_quota" in (error.get("code"), error.get("type")):
        response.headers["x-should-retry"] = "false"


def _said(exc: openai.APIError) -> str:
    # The server's own words, without the SDK's "Error code: 400 - {...}" wrapping.
    body = exc.body
    said = body.get("message") if isinstance(body, dict) else None
    text = " ".join(str(said if isinstance(said, str) else exc.message).split())
    return text[:200]


def model_error(
    exc: openai.OpenAIError,
    model: str,
    url: str,
    timeout: float | None = None,
    *,
    secret: str = "",
) -> ModelAPIError:
    """The ModelAPIError for an openai exception; ``secret`` (the API key) masked in it.

    Servers and proxies echo the key in their error messages ("Key sk-... has no access"), and
    the message is shown, saved with ``/save`` and logged.
    """
    error = _model_error(exc, model, url, timeout)
    if secret and secret in error.message:
        return type(error)(error.message.replace(secret, mask_secret(secret)))
    return error


def _model_error(
    exc: openai.OpenAIError, model: str, url: str, timeout: float | None
) -> ModelAPIError:
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
    if status == 400 and exc.code == "context_length_exceeded":
        return ContextLengthError(
            f"the conversation is too long for model {model!r} — start afresh (/clear) or "
            "lower history_token_budget"
        )
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
        return (
            f"model {model!r} is not available at {where} — choose another with --model "
            "or the model setting"
        )
    if status == 429 and quota:
        return (
            f"{where} says the quota is used up (429: insufficient_quota) — this is billing, "
            "not a rate limit: check your plan and billing details"
        )
    return messages.get(status)
