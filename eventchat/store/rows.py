"""Mapping between EventDetail and rows of the ``events`` table (SQLite; PostgreSQL reads its
rows back through the same functions, see ``pg_rows``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from eventchat.models import Deadline, Event, EventDetail, EventLinks
from eventchat.store.countries import find_country
from eventchat.store.text import fold

COLUMNS = (
    "id", "name", "start_at", "end_at", "start_day", "end_day", "venue", "address", "locality",
    "region", "country", "country_code", "online", "tags", "description", "source",
    "locality_key", "origin", "url", "images", "cfp_url", "cfp_end_date", "social", "deadlines",
    "timezone", "series",
)  # fmt: skip
LINK_COLUMNS = "id, url, images, cfp_url, cfp_end_date, social, deadlines"


def _country_code(event: Event) -> str | None:
    if event.country_code:
        return event.country_code.strip().upper() or None
    found = find_country(event.country) if event.country else None
    return found.code if found else None


def to_row(event: EventDetail, origin: str) -> tuple[Any, ...]:
    """The ``events`` row for ``event``, in COLUMNS order; tags lower-cased and de-duplicated."""
    links = event.links or EventLinks(id=event.id)
    tags = list(dict.fromkeys(t.strip().lower() for t in event.tags if t.strip()))
    return (
        event.id, event.name, event.start, event.end, event.start[:10],
        (event.end or event.start)[:10], event.venue, event.address, event.locality,
        event.region, event.country, _country_code(event), int(event.online),
        json.dumps(tags, ensure_ascii=False), event.description, event.source,
        fold(event.locality) if event.locality else None, origin, links.url,
        json.dumps(links.images), links.cfp_url, links.cfp_end_date, json.dumps(links.social),
        json.dumps([d.model_dump(exclude_none=True) for d in links.deadlines], ensure_ascii=False),
        event.timezone, event.series,
    )  # fmt: skip


Row = sqlite3.Row | Mapping[str, Any]  # a SQLite row, or a PostgreSQL row as a dict


def _listed(value: Any) -> Any:
    """A list column: JSON text in SQLite, already a list (text[], jsonb) in PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def to_event(row: Row) -> Event:
    """The search-result Event for one ``events`` row (of either store)."""
    return Event(
        id=row["id"],
        name=row["name"],
        start=row["start_at"],
        end=row["end_at"],
        venue=row["venue"],
        address=row["address"],
        locality=row["locality"],
        region=row["region"],
        country=row["country"],
        country_code=row["country_code"],
        online=bool(row["online"]),
        tags=_listed(row["tags"]),
        description=row["description"],
        source=row["source"],
        timezone=row["timezone"],
        series=row["series"],
    )


def to_links(row: Row) -> EventLinks:
    """The EventLinks of one row (needs the LINK_COLUMNS)."""
    return EventLinks(
        id=row["id"],
        url=row["url"],
        images=_listed(row["images"]),
        cfp_url=row["cfp_url"],
        cfp_end_date=row["cfp_end_date"],
        social=_listed(row["social"]),
        deadlines=[Deadline(**d) for d in _listed(row["deadlines"] or "[]")],
    )


def to_detail(row: Row) -> EventDetail:
    """The EventDetail (event and links) of one full row."""
    return EventDetail(**to_event(row).model_dump(), links=to_links(row))
