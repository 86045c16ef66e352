"""Field helpers every importer shares: text, dates, URLs, tags, ids and the final EventDetail."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from eventchat.models import EventDetail, EventLinks
from eventchat.store.countries import find_country
from eventchat.store.importers.batch import RecordProblem
from eventchat.store.importers.privacy import has_contact, scrub

_LABEL_FIELDS = ("name", "venue", "address", "locality", "region", "country")
ONLINE_WORDS = frozenset({"online", "remote", "virtual"})  # a "country" that means online
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:(?!\d)", re.IGNORECASE)  # not host:port
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?P<tld>[a-z]{2,63})(?::\d{1,5})?", re.I)
# What a relative link's first segment ends in: "game3.html" is a page, not a host.
_FILE_SUFFIXES = frozenset(
    {"htm", "html", "shtml", "xhtml", "php", "asp", "aspx", "jsp", "cgi", "png", "jpg", "jpeg",
     "gif", "svg", "webp", "avif", "ico", "pdf", "ics", "json", "xml", "txt", "css", "js"}
)  # fmt: skip


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


def http_url(value: Any, *, base: str | None = None) -> str | None:
    """An http(s) URL; None for other schemes, contacts, and relative links without ``base``.

    A bare host (``pycon.example/2026``) gets ``https://``; a relative link (``game3.html``,
    ``/events/3``) is resolved against ``base``, the page's own URL, when there is one, else
    dropped: a host is never invented from a file name. Spaces inside are percent-encoded, and
    tabs and line breaks removed, as a browser does.
    """
    url = text(value)
    if url is None or has_contact(url):
        return None
    url = "".join(quote(c) if c.isspace() else c for c in re.sub(r"[\t\r\n]", "", url))
    if "://" in url:
        return url if url.lower().startswith(("http://", "https://")) else None
    if _SCHEME.match(url):
        return None  # mailto:, tel:, javascript:, data:
    page = _absolute(base)
    if url.startswith("//"):
        return f"{urlsplit(page).scheme if page else 'https'}:{url}" if len(url) > 2 else None
    if _bare_host(url):
        return f"https://{url}"
    joined = urljoin(page, url) if page else ""
    return joined if joined.lower().startswith(("http://", "https://")) else None


def _absolute(base: str | None) -> str | None:
    """``base`` when it is an absolute http(s) URL with a host."""
    if base is None or not base.lower().startswith(("http://", "https://")):
        return None
    return base if urlsplit(base).netloc else None


def _bare_host(url: str) -> bool:
    first = re.split(r"[/?#]", url, maxsplit=1)[0]
    found = _HOST.fullmatch(first)
    return found is not None and found.group("tld").lower() not in _FILE_SUFFIXES


def online_word(value: Any) -> bool:
    """Whether a place field says "Online", "Virtual" or "Remote" rather than naming a place."""
    found = text(value)
    return found is not None and found.casefold() in ONLINE_WORDS


def tags(values: Iterable[Any]) -> list[str]:
    """Lower-case tags in first-seen order, without duplicates or blanks."""
    out: dict[str, None] = {}
    for value in values:
        tag = text(value)
        if tag is not None and not has_contact(tag):  # a tag holding an address is not a tag
            out.setdefault(" ".join(tag.lower().split()), None)
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


def occurrence_id(name: str, start: str, url: str | None) -> str:
    """An id from (name, start, url) like :func:`~eventchat.models.stable_id`, with the full start.

    ``stable_id`` keys on the start's date alone, so a walking tour at 11:00 and at 20:00 on one
    day would be one event. Here the time counts too, as its UTC instant (``…T10:00+01:00`` and
    ``…T09:00Z`` are one start); for a start that is a date the id is ``stable_id``'s own.
    """
    key = "\x1f".join(
        part.strip().casefold() for part in (name, _instant(start), (url or "").rstrip("/"))
    )
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def _instant(start: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(start)
    except ValueError:
        return start
    if len(start) <= 10 or moment.tzinfo is None:
        return start
    return moment.astimezone(dt.UTC).isoformat()


def _clean_links(links: EventLinks, event_id: str) -> EventLinks:
    return EventLinks(
        id=event_id,
        url=http_url(links.url),
        images=[url for url in map(http_url, links.images) if url],
        cfp_url=http_url(links.cfp_url),
        cfp_end_date=links.cfp_end_date,
        social=[handle for handle in links.social if text(handle) and not has_contact(handle)],
        deadlines=[
            deadline.model_copy(update={"label": _label(deadline.label)})
            for deadline in links.deadlines
        ],
    )


def _label(value: str | None) -> str | None:
    return text(scrub(value, marks=False)) if value is not None else None


def finish(event: EventDetail) -> EventDetail:
    """The event as it is stored: contacts scrubbed from every text, links carrying its id.

    A description keeps reading as prose (``[e-mail removed]`` where an address was); names,
    places and labels just lose the contact, and a tag or social handle holding one is dropped.
    """
    updates: dict[str, Any] = {field: _label(getattr(event, field)) for field in _LABEL_FIELDS}
    if not updates["name"]:
        raise RecordProblem("name", "is empty once contact details are removed")
    if event.description is not None:
        updates["description"] = text(scrub(event.description))
    updates["tags"] = tags(event.tags)
    updates["links"] = _clean_links(event.links or EventLinks(id=event.id), event.id)
    return event.model_copy(update=updates)
