"""The events REST API v1 over the real bundled database, through httpx2's ASGI transport."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from eventchat.client import RestEventsClient
from eventchat.models import EventDetail, SearchPage, SearchQuery

pytestmark = pytest.mark.anyio


async def search(http: httpx2.AsyncClient, **params: Any) -> SearchPage:
    response = await http.get("/v1/events/search", params=params)
    assert response.status_code == 200, response.text
    return SearchPage.model_validate(response.json())


async def test_search_ranks_by_relevance_and_counts_every_match(
    events_http: httpx2.AsyncClient,
) -> None:
    page = await search(events_http, q="python", limit=5)
    assert page.total > 100
    assert page.count == len(page.events) == 5
    assert all("python" in (e.name.lower() + " ".join(e.tags)) for e in page.events)


async def test_country_aliases_filter_on_the_iso_code(events_http: httpx2.AsyncClient) -> None:
    totals = set()
    for alias in ("UK", "U.K.", "Great Britain", "gb", "GBR", "England"):
        page = await search(events_http, country=alias, limit=50)
        assert {e.country_code for e in page.events} == {"GB"}
        totals.add(page.total)
    assert len(totals) == 1


async def test_filters_combine(events_http: httpx2.AsyncClient) -> None:
    page = await search(
        events_http,
        locality="berlin",
        tags=["javascript"],
        start_after="2024-01-01",
        start_before="2024-12-31",
        limit=50,
    )
    assert page.total == page.count > 0
    for e in page.events:
        assert e.locality == "Berlin"
        assert "javascript" in e.tags
        assert (e.end or e.start) >= "2024-01-01"
        assert e.start <= "2024-12-31"


async def test_without_text_results_come_in_start_date_order(
    events_http: httpx2.AsyncClient,
) -> None:
    page = await search(events_http, start_after="2026-01-01", limit=50)
    starts = [e.start for e in page.events]
    assert starts == sorted(starts)


async def test_pages_walk_the_whole_result(events_http: httpx2.AsyncClient) -> None:
    first = await search(events_http, q="rust", limit=10)
    ids = [e.id for e in first.events]
    for offset in range(10, first.total, 10):
        ids += [e.id for e in (await search(events_http, q="rust", offset=offset)).events]
    assert len(ids) == len(set(ids)) == first.total


async def test_links_and_get_return_the_same_links(events_http: httpx2.AsyncClient) -> None:
    page = await search(events_http, q="pycon", limit=3)
    ids = [e.id for e in page.events]
    response = await events_http.get("/v1/events/links", params={"ids": ",".join([*ids, "nope"])})
    links = response.json()["links"]
    assert [link["id"] for link in links] == ids
    detail = await events_http.get(f"/v1/events/{ids[0]}")
    event = EventDetail.model_validate(detail.json())
    assert event.links is not None
    assert event.links.model_dump() == links[0]
    assert event.links.url is not None
    assert event.links.url.startswith("http")


async def test_unknown_event_is_a_404_with_a_json_detail(events_http: httpx2.AsyncClient) -> None:
    response = await events_http.get("/v1/events/doesnotexist")
    assert response.status_code == 404
    assert response.json() == {"detail": "no event with id 'doesnotexist'"}


@pytest.mark.parametrize(
    ("params", "parameter", "says"),
    [
        ({"limit": "51"}, "limit", "less than or equal to 50"),
        ({"limit": "0"}, "limit", "greater than or equal to 1"),
        ({"offset": "-1"}, "offset", "greater than or equal to 0"),
        ({"start_after": "next week"}, "start_after", "YYYY-MM-DD"),
        ({"start_before": "0"}, "start_before", "YYYY-MM-DD"),  # not a Unix timestamp
        ({"start_before": "2026-02-30"}, "start_before", "YYYY-MM-DD"),
        ({"online": "maybe"}, "online", "true or false"),
        ({"country": "Xyz"}, "country", "unknown country 'Xyz' — use a name or an ISO code"),
    ],
)
async def test_bad_parameters_get_a_422_naming_the_parameter(
    events_http: httpx2.AsyncClient, params: dict[str, str], parameter: str, says: str
) -> None:
    response = await events_http.get("/v1/events/search", params=params)
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["detail"], str)
    assert says in body["detail"]
    assert body["errors"][0]["parameter"] == parameter


async def test_too_many_link_ids_is_a_422(events_http: httpx2.AsyncClient) -> None:
    ids = ",".join(f"id{n}" for n in range(101))
    response = await events_http.get("/v1/events/links", params={"ids": ids})
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "ids"


async def test_healthz_reports_the_event_count(events_http: httpx2.AsyncClient) -> None:
    response = await events_http.get("/healthz")
    assert response.json() == {"status": "ok", "events": 8252}


async def test_openapi_documents_every_route_with_descriptions(
    events_http: httpx2.AsyncClient,
) -> None:
    spec = (await events_http.get("/openapi.json")).json()
    assert set(spec["paths"]) == {
        "/v1/events/search",
        "/v1/events/links",
        "/v1/events/{event_id}",
        "/healthz",
    }
    params = {p["name"]: p for p in spec["paths"]["/v1/events/search"]["get"]["parameters"]}
    assert "ISO 3166" in params["country"]["description"]
    assert params["q"]["examples"]["topic"]["value"] == "python"
    assert params["country"]["schema"]["examples"] == ["DE"]
    assert (await events_http.get("/docs")).status_code == 200


async def test_the_rest_client_speaks_this_api(events_http: httpx2.AsyncClient) -> None:
    client = RestEventsClient(events_http)
    page = await client.search(SearchQuery(q="conference", country="Deutschland", limit=3))
    assert page.count == 3
    assert {e.country_code for e in page.events} == {"DE"}
    links = await client.links([e.id for e in page.events])
    assert len(links) == 3
