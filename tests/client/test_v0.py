"""The eventchat-v0 backend against a local server answering in the original contract's shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx2
import pytest

from eventchat.client.v0 import V0EventsClient
from eventchat.errors import EventsAPIResponseError
from eventchat.models import SearchQuery
from tests.client.v0_server import create_v0_app

pytestmark = pytest.mark.anyio
BASE = "http://v0.test"
PAST = dt.date(2025, 1, 1)


@pytest.fixture
def v0_requests() -> list[dict[str, str]]:
    return []


@pytest.fixture
async def v0(v0_requests: list[dict[str, str]]) -> AsyncIterator[V0EventsClient]:
    transport = httpx2.ASGITransport(app=create_v0_app(v0_requests))
    client = V0EventsClient(httpx2.AsyncClient(transport=transport, base_url=BASE))
    yield client
    await client.aclose()


async def test_search_maps_rows_and_keeps_one_row_per_date(v0: V0EventsClient) -> None:
    page = await v0.search(SearchQuery(q="meditation", start_after=PAST))
    assert page.total == 4
    ids = [e.id for e in page.events]
    assert ids.count("4068259") == 2  # the same event on two dates
    women = [e for e in page.events if e.id == "4068259"]
    assert {e.start for e in women} == {"2025-03-08T14:30", "2025-04-12T14:30"}
    first = women[0]
    assert first.venue == "Global Co-operation House"  # trailing spaces trimmed
    assert first.address == "65-69 Pound Lane, Willesden Green NW10 2HH"
    assert first.country == "United Kingdom"
    assert first.locality == "London"
    assert first.source == "eventchat-v0"
    assert first.description is not None
    assert "meditation" in first.description


async def test_locality_joins_the_text_and_country_passes_unchanged(
    v0: V0EventsClient, v0_requests: list[dict[str, str]]
) -> None:
    page = await v0.search(
        SearchQuery(q="meditation", locality="Worthing", country="United Kingdom", start_after=PAST)
    )
    sent = v0_requests[-1]
    assert sent["search"] == "meditation AND Worthing"
    assert sent["filterByCountry"] == "United Kingdom"
    assert sent["includeDescription"] == "true"
    assert [e.name for e in page.events] == ["Introduction to Meditation"]


async def test_date_filter_applies_to_the_page(v0: V0EventsClient) -> None:
    page = await v0.search(SearchQuery(q="meditation", start_after=dt.date(2025, 5, 1)))
    assert [e.start[:10] for e in page.events] == ["2025-05-17"]
    assert page.count == 1


async def test_links_deduplicate_ids_and_resolve_relative_images(
    v0: V0EventsClient, v0_requests: list[dict[str, str]]
) -> None:
    links = await v0.links(["4068259", "4068259", "4256334", "5511873"])
    assert v0_requests[-1]["eventIds"] == "4068259,4256334,5511873"
    by_id = {link.id: link for link in links}
    assert set(by_id) == {"4068259", "4256334"}  # 5511873 has no entry: absent, not an error
    assert by_id["4068259"].images == [f"{BASE}/images/events/4068259/cover.jpg"]
    assert by_id["4256334"].images == [
        "https://cdn.example.org/img/4256334-1.jpg",
        "https://cdn.example.org/img/4256334-2.jpg",
    ]
    assert by_id["4256334"].url == "https://worthing.example.org/whatson/singleevent/4256334"


async def test_get_knows_events_seen_in_a_search(v0: V0EventsClient) -> None:
    assert await v0.get("4256334") is None
    await v0.search(SearchQuery(q="meditation", start_after=PAST))
    detail = await v0.get("4256334")
    assert detail is not None
    assert detail.name == "Introduction to Meditation"
    assert detail.links is not None
    assert detail.links.url is not None


async def test_wrong_shape_is_a_response_error() -> None:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/events-rest/event-search-v2")
    async def search() -> dict[str, str]:
        return {"unexpected": "shape"}

    client = V0EventsClient(
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE)
    )
    with pytest.raises(EventsAPIResponseError, match="unexpected body"):
        await client.search(SearchQuery(q="x"))
    await client.aclose()
