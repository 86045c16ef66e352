"""One GET with retries and eventchat's error mapping, shared by every REST backend.

Every request here is an idempotent GET, so a failure that may pass is tried again: a connection
error, a timeout, 429 (after ``Retry-After`` when the server sends one and it is within the cap)
and 502/503/504, with jittered exponential backoff (tenacity), at most ``RetryPolicy.retries``
times. Other 4xx statuses are the request's own fault and are reported at once. What still fails
becomes an EventsAPIError whose message says what to do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, TypeAdapter, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from eventchat.errors import EventsAPIConnectError, EventsAPIResponseError, EventsAPIStatusError

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=BaseModel)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Transport failures that may pass; UnsupportedProtocol, ProxyError and the like will not.
RETRY_ERRORS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """How a failed GET is tried again.

    ``retries`` more attempts after the first; waits of ``backoff * 2**n`` plus up to ``backoff``
    of jitter, at most ``max_backoff``; a ``Retry-After`` up to ``retry_after_cap`` seconds is
    waited exactly, a longer one ends the retries (the server asked for more patience than a
    chat turn has). ``sleep`` is how waits happen (tests record them instead).
    """

    retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0
    retry_after_cap: float = 10.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)

    def worst_case(self, timeout: float) -> float:
        """The longest one GET can take with every attempt timing out and every wait at its cap."""
        attempts = self.retries + 1
        return attempts * timeout + self.retries * max(self.max_backoff, self.retry_after_cap)


NO_RETRY = RetryPolicy(retries=0)


class _RetryableStatus(Exception):
    """A response whose status may pass (429, 502-504); it carries the response for the report."""

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def retry_after(response: httpx2.Response) -> float | None:
    """Seconds the server asks to wait (``Retry-After`` as seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _asked_wait(state: RetryCallState) -> float | None:
    exc = state.outcome.exception() if state.outcome else None
    return retry_after(exc.response) if isinstance(exc, _RetryableStatus) else None


def _retrying(policy: RetryPolicy) -> AsyncRetrying:
    backoff = wait_exponential_jitter(
        multiplier=policy.backoff, max=policy.max_backoff, jitter=policy.backoff
    )

    def wait(state: RetryCallState) -> float:
        asked = _asked_wait(state)
        return asked if asked is not None else backoff(state)

    def stop(state: RetryCallState) -> bool:
        asked = _asked_wait(state)
        too_long = asked is not None and asked > policy.retry_after_cap
        return too_long or stop_after_attempt(policy.retries + 1)(state)

    return AsyncRetrying(
        sleep=policy.sleep,
        stop=stop,
        wait=wait,
        retry=retry_if_exception_type((*RETRY_ERRORS, _RetryableStatus)),
        reraise=True,
    )


async def get(
    http: httpx2.AsyncClient,
    label: str,
    path: str,
    params: Sequence[tuple[str, str]],
    retry: RetryPolicy = NO_RETRY,
) -> httpx2.Response:
    """GET ``path``, retried per ``retry``; what still fails becomes an EventsAPIError."""
    attempts = 0
    try:
        async for attempt in _retrying(retry):
            with attempt:
                attempts += 1
                response = await http.get(path, params=tuple(params))
                if response.status_code in RETRY_STATUSES:
                    raise _RetryableStatus(response)
    except _RetryableStatus as exc:
        raise _status_error(exc.response, label, path, attempts) from None
    except httpx2.TimeoutException as exc:
        raise EventsAPIConnectError(
            f"events API at {label} timed out{_tries(attempts)} — raise api_timeout or try again"
        ) from exc
    except httpx2.TransportError as exc:
        raise EventsAPIConnectError(
            f"events API at {label} could not be reached{_tries(attempts)} "
            f"({exc or type(exc).__name__}) — is `eventchat serve` running, and is api_url right?"
        ) from exc
    if response.is_error:
        raise _status_error(response, label, path, attempts)
    return response


def _tries(attempts: int) -> str:
    return f" ({attempts} attempts)" if attempts > 1 else ""


def _status_error(
    response: httpx2.Response, label: str, path: str, attempts: int
) -> EventsAPIStatusError:
    detail = _detail(response)
    asked = retry_after(response) if response.status_code == 429 else None
    notes = [n for n in (_tries(attempts).strip(" ()"), _wait_note(asked)) if n]
    message = f"events API at {label} answered {response.status_code} for {path}"
    if notes:
        message += f" ({', '.join(notes)})"
    if detail:
        message += f": {detail}"
    if response.status_code in RETRY_STATUSES:
        message += " — try again later"
    return EventsAPIStatusError(message, response.status_code, detail)


def _wait_note(asked: float | None) -> str:
    return f"it asks to wait {asked:g}s" if asked is not None else ""


def parse(adapter: TypeAdapter[T], response: httpx2.Response, label: str) -> T:
    """Validate a response body; a non-JSON or wrongly shaped body is EventsAPIResponseError."""
    try:
        return adapter.validate_json(response.content)
    except ValidationError as exc:
        raise EventsAPIResponseError(
            f"events API at {label} sent an unexpected body for {response.request.url.path} "
            f"({_first_problem(exc)}) — is api_url/api_kind right?"
        ) from exc


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "body"
    return f"{where}: {err['msg']}"


def _detail(response: httpx2.Response) -> str | None:
    """The one-line ``detail`` of an eventchat error body, if the body is one."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail[:200] if isinstance(detail, str) else None
