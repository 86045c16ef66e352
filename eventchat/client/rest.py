"""Client of eventchat's own REST API v1, embedded (ASGI transport) or at ``api_url``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, ValidationError

from eventchat.errors import (
    EventsAPIConnectError,
    EventsAPIResponseError,
    EventsAPIStatusError,
)
from eventchat.models import EventDetail, EventLinks, LinksResponse, SearchPage, SearchQuery

ModelT = TypeVar("ModelT", bound=BaseModel)


def query_params(query: SearchQuery) -> list[tuple[str, str]]:
    """The query string for ``/v1/events/search``; the HTTP client encodes every value."""
    params: list[tuple[str, str]] = [("q", query.q), ("limit", str(query.limit))]
    if query.offset:
        params.append(("offset", str(query.offset)))
    for name in ("locality", "country"):
        value = getattr(query, name)
        if value:
            params.append((name, value))
    params.extend(("tags", tag) for tag in query.tags)
    if query.start_after:
        params.append(("start_after", query.start_after.isoformat()))
    if query.start_before:
        params.append(("start_before", query.start_before.isoformat()))
    if query.online is not None:
        params.append(("online", "true" if query.online else "false"))
    return params


class RestEventsClient:
    """Talks to ``/v1/events/*`` through an injected ``httpx2.AsyncClient``.

    The client's ``base_url`` is the API root; for the embedded API it is an
    ``httpx2.ASGITransport`` over the FastAPI app, so no socket is opened.
    """

    def __init__(self, http: httpx2.AsyncClient, *, label: str | None = None) -> None:
        self._http = http
        self.label = label or str(http.base_url)

    async def search(self, query: SearchQuery) -> SearchPage:
        return await self._get("/v1/events/search", query_params(query), SearchPage)

    async def links(self, ids: Sequence[str]) -> list[EventLinks]:
        if not ids:
            return []
        page = await self._get("/v1/events/links", [("ids", ",".join(ids))], LinksResponse)
        return page.links

    async def get(self, event_id: str) -> EventDetail | None:
        try:
            return await self._get(f"/v1/events/{_path_segment(event_id)}", [], EventDetail)
        except EventsAPIStatusError as exc:
            if exc.status_code == 404:
                return None
            raise

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get(
        self, path: str, params: list[tuple[str, str]], model: type[ModelT]
    ) -> ModelT:
        try:
            response = await self._http.get(path, params=params)
        except httpx2.TimeoutException as exc:
            raise EventsAPIConnectError(
                f"events API at {self.label} timed out — raise api_timeout or try again"
            ) from exc
        except httpx2.TransportError as exc:
            raise EventsAPIConnectError(
                f"events API at {self.label} could not be reached ({exc}) — "
                "is `eventchat serve` running, and is api_url right?"
            ) from exc
        if response.is_error:
            raise EventsAPIStatusError(
                f"events API at {self.label} answered {response.status_code} for {path}"
                f"{_detail(response)}",
                response.status_code,
            )
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise EventsAPIResponseError(
                f"events API at {self.label} sent an unexpected body for {path} "
                f"({exc.error_count()} problems) — is api_url an eventchat API?"
            ) from exc


def _path_segment(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _detail(response: httpx2.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return f": {detail[:200]}"
    return ""
