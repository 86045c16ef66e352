"""Field helpers every importer shares: text, dates, URLs, tags, ids and the final EventDetail."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from eventchat.models import EventDetail, EventLinks
from eventchat.store.countries import find_country
from eventchat.store.importers.batch import RecordProblem
from eventchat.store.importers.privacy import has_contact, scrub

_TEXT_FIELDS = ("name", "venue", "address", "locality", "region", "country", "description")


def text(value: Any) -> str | None:
    """A stripped string, or None for anything else or an empty string."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def iso_date(value: Any, field: str, *, required: bool = False) -> str | None:
    """An ISO 8601 date or date-time, normalised (``Z`` becomes ``+00:00``); None when absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordProblem(field, "is missing")
        return None
    if not isinstance(value, str):
        raise RecordProblem(field, "is not a date")
    value = value.strip()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
        return dt.datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise RecordProblem(field, "is not a date") from None


def check_order(start: str, end: str | None, end_field: str) -> None:
    """An end before the start is a mistake in the data, not something to guess around."""
    if end is not None and end[:10] < start[:10]:
        raise RecordProblem(end_field, "is before the start")


def http_url(value: Any) -> str | None:
    """An http(s) URL, ``https://`` added to a bare host; None for other schemes or contacts."""
    url = text(value)
    if url is None or any(char.isspace() for char in url) or has_contact(url):
        return None
    if "://" not in url:
        if ":" in url or "." not in url.split("/")[0]:
            return None  # mailto:, tel:, javascript:, a relative path
        url = f"https://{url}"
    return url if url.lower().startswith(("http://", "https://")) else None


def tags(values: Iterable[Any]) -> list[str]:
    """Lower-case tags in first-seen order, without duplicates or blanks."""
    out: dict[str, None] = {}
    for value in values:
        tag = text(value)
        if tag is not None:
            out.setdefault(" ".join(scrub(tag).lower().split()), None)
    return [tag for tag in out if tag]


def country_fields(value: Any) -> dict[str, str | None]:
    """``country`` (display name) and ``country_code`` from a name, alias or ISO code."""
    given = text(value)
    if given is None:
        return {}
    found = find_country(given)
    if found is None:
        return {"country": given, "country_code": None}
    return {"country": found.name, "country_code": found.code}


def derived_id(source: str, *key: str) -> str:
    """A stable id from a source's own identifier, shaped like :func:`~eventchat.models.stable_id`.

    The source name is part of the key, so a UID that two calendars happen to share in
    different formats cannot make two events one.
    """
    joined = "\x1f".join((source, *key))
    return hashlib.sha1(joined.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def _clean_links(links: EventLinks, event_id: str) -> EventLinks:
    return EventLinks(
        id=event_id,
        url=http_url(links.url),
        images=[url for url in map(http_url, links.images) if url],
        cfp_url=http_url(links.cfp_url),
        cfp_end_date=links.cfp_end_date,
        social=[handle for handle in (scrub(s) for s in links.social) if handle],
    )


def finish(event: EventDetail) -> EventDetail:
    """The event as it is stored: contacts scrubbed from every text, links carrying its id."""
    updates: dict[str, Any] = {}
    for field in _TEXT_FIELDS:
        value = getattr(event, field)
        if value is not None:
            updates[field] = text(scrub(value))
    if not updates.get("name", event.name):
        raise RecordProblem("name", "is empty once contact details are removed")
    updates["tags"] = tags(event.tags)
    updates["links"] = _clean_links(event.links or EventLinks(id=event.id), event.id)
    return event.model_copy(update=updates)
