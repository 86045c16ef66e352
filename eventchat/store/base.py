"""The Store protocol: what the events API needs from a database.

SQLite (``sqlite/``) implements it for the embedded default and PostgreSQL (``postgres/``) for
deployments; both search through the tantivy index (``index/``). Implementations are safe to
call from several threads (FastAPI runs sync routes in a thread pool).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from eventchat.models import EventDetail, EventLinks, SearchPage, SearchQuery
from eventchat.store.stats import StoreStats


class Store(Protocol):
    """Events storage with full-text search.

    Search semantics every backend keeps: ``q`` is free text, each word must match (AND),
    stemmed; ``locality`` matches case- and accent-insensitively; ``country`` is resolved to an
    ISO alpha-2 code (UnknownCountryError when unknown); every tag in ``tags`` must be present
    (AND, case-insensitive); ``start_after`` keeps events that end on or after that date (an
    event under way counts); ``start_before`` keeps events that start on or before it. Results
    are ranked by relevance when ``q`` has words, else by start date; ``total`` is exact.
    """

    def search(self, query: SearchQuery) -> SearchPage:
        """One page of events matching ``query``."""
        ...

    def links(self, ids: Sequence[str]) -> list[EventLinks]:
        """Links for the known ids among ``ids``, in request order; unknown ids are absent."""
        ...

    def get(self, event_id: str) -> EventDetail | None:
        """One event with its links, or None."""
        ...

    def count(self) -> int:
        """How many events the store holds."""
        ...

    def stats(self, today: dt.date | None = None) -> StoreStats:
        """Counts by source, country, tag and year; date range; events ending on/after today."""
        ...

    def upsert(
        self,
        events: Iterable[EventDetail],
        *,
        remove: Iterable[str] = (),
        meta: Mapping[str, str] | None = None,
    ) -> int:
        """Insert or replace events by id, delete the ``remove`` ids and record ``meta`` (see
        ``meta``/``set_meta``) in one transaction; return how many were written."""
        ...

    def meta(self, key: str) -> str | None:
        """A value the store keeps beside its events (``dataset_version``), or None."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Keep ``value`` under ``key`` beside the events."""
        ...

    def ids_from(self, source: str) -> list[str]:
        """The ids of the events whose source is exactly ``source``."""
        ...

    def close(self) -> None:
        """Release every connection."""
        ...
