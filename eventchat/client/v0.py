"""Client of the original Event Chat REST contract (``api_kind = "eventchat-v0"``).

Search: ``GET {base}/events-rest/event-search-v2?search=&limit=&offset=&filterByCountry=&tags=
&includeDescription=true``; enrichment: ``GET {base}/bkregistration/events/urls?eventIds=1,2``.
Quirks handled here (see ``shared/data/event-chat-v0``): one row per date with a repeated ``id``;
lowercase ``countryName``; padded ``venueName`` and multi-line ``venueAddress``; a bare JSON array
for enrichment with unknown ids absent; image paths relative to the base URL; a locality is sent
by joining it to the search text with `` AND ``. The contract has no date or online filter, so
those are applied to the page the server returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urljoin

import httpx2
from pydantic import BaseModel, ConfigDict, TypeAdapter

from eventchat.client import http
from eventchat.models import Event, EventDetail, EventLinks, SearchPage, SearchQuery

SEARCH_PATH = "/events-rest/event-search-v2"
LINKS_PATH = "/bkregistration/events/urls"
SOURCE = "eventchat-v0"


class V0Event(BaseModel):
    """One row of the v0 search response (one date of one event)."""

    model_config = ConfigDict(extra="ignore")

    id: int | str
    eventDateId: int | str | None = None
    name: str
    subTitle: str | None = None
    startDate: str
    startTime: str | None = None
    endDate: str | None = None
    endTime: str | None = None
    venueName: str | None = None
    venueAddress: str | None = None
    locality: str | None = None
    postalCode: str | None = None
    countryName: str | None = None
    description: str | None = None


class V0Page(BaseModel):
    """The v0 search response."""

    model_config = ConfigDict(extra="ignore")

    count: int
    total: int
    events: list[V0Event]


class V0Links(BaseModel):
    """One entry of the v0 enrichment response."""

    model_config = ConfigDict(extra="ignore")

    id: int | str
    url: str | None = None
    image1_url: str | None = None
    image2_url: str | None = None
    image3_url: str | None = None


_PAGE = TypeAdapter(V0Page)
_LINKS = TypeAdapter(list[V0Links])


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    joined = ", ".join(part.strip() for part in text.splitlines() if part.strip())
    return joined or None


def _when(date: str | None, time: str | None) -> str | None:
    if not date:
        return None
    return f"{date}T{time}" if time else date


def to_event(row: V0Event) -> Event:
    """A v0 row as an eventchat Event; nothing the row lacks is invented."""
    country = _clean(row.countryName)
    description = _clean(row.subTitle) if not row.description else row.description.strip()
    return Event(
        id=str(row.id),
        name=row.name.strip(),
        start=_when(row.startDate, row.startTime) or row.startDate,
        end=_when(row.endDate, row.endTime),
        venue=_clean(row.venueName),
        address=_clean(" ".join(p for p in (row.venueAddress, row.postalCode) if p) or None),
        locality=_clean(row.locality),
        country=country.title() if country else None,
        description=description or None,
        source=SOURCE,
    )


def search_params(query: SearchQuery) -> list[tuple[str, str]]:
    """The v0 query string: locality joined to the text with AND, country passed unchanged."""
    text = " AND ".join(part for part in (query.q.strip(), (query.locality or "").strip()) if part)
    params = [
        ("search", text),
        ("limit", str(query.limit)),
        ("offset", str(query.offset)),
        ("includeDescription", "true"),
    ]
    if query.country:
        params.append(("filterByCountry", query.country))
    if query.tags:
        params.append(("tags", ",".join(query.tags)))
    return params


def _keep(event: Event, query: SearchQuery) -> bool:
    day = event.start[:10]
    last_day = (event.end or event.start)[:10]
    if query.start_after and last_day < query.start_after.isoformat():
        return False
    if query.start_before and day > query.start_before.isoformat():
        return False
    return query.online is not True  # v0 events are all in person


class V0EventsClient:
    """Talks to an original Event Chat server through an injected ``httpx2.AsyncClient``."""

    def __init__(
        self,
        client: httpx2.AsyncClient,
        *,
        label: str | None = None,
        retry: http.RetryPolicy = http.NO_RETRY,
    ) -> None:
        self._http = client
        self.label = label or str(client.base_url)
        self.retry = retry
        self._seen: dict[str, Event] = {}

    @property
    def http(self) -> httpx2.AsyncClient:
        """The injected HTTP client (hooks for request traces attach here)."""
        return self._http

    async def search(self, query: SearchQuery) -> SearchPage:
        response = await http.get(
            self._http, self.label, SEARCH_PATH, search_params(query), self.retry
        )
        page = http.parse(_PAGE, response, self.label)
        events = [to_event(row) for row in page.events]
        for event in events:
            self._seen.setdefault(event.id, event)
        kept = [e for e in events if _keep(e, query)]
        dropped = len(events) - len(kept)
        return SearchPage(
            total=max(page.total - dropped, len(kept)),
            count=len(kept),
            offset=query.offset,
            events=kept,
        )

    async def links(self, ids: Sequence[str]) -> list[EventLinks]:
        unique = list(dict.fromkeys(ids))
        if not unique:
            return []
        params = [("eventIds", ",".join(unique))]
        response = await http.get(self._http, self.label, LINKS_PATH, params, self.retry)
        rows = http.parse(_LINKS, response, self.label)
        return [self._links(row) for row in rows]

    async def get(self, event_id: str) -> EventDetail | None:
        event = self._seen.get(event_id)
        if event is None:
            return None  # the v0 contract has no lookup by id; only events seen in a search
        links = await self.links([event_id])
        return EventDetail(**event.model_dump(), links=links[0] if links else None)

    async def aclose(self) -> None:
        await self._http.aclose()

    def _links(self, row: V0Links) -> EventLinks:
        base = str(self._http.base_url)
        images = [
            urljoin(base, image)
            for image in (row.image1_url, row.image2_url, row.image3_url)
            if image
        ]
        url = urljoin(base, row.url) if row.url else None
        return EventLinks(id=str(row.id), url=url, images=images)
