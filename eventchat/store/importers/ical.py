"""iCalendar (``.ics``) files: every VEVENT, recurring ones expanded within a bounded window.

``icalendar`` parses the file, ``x-wr-timezone`` applies a calendar-wide X-WR-TIMEZONE, and
``recurring-ical-events`` expands RRULE/RDATE series (with their EXDATEs and overridden
occurrences) from one year before ``today`` to two years after, at most
:data:`MAX_OCCURRENCES` per series, each occurrence an event of its own. Times keep their
zone: an all-day event is a date (DTEND is exclusive in iCalendar, so the last day is the day
before), a timed one an ISO date-time with its offset (floating times stay without one).
LOCATION becomes venue and address, never a locality; ORGANIZER, ATTENDEE and CONTACT are never
read. Ids derive from the UID (plus the occurrence's RECURRENCE-ID for a series) so importing
the calendar again updates the same events; the source is ``"import:icalendar"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]
import x_wr_timezone  # type: ignore[import-untyped]

from eventchat.errors import UsageError
from eventchat.models import EventDetail, EventLinks, stable_id
from eventchat.store.importers.batch import RecordProblem, RecordRef
from eventchat.store.importers.fields import derived_id, finish, http_url, tags, text

SOURCE = "import:icalendar"
FORMAT = "icalendar"
MAX_OCCURRENCES = 100
WINDOW_BEFORE = dt.timedelta(days=365)
WINDOW_AFTER = dt.timedelta(days=730)
# What icalendar and recurring-ical-events raise on broken input (mostly ValueError subclasses).
_BROKEN = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


@dataclass
class Series:
    """One VEVENT, or a recurring VEVENT with the occurrences it overrides, and the zones."""

    main: icalendar.Component
    timezones: list[icalendar.Component]
    overrides: list[icalendar.Component] = field(default_factory=list)


def looks_like_ical(content: str) -> bool:
    """Whether a file is iCalendar: it opens with ``BEGIN:VCALENDAR``."""
    return content.lstrip()[:15].upper() == "BEGIN:VCALENDAR"


def records(file: str, content: str) -> Iterator[tuple[RecordRef, Series]]:
    """One record per VEVENT (a recurring one with its overrides), numbered in file order."""
    try:
        calendars = icalendar.Calendar.from_ical(content, multiple=True)
    except _BROKEN as exc:
        raise UsageError(f"{file} is not a valid iCalendar file ({exc})") from None
    index = 0
    for calendar in map(_standard, calendars):
        zones = list(calendar.walk("VTIMEZONE"))
        events = list(calendar.walk("VEVENT"))
        masters = {str(e.get("UID")) for e in events if _recurs(e) and e.get("UID")}
        overrides: dict[str, list[icalendar.Component]] = {}
        for event in events:
            uid = str(event.get("UID") or "")
            if "RECURRENCE-ID" in event and uid in masters:
                overrides.setdefault(uid, []).append(event)
        for event in events:
            index += 1
            if "RECURRENCE-ID" in event and str(event.get("UID") or "") in masters:
                continue  # expanded with its series
            series = Series(event, zones, overrides.get(str(event.get("UID") or ""), []))
            yield RecordRef(file, index, text(str(event.get("SUMMARY") or ""))), series


def _standard(calendar: icalendar.Calendar) -> icalendar.Calendar:
    """Apply X-WR-TIMEZONE (Google Calendar exports name the zone only there) to the times."""
    try:
        standard: icalendar.Calendar = x_wr_timezone.to_standard(calendar)
    except _BROKEN:
        return calendar  # an unknown zone name: keep the times as written
    return standard


def _recurs(event: icalendar.Component) -> bool:
    return "RRULE" in event or "RDATE" in event


def _when(component: icalendar.Component, prop: str) -> dt.date | None:
    if prop not in component:
        return None
    try:
        value = component.decoded(prop)
    except _BROKEN:
        raise RecordProblem(prop, "is not a date or date-time") from None
    if not isinstance(value, dt.date):
        raise RecordProblem(prop, "is not a date or date-time")
    return value


def _iso(value: dt.date) -> str:
    return value.isoformat()


def _dates(component: icalendar.Component) -> tuple[str, str | None]:
    start = _when(component, "DTSTART")
    if start is None:
        raise RecordProblem("DTSTART", "is missing")
    end = _when(component, "DTEND")
    if end is None and "DURATION" in component:
        try:
            end = start + _duration(component)
        except OverflowError:
            raise RecordProblem("DURATION", "is out of range") from None
    all_day = not isinstance(start, dt.datetime)
    if end is not None and all_day and not isinstance(end, dt.datetime):
        # DTEND of an all-day event is exclusive: the event's last day is the day before.
        end = max(start, end - dt.timedelta(days=1)) if end > dt.date.min else start
    if end is not None and _day(end) < _day(start):
        raise RecordProblem("DTEND", "is before DTSTART")
    return _iso(start), _iso(end) if end is not None else None


def _duration(component: icalendar.Component) -> dt.timedelta:
    try:
        value = component.decoded("DURATION")
    except _BROKEN:
        value = None
    if not isinstance(value, dt.timedelta):
        raise RecordProblem("DURATION", "is not a duration")
    return value


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _place(location: str | None) -> dict[str, Any]:
    """venue and address from LOCATION; a URL means an online event. Locality is never guessed."""
    if location is None:
        return {}
    if http_url(location) and "://" in location:
        return {"online": True}
    first, _, rest = location.partition(",")
    if any(char.isdigit() for char in first) or not first.strip():
        return {"address": location}
    return {"venue": first.strip(), "address": text(rest)}


def _many(component: icalendar.Component, prop: str) -> list[Any]:
    value = component.get(prop)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _categories(component: icalendar.Component) -> list[str]:
    found: list[Any] = []
    for value in _many(component, "CATEGORIES"):
        found.extend(getattr(value, "cats", None) or [value])
    return tags(str(item) for item in found)


def _event(component: icalendar.Component, event_id: str) -> EventDetail:
    name = text(str(component.get("SUMMARY") or ""))
    if name is None:
        raise RecordProblem("SUMMARY", "is missing")
    start, end = _dates(component)
    images = [url for url in (http_url(str(v)) for v in _many(component, "IMAGE")) if url]
    url = http_url(str(component.get("URL") or ""))
    return finish(
        EventDetail(
            id=event_id or stable_id(name, start, url),
            name=name,
            start=start,
            end=end,
            description=text(str(component.get("DESCRIPTION") or "")),
            tags=_categories(component),
            source=SOURCE,
            links=EventLinks(id=event_id, url=url, images=images),
            **_place(text(str(component.get("LOCATION") or ""))),
        )
    )


def _uid(component: icalendar.Component) -> str | None:
    return text(str(component.get("UID") or ""))


def _single(component: icalendar.Component) -> EventDetail:
    uid = _uid(component)
    return _event(component, derived_id(FORMAT, uid) if uid else "")


def _link(event: EventDetail) -> str | None:
    return event.links.url if event.links else None


def _with_id(event: EventDetail, event_id: str) -> EventDetail:
    links = event.links.model_copy(update={"id": event_id}) if event.links else None
    return event.model_copy(update={"id": event_id, "links": links})


def _occurrence_id(occurrence: icalendar.Component, uid: str | None, event: EventDetail) -> str:
    """The UID and the occurrence's original slot: moving one occurrence keeps its id."""
    slot = _when(occurrence, "RECURRENCE-ID") or _when(occurrence, "DTSTART")
    key = _iso(slot) if slot is not None else event.start
    return derived_id(FORMAT, uid or event.name, key, "" if uid else (_link(event) or ""))


def _expand(series: Series, today: dt.date) -> Iterator[EventDetail]:
    calendar = icalendar.Calendar()
    for component in (*series.timezones, series.main, *series.overrides):
        calendar.add_component(component)
    first, last = today - WINDOW_BEFORE, today + WINDOW_AFTER
    uid = _uid(series.main)
    count = 0
    try:
        for occurrence in recurring_ical_events.of(calendar).after(first):
            start = _when(occurrence, "DTSTART")
            if start is None or _day(start) > last or count >= MAX_OCCURRENCES:
                break
            event = _event(occurrence, "")
            yield _with_id(event, _occurrence_id(occurrence, uid, event))
            count += 1
    except _BROKEN as exc:
        raise RecordProblem("RRULE", f"cannot be expanded ({exc})") from None


def parse_series(series: Series, today: dt.date) -> Iterator[EventDetail]:
    """The events of one record: one, or each occurrence of a series within the window."""
    if not _recurs(series.main):
        yield _single(series.main)
        return
    _event(series.main, "x")  # validate the series itself, so a broken one names its field
    yield from _expand(series, today)
