"""The protocol every events backend implements; tools depend on this, never on a backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from eventchat.models import EventDetail, EventLinks, SearchPage, SearchQuery


class EventsClient(Protocol):
    """Read-only access to an events REST API."""

    async def search(self, query: SearchQuery) -> SearchPage:
        """Run one search; raise EventsAPIError on any failure."""
        ...

    async def links(self, ids: Sequence[str]) -> list[EventLinks]:
        """Enrichment for these ids; unknown ids are absent from the result."""
        ...

    async def get(self, event_id: str) -> EventDetail | None:
        """One event with its links, or None when the API does not know it."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...
