"""The events an answer names, as an iCalendar file (``/ics FILE`` and ``--ics FILE``).

An answer "names" an event from the turn's tool results when the event's name or its URL appears
in the answer text. Only tool data goes into the file, never the model's words: the calendar holds
what the events API returned, so it cannot carry an invented date or link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from eventchat.errors import EventchatError
from eventchat.render.sanitize import sanitize

PRODID = "-//eventchat//eventchat//EN"


def event_url(event: Mapping[str, Any]) -> str | None:
    """The event's page: ``links.url`` from the enrichment, or a top-level ``url``."""
    links = event.get("links")
    url = links.get("url") if isinstance(links, Mapping) else None
    url = url or event.get("url")
    return url if isinstance(url, str) and url else None


def named_in(answer: str, events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events ``answer`` names, once each, in tool-result order.

    An event whose URL is in the answer is named. So is one whose name is, unless another event
    of that name is named by its URL: "JavaScript Days" linked to its Berlin page means Berlin,
    not every city's JavaScript Days.
    """
    unique = list({str(e.get("id") or e.get("name")): e for e in events}.values())
    by_url = [e for e in unique if (url := event_url(e)) and url.rstrip("/") in answer]
    linked_names = {str(e.get("name") or "").casefold() for e in by_url}
    folded = answer.casefold()
    named = []
    for event in unique:
        name = str(event.get("name") or "").strip().casefold()
        by_name = bool(name) and name in folded and name not in linked_names
        if event in by_url or by_name:
            named.append(event)
    return named


def _when(value: object) -> dt.date | dt.datetime | None:
    """An ISO 8601 date or date-time from tool data; None when it is neither."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if len(value) <= 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _location(event: Mapping[str, Any]) -> str:
    parts = [event.get(k) for k in ("venue", "address", "locality", "region", "country")]
    text = ", ".join(str(p) for p in parts if p)
    return text or ("Online" if event.get("online") else "")


def to_ical(events: Iterable[Mapping[str, Any]], *, stamp: dt.datetime | None = None) -> bytes:
    """A VCALENDAR with one VEVENT per event that has a valid start date."""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    stamp = stamp or dt.datetime.now(dt.UTC)
    for event in events:
        start = _when(event.get("start"))
        if start is None:
            continue
        item = VEvent()
        item.add("uid", f"{sanitize(str(event.get('id') or event.get('name')))}@eventchat")
        item.add("dtstamp", stamp)
        item.add("summary", sanitize(str(event.get("name") or "")))
        item.add("dtstart", start)
        end = _when(event.get("end")) or start
        if not isinstance(end, dt.datetime):
            end = end + dt.timedelta(days=1)  # all-day events: DTEND is exclusive
        if type(end) is type(start) and end >= start:
            item.add("dtend", end)
        url = event_url(event)
        if url:
            item.add("url", sanitize(url))
        location = _location(event)
        if location:
            item.add("location", sanitize(location))
        description = event.get("description")
        if isinstance(description, str) and description:
            item.add("description", sanitize(description))
        tags = [sanitize(str(t)) for t in event.get("tags") or []]
        if tags:
            item.add("categories", tags)
        calendar.add_component(item)
    data: bytes = calendar.to_ical()
    return data


def write_ics(path: Path, answer: str, events: Iterable[Mapping[str, Any]]) -> int:
    """Write the events ``answer`` names to ``path``; the number written (0: nothing written)."""
    named = named_in(answer, events)
    if not named:
        return 0
    data = to_ical(named)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise EventchatError(
            f"cannot write {path} ({exc.strerror or exc}) — choose another file"
        ) from exc
    return data.count(b"BEGIN:VEVENT")
