"""Client of eventchat's own REST API v1, embedded (ASGI transport) or at ``api_url``."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

import httpx2
from pydantic import TypeAdapter

from eventchat.client import http
from eventchat.errors import EventsAPIStatusError
from eventchat.models import EventDetail, EventLinks, LinksResponse, SearchPage, SearchQuery

_PAGE = TypeAdapter(SearchPage)
_LINKS = TypeAdapter(LinksResponse)
_DETAIL = TypeAdapter(EventDetail)


def query_params(query: SearchQuery) -> list[tuple[str, str]]:
    """The query string for ``/v1/events/search``; the HTTP client encodes every value."""
    params: list[tuple[str, str]] = [("q", query.q), ("limit", str(query.limit))]
    if query.offset:
        params.append(("offset", str(query.offset)))
    if query.locality:
        params.append(("locality", query.locality))
    if query.country:
        params.append(("country", query.country))
    params.extend(("tags", tag) for tag in query.tags)
    if query.start_after:
        params.append(("start_after", query.start_after.isoformat()))
    if query.start_before:
        params.append(("start_before", query.start_before.isoformat()))
    if query.online is not None:
        params.append(("online", "true" if query.online else "false"))
    if query.cfp_open is not None:
        params.append(("cfp_open", "true" if query.cfp_open else "false"))
    for name in ("deadline_after", "deadline_before"):
        if (day := getattr(query, name)) is not None:
            params.append((name, day.isoformat()))
    if query.sort:
        params.append(("sort", query.sort))
    return params


class RestEventsClient:
    """Talks to ``/v1/events/*`` through an injected ``httpx2.AsyncClient``.

    The client's ``base_url`` is the API root; for the embedded API it is an
    ``httpx2.ASGITransport`` over the FastAPI app, so no socket is opened.
    """

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

    @property
    def http(self) -> httpx2.AsyncClient:
        """The injected HTTP client (hooks for request traces attach here)."""
        return self._http

    async def search(self, query: SearchQuery) -> SearchPage:
        response = await http.get(
            self._http, self.label, "/v1/events/search", query_params(query), self.retry
        )
        return http.parse(_PAGE, response, self.label)

    async def links(self, ids: Sequence[str]) -> list[EventLinks]:
        if not ids:
            return []
        params = [("ids", ",".join(ids))]
        response = await http.get(self._http, self.label, "/v1/events/links", params, self.retry)
        return http.parse(_LINKS, response, self.label).links

    async def get(self, event_id: str) -> EventDetail | None:
        path = f"/v1/events/{quote(event_id, safe='')}"
        try:
            response = await http.get(self._http, self.label, path, [], self.retry)
        except EventsAPIStatusError as exc:
            if exc.status_code == 404:
                return None
            raise
        return http.parse(_DETAIL, response, self.label)

    async def aclose(self) -> None:
        await self._http.aclose()
