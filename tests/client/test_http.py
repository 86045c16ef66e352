"""Retries and error mapping of events requests, against the real events app behind faults.

Waits are recorded instead of slept (``RetryPolicy.sleep``), so the tests prove what the client
would wait without waiting; the timeout cases run the app on a loopback socket.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import AsyncIterator, Callable

import httpx2
import pytest
from fastapi import FastAPI

from eventchat.client.http import RetryPolicy, retry_after
from eventchat.client.rest import RestEventsClient
from eventchat.errors import EventsAPIConnectError, EventsAPIResponseError, EventsAPIStatusError
from eventchat.models import SearchQuery
from tests.client.faults import Fault, FaultyApp, closed_port, serve_on_loopback

pytestmark = pytest.mark.anyio

QUERY = SearchQuery(q="python", start_after=dt.date(2026, 1, 15), limit=3)
BASE = "http://events.test"


class Waits:
    """Records the waits the retry policy asks for, without sleeping."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
async def make_client(
    events_app: FastAPI, waits: Waits
) -> AsyncIterator[Callable[..., tuple[RestEventsClient, FaultyApp]]]:
    """A REST client over the real app behind ``faults``, retrying per ``policy``."""
    opened: list[RestEventsClient] = []

    def make(
        *faults: Fault, retries: int = 2, backoff: float = 0.0
    ) -> tuple[RestEventsClient, FaultyApp]:
        app = FaultyApp(events_app, *faults)
        http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE)
        policy = RetryPolicy(retries=retries, backoff=backoff, sleep=waits)
        client = RestEventsClient(http, retry=policy)
        opened.append(client)
        return client, app

    yield make
    for client in opened:
        await client.aclose()


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_transient_statuses_are_retried_until_success(
    make_client: Callable[..., tuple[RestEventsClient, FaultyApp]], waits: Waits, status: int
) -> None:
    client, app = make_client(Fault(status), Fault(status))
    page = await client.search(QUERY)
    assert page.count == 3  # the real app answered the third attempt
    assert app.paths == ["/v1/events/search"] * 3
    assert waits.seconds == [0.0, 0.0]  # zero backoff in tests


async def test_attempts_are_bounded_and_the_last_failure_reported(
    make_client: Callable[..., tuple[RestEventsClient, FaultyApp]],
) -> None:
    client, app = make_client(*[Fault(503)] * 5, retries=2)
    with pytest.raises(EventsAPIStatusError) as caught:
        await client.search(QUERY)
    assert len(app.paths) == 3
    assert caught.value.status_code == 503
    message = caught.value.message
    assert "answered 503 for /v1/events/search (3 attempts): scripted fault" in message
    assert message.endswith("— try again later")


@pytest.mark.parametrize("status", [400, 403, 404, 422, 500])
async def test_other_errors_are_not_retried(
    make_client: Callable[..., tuple[RestEventsClient, FaultyApp]], waits: Waits, status: int
) -> None:
    client, app = make_client(Fault(status))
    with pytest.raises(EventsAPIStatusError) as caught:
        await client.search(QUERY)
    assert caught.value.status_code == status
    assert len(app.paths) == 1
    assert waits.seconds == []


async def test_retry_after_is_waited_exactly(
    make_client: Callable[..., tuple[RestEventsClient, FaultyApp]], waits: Waits
) -> None:
    client, app = make_client(Fault(429, headers={"Retry-After": "3"}), backoff=0.5)
    page = await client.search(QUERY)
    assert page.count == 3
    assert waits.seconds == [3.0]
    assert len(app.paths) == 2


async def test_retry_after_past_the_cap_is_not_waited(
    make_client: Callable[..., tuple[RestEventsClient, FaultyApp]], waits: Waits
) -> None:
    client, app = make_client(Fault(429, headers={"Retry-After": "120"}))
    with pytest.raises(EventsAPIStatusError) as caught:
        await client.search(QUERY)
    assert len(app.paths) == 1
    assert waits.seconds == []
    assert "answered 429 for /v1/events/search (it asks to wait 120s)" in caught.value.message


async def test_backoff_is_exponential_with_jitter(
    make_client: Callable[..., tuple[RestEventsClient, FaultyApp]], waits: Waits
) -> None:
    client, _ = make_client(Fault(502), Fault(502), Fault(502), retries=3, backoff=0.5)
    await client.search(QUERY)
    low = [0.5, 1.0, 2.0]
    assert all(lo <= w <= lo + 0.5 for lo, w in zip(low, waits.seconds, strict=True))


def test_retry_after_as_an_http_date() -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    date = email.utils.format_datetime(later, usegmt=True)
    asked = retry_after(httpx2.Response(429, headers={"Retry-After": date}))
    assert asked is not None
    assert 25 <= asked <= 30
    assert retry_after(httpx2.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx2.Response(429)) is None


@pytest.mark.parametrize(
    ("body", "content_type", "needle"),
    [
        (b"<html>gateway says hi</html>", "text/html", "Invalid JSON"),
        (b'{"total": 1, "events": "none"}', "application/json", "count: Field required"),
    ],
    ids=["not-json", "wrong-shape"],
)
async def test_unexpected_bodies_are_response_errors(
    make_client: Callable[..., tuple[RestEventsClient, FaultyApp]],
    body: bytes,
    content_type: str,
    needle: str,
) -> None:
    client, app = make_client(Fault(200, body=body, content_type=content_type))
    with pytest.raises(EventsAPIResponseError) as caught:
        await client.search(QUERY)
    assert len(app.paths) == 1  # a bad body is not retried: it would come back the same
    assert "sent an unexpected body for /v1/events/search" in caught.value.message
    assert needle in caught.value.message
    assert "is api_url/api_kind right?" in caught.value.message


async def test_connection_refused_is_retried_then_reported(waits: Waits) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    policy = RetryPolicy(retries=2, backoff=0.0, sleep=waits)
    async with httpx2.AsyncClient(base_url=url) as http:
        client = RestEventsClient(http, label=url, retry=policy)
        with pytest.raises(EventsAPIConnectError) as caught:
            await client.search(QUERY)
    assert len(waits.seconds) == 2
    message = caught.value.message
    assert message.startswith(f"events API at {url} could not be reached (3 attempts)")
    assert "is `eventchat serve` running" in message
    assert "\n" not in message


async def test_a_slow_answer_times_out_and_the_retry_succeeds(
    events_app: FastAPI, waits: Waits
) -> None:
    app = FaultyApp(events_app, Fault(status=None, delay=1.0))
    policy = RetryPolicy(retries=1, backoff=0.0, sleep=waits)
    with serve_on_loopback(app) as url:
        async with httpx2.AsyncClient(base_url=url, timeout=0.3) as http:
            page = await RestEventsClient(http, retry=policy).search(QUERY)
    assert page.count == 3
    assert app.paths == ["/v1/events/search"] * 2


async def test_always_slow_is_a_timeout_error(events_app: FastAPI, waits: Waits) -> None:
    slow = Fault(status=None, delay=1.0)
    app = FaultyApp(events_app, slow, slow)
    policy = RetryPolicy(retries=1, backoff=0.0, sleep=waits)
    with serve_on_loopback(app) as url:
        async with httpx2.AsyncClient(base_url=url, timeout=0.2) as http:
            client = RestEventsClient(http, label=url, retry=policy)
            with pytest.raises(EventsAPIConnectError) as caught:
                await client.search(QUERY)
    assert caught.value.message == (
        f"events API at {url} timed out (2 attempts) — raise api_timeout or try again"
    )


def test_worst_case_bounds_every_attempt_and_wait() -> None:
    policy = RetryPolicy(retries=2, backoff=0.5, max_backoff=8, retry_after_cap=10)
    assert policy.worst_case(10) == 3 * 10 + 2 * 10


async def test_runtime_wires_retries_from_settings(events_app: FastAPI) -> None:
    from eventchat.runtime import open_events_client
    from eventchat.settings import Settings

    app = FaultyApp(events_app, Fault(503))
    with serve_on_loopback(app) as url:
        settings = Settings(api_url=url, api_retries=1, api_retry_backoff=0)
        async with open_events_client(settings) as client:
            page = await client.search(QUERY)
    assert page.count == 3
    assert app.paths == ["/v1/events/search"] * 2
