"""Property: no text in any search parameter makes the API answer 500."""

from __future__ import annotations

from urllib.parse import quote

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.anyio

# Text with FTS5 syntax mixed in, so the generator often hits quotes, NEAR, ^, * and colons.
SYNTAX = st.sampled_from(['"', "NEAR(", ")", "*", "-", "^", ":", "AND", "OR", "NOT", "\x00", "'"])
TEXT = st.lists(st.one_of(st.text(max_size=20), SYNTAX), max_size=8).map("".join)


@settings(
    max_examples=150,
    deadline=None,
    # The app and its store are read-only, so sharing them across examples is sound.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(q=TEXT, locality=TEXT, country=TEXT, tags=st.lists(TEXT, max_size=3), event_id=TEXT)
async def test_any_text_gives_200_or_422_never_500(
    events_http: httpx2.AsyncClient,
    q: str,
    locality: str,
    country: str,
    tags: list[str],
    event_id: str,
) -> None:
    params: list[tuple[str, str]] = [("q", q), ("locality", locality), ("country", country)]
    params += [("tags", tag) for tag in tags]
    response = await events_http.get("/v1/events/search", params=params)
    assert response.status_code in (200, 422), response.text
    body = response.json()
    if response.status_code == 422:
        assert body["errors"][0]["parameter"] == "country"
    else:
        assert body["count"] == len(body["events"])
    links = await events_http.get("/v1/events/links", params={"ids": event_id})
    assert links.status_code in (200, 422)
    one = await events_http.get("/v1/events/" + quote(event_id, safe=""))
    assert one.status_code < 500


async def test_ten_kilobytes_of_text_is_a_normal_search(events_http: httpx2.AsyncClient) -> None:
    response = await events_http.get("/v1/events/search", params={"q": "python " * 1500})
    assert response.status_code == 200
    assert response.json()["total"] > 0
