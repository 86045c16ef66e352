"""iCalendar (``.ics``) files: every VEVENT, recurring ones expanded within a bounded window.

``icalendar`` parses the file, ``x-wr-timezone`` applies a calendar-wide X-WR-TIMEZONE, and
``recurring-ical-events`` expands RRULE/RDATE series with their EXDATEs and changed occurrences
(RECURRENCE-ID, also ``RANGE=THISANDFUTURE``), each occurrence an event of its own.

The window runs from :data:`WINDOW_BEFORE` before ``today`` to :data:`WINDOW_AFTER` after it. A
series keeps at most :data:`MAX_OCCURRENCES` occurrences from today on and at most
:data:`MAX_PAST` of the year before; the expansion asks the library for one stretch of time after
another and stops at those caps, so an endless daily series costs no more than a weekly one, and
a rule too dense to walk (a minutely one since 2020) is refused rather than left to hang. What is
cut is said in ``batch.notes`` ("kept 100 occurrences of 'Daily Sync' from 2026-12-03"), and so is
a series with nothing in the window ("'Old Series' ended on 2024-05-01, before …").

RFC 5545 choices: of several versions of one UID (and RECURRENCE-ID) the highest SEQUENCE wins,
then the latest DTSTAMP (the others count in ``batch.duplicates``); changed occurrences whose
series is not in the file are events of their own; an empty ``RRULE:`` is no rule; cancelled
events (STATUS:CANCELLED) are not imported but counted in ``batch.cancelled``, and a changed
occurrence that is cancelled removes that occurrence. A file that breaks off before
END:VCALENDAR keeps its complete events and gets an error naming the file. Warnings of the
libraries never reach the terminal: they become part of the record's error, or a note.

Times: an all-day event is a date (DTEND is exclusive, so the last day is the day before); a
timed one an ISO date-time in the zone where it happens (its TZID, else the calendar's
X-WR-TIMEZONE, else its place's zone, else ``data import --tz``), stored in ``timezone``, so a
UTC time lands on the local day. LOCATION (with GEO) goes through :func:`.places.resolve_place`;
a place it cannot read stays venue text, said once per file in the notes. ORGANIZER, ATTENDEE and
CONTACT are never read.

Ids derive from the UID (plus, for an occurrence, the slot it has in its series, a date-time
with its time) so importing the calendar again updates the same events; every occurrence of a
series carries ``series="ical:<UID>"``. The source is ``"import:icalendar"``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
import re
import warnings
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]
import x_wr_timezone  # type: ignore[import-untyped]
from recurring_ical_events.errors import PeriodEndBeforeStart  # type: ignore[import-untyped]

from eventchat.errors import ImportRecordError, UsageError
from eventchat.models import EventDetail, EventLinks
from eventchat.store.importers.batch import ImportBatch, RecordProblem, RecordRef
from eventchat.store.importers.fields import (
    derived_id,
    finish,
    http_url,
    occurrence_id,
    tags,
    text,
)
from eventchat.store.importers.places import (
    IMPORT_ZONE,
    Place,
    local_time,
    resolve_place,
    valid_zone,
)
from eventchat.store.importers.places import fields as place_fields

SOURCE = "import:icalendar"
FORMAT = "icalendar"
MAX_OCCURRENCES = 100  # per series, counted from today on
MAX_PAST = 100  # per series, of the year before today (the closest to today)
WINDOW_BEFORE = dt.timedelta(days=365)
WINDOW_AFTER = dt.timedelta(days=730)
# The repetitions dateutil may walk from a series' DTSTART to today: it always starts there, so
# a dense rule that began long ago would take minutes (FREQ=MINUTELY since 2020: 3.6 million).
MAX_STEPS = 100_000
# What icalendar and recurring-ical-events raise on broken input (mostly ValueError subclasses).
_BROKEN = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)
_LIBRARIES = ("icalendar", "recurring_ical_events", "x_wr_timezone", "dateutil")
# Properties RFC 5545 allows once per VEVENT; a second one is a mistake, not a choice.
_ONCE = (
    "UID",
    "DTSTART",
    "DTEND",
    "DURATION",
    "RECURRENCE-ID",
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "GEO",
    "URL",
    "STATUS",
    "SEQUENCE",
)
# What a broken value of a property the import reads means (icalendar names the detail).
_REASONS = {
    "DTSTART": "is not a date or date-time",
    "DTEND": "is not a date or date-time",
    "RECURRENCE-ID": "is not a date or date-time",
    "DURATION": "is not a duration",
    "RRULE": "is not a valid recurrence rule",
    "RDATE": "is not a list of dates, date-times or periods",
    "EXDATE": "is not a list of dates or date-times",
}
_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Z"})
_DAY_SECONDS = 86_400
_PERIOD_DAYS = {"WEEKLY": 7, "MONTHLY": 28, "YEARLY": 365}
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass
class _File:
    """What one file's records share: its batch, and the notes said once per file."""

    name: str
    batch: ImportBatch
    unplaced: list[str] = field(default_factory=list)
    said: set[str] = field(default_factory=set)
    _place_note: int | None = None

    def note(self, line: str) -> None:
        """A line for ``batch.notes``, once."""
        if line not in self.said:
            self.said.add(line)
            self.batch.notes.append(line)

    def unresolved(self, location: str) -> None:
        """A LOCATION resolve_place could not read: one note for the file, naming them."""
        if location in self.unplaced:
            return
        self.unplaced.append(location)
        shown = ", ".join(f"'{place[:60]}'" for place in self.unplaced[:3])
        more = f" and {len(self.unplaced) - 3:,} more" if len(self.unplaced) > 3 else ""
        count = len(self.unplaced)
        line = (
            f"{count:,} {'place' if count == 1 else 'places'} not recognised, kept as venue "
            f"text: {shown}{more}"
        )
        if self._place_note is None:
            self._place_note = len(self.batch.notes)
            self.batch.notes.append(line)
        else:
            self.batch.notes[self._place_note] = line


@dataclass
class Series:
    """One VEVENT, or a recurring VEVENT with the occurrences it changes, and its calendar."""

    main: icalendar.Component
    timezones: list[icalendar.Component]
    source: _File
    ref: RecordRef
    overrides: list[icalendar.Component] = field(default_factory=list)
    zone: str | None = None  # the calendar's X-WR-TIMEZONE, when it is a known zone
    scale: str | None = None  # a CALSCALE other than GREGORIAN


def looks_like_ical(content: str) -> bool:
    """Whether a file is iCalendar: it opens with ``BEGIN:VCALENDAR``."""
    return content.lstrip()[:15].upper() == "BEGIN:VCALENDAR"


# ---------------------------------------------------------------------------------------------
# Reading the file


def records(file: str, content: str, batch: ImportBatch) -> Iterator[tuple[RecordRef, Series]]:
    """One record per VEVENT (a recurring one with its changed occurrences), in file order.

    Of several versions of one event only the latest is a record; the others count in
    ``batch.duplicates``. A file that breaks off gets an error in ``batch.errors``.
    """
    complete, broken_off = _complete(content)
    with _listening() as heard:
        try:
            calendars = icalendar.Calendar.from_ical(complete, multiple=True)
        except _BROKEN as exc:
            raise UsageError(f"{file} is not a valid iCalendar file ({exc})") from None
    if broken_off is not None:
        batch.errors.append(ImportRecordError(f"{file}: {broken_off}"))
        batch.incomplete = broken_off
    source = _File(file, batch)
    for message in heard:
        source.note(message)
    entries: list[_Entry] = []
    for original in calendars:
        with _listening() as heard:
            calendar, zone = _standard(original, source)
        for message in heard:
            source.note(message)
        scale = str(calendar.get("CALSCALE") or "GREGORIAN").strip().upper()
        zones = list(calendar.walk("VTIMEZONE"))
        for event in calendar.walk("VEVENT"):
            entries.append(_Entry(len(entries) + 1, event, zones, zone, scale))
    latest = _latest(entries, batch)
    masters = {
        uid
        for entry in latest
        if "RECURRENCE-ID" not in entry.event
        and _recurs(entry.event)
        and (uid := _uid(entry.event))
    }
    overrides: dict[str, list[icalendar.Component]] = {}
    for entry in latest:
        uid = _uid(entry.event)
        if "RECURRENCE-ID" in entry.event and uid in masters:
            overrides.setdefault(uid or "", []).append(entry.event)
    for entry in latest:
        event, uid = entry.event, _uid(entry.event)
        if "RECURRENCE-ID" in event and uid in masters:
            continue  # expanded with its series
        ref = RecordRef(file, entry.number, text(str(_first(event, "SUMMARY") or "")))
        changes = overrides.get(uid or "", []) if "RECURRENCE-ID" not in event else []
        other = entry.scale if entry.scale != "GREGORIAN" else None
        yield ref, Series(event, entry.zones, source, ref, changes, entry.zone, other)


@dataclass(frozen=True)
class _Entry:
    """A VEVENT where the file has it: its number, and its calendar's zones and scale."""

    number: int
    event: icalendar.Component
    zones: list[icalendar.Component]
    zone: str | None
    scale: str


def _complete(content: str) -> tuple[str, str | None]:
    """The file up to its last complete component, closed, and what was missing (or None)."""
    lines = re.split(r"\r\n|\r|\n", content)
    stack: list[str] = []
    cut = 0  # the lines before this one hold only complete components
    for number, line in enumerate(lines, start=1):
        if line[:1] in (" ", "\t"):  # a folded line continues the one before
            if cut == number - 1:
                cut = number
            continue
        key, _, value = line.partition(":")
        name = value.strip().upper()
        key = key.strip().upper()
        if key == "BEGIN":
            stack.append(name)
        elif key == "END" and name in stack:
            while stack.pop() != name:
                pass
        if len(stack) <= 1:
            cut = number
    if not stack:
        return content, None
    inside = f" inside a {stack[-1]}" if len(stack) > 1 else ""
    problem = (
        f"not a complete iCalendar file: it breaks off{inside} without END:VCALENDAR, so only "
        "the complete events before that are imported"
    )
    kept = lines[:cut]
    if stack[0] == "VCALENDAR":
        kept.append("END:VCALENDAR")
    return "\r\n".join(kept) + "\r\n", problem


def _standard(calendar: icalendar.Calendar, source: _File) -> tuple[icalendar.Calendar, str | None]:
    """Apply X-WR-TIMEZONE (Google Calendar exports name the zone only there) to the times."""
    named = calendar.get("X-WR-TIMEZONE")
    if named is None:
        return calendar, None
    zone = valid_zone(str(named))
    if zone is None:
        source.note(f"X-WR-TIMEZONE '{named}' is not a known time zone: ignored")
        return calendar, None
    try:
        standard: icalendar.Calendar = x_wr_timezone.to_standard(
            calendar, timezone=zoneinfo.ZoneInfo(zone)
        )
    except _BROKEN as exc:
        source.note(f"X-WR-TIMEZONE '{named}' could not be applied ({exc}): ignored")
        return calendar, None
    # x-wr-timezone copies the events it changes, and the copies lose what icalendar noted
    # about broken values: carry that over, so a broken RDATE is still named as one.
    before, after = calendar.walk("VEVENT"), standard.walk("VEVENT")
    if len(before) == len(after):
        for old, new in zip(before, after, strict=True):
            if new is not old and old.errors and not new.errors:
                new.errors = list(old.errors)
    return standard, zone


def _latest(entries: list[_Entry], batch: ImportBatch) -> list[_Entry]:
    """The events in file order, one per UID and RECURRENCE-ID: the latest version of each."""
    best: dict[tuple[str, str], _Entry] = {}
    for entry in entries:
        uid = _uid(entry.event)
        slot = _slot_text(_first(entry.event, "RECURRENCE-ID"))
        key = (uid, slot) if uid else ("", f"#{entry.number}")
        held = best.get(key)
        if held is not None:
            batch.duplicates += 1
            if _version(entry.event) < _version(held.event):
                continue
        best[key] = entry
    return sorted(best.values(), key=lambda entry: entry.number)


def _version(event: icalendar.Component) -> tuple[int, float]:
    """(SEQUENCE, DTSTAMP): the larger is the later version; a tie goes to the later one."""
    try:
        sequence = int(str(_first(event, "SEQUENCE") or 0))
    except ValueError:
        sequence = 0
    stamp = getattr(_first(event, "DTSTAMP"), "dt", None)
    if isinstance(stamp, dt.datetime):
        moment = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
        return sequence, moment.timestamp()
    return sequence, float("-inf")


def _where(ref: RecordRef) -> str:
    """A record in a note (the notes are printed after the file's name): ``record 3 ("X")``."""
    return ref.label().removeprefix(f"{ref.file} ")


def _first(component: icalendar.Component | icalendar.vRecur, prop: str) -> Any:
    value = component.get(prop)
    return value[0] if isinstance(value, list) and value else value


def _uid(component: icalendar.Component) -> str | None:
    return text(str(_first(component, "UID") or ""))


def _slot_text(prop: Any) -> str:
    """A RECURRENCE-ID as text that is the same for one instant however it is written."""
    if prop is None:
        return ""
    value = getattr(prop, "dt", None)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(prop)


def _rules(component: icalendar.Component) -> list[Any]:
    """The RRULEs, without empty ones (``RRULE:`` is no rule)."""
    return [rule for rule in _many(component, "RRULE") if not _empty_rule(rule)]


def _empty_rule(rule: Any) -> bool:
    if isinstance(rule, icalendar.vRecur):
        return not rule
    return not str(rule).strip()


def _recurs(event: icalendar.Component) -> bool:
    return bool(_rules(event)) or "RDATE" in event


# ---------------------------------------------------------------------------------------------
# Library warnings


class _Heard(logging.Handler):
    def __init__(self, heard: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.heard = heard

    def emit(self, record: logging.LogRecord) -> None:
        _hear(self.heard, record.getMessage())


def _hear(heard: list[str], message: str) -> None:
    line = " ".join(message.split())
    if line and line not in heard:
        heard.append(line)


@contextlib.contextmanager
def _listening() -> Iterator[list[str]]:
    """What the libraries warn or log meanwhile, as lines, instead of on the terminal."""
    heard: list[str] = []
    handler = _Heard(heard)
    loggers = [logging.getLogger(name) for name in _LIBRARIES]
    propagate = [logger.propagate for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield heard
            finally:
                for warning in caught:
                    _hear(heard, str(warning.message))
    finally:
        for logger, was in zip(loggers, propagate, strict=True):
            logger.removeHandler(handler)
            logger.propagate = was


# ---------------------------------------------------------------------------------------------
# One record


def parse_series(series: Series, today: dt.date) -> Iterator[EventDetail]:
    """The events of one record: one, or each occurrence of a series within the window."""
    heard: list[str] = []
    try:
        with _listening() as heard:
            events = _parse(series, today)
    except RecordProblem as exc:
        if heard:
            raise RecordProblem(exc.field, f"{exc.problem} ({'; '.join(heard)})") from None
        raise
    for message in heard:
        series.source.note(f"{_where(series.ref)}: {message}")
    return iter(events)


def _parse(series: Series, today: dt.date) -> list[EventDetail]:
    main = series.main
    _check(main)
    if series.scale is not None:
        raise RecordProblem(
            "CALSCALE", f"{series.scale} unsupported: only Gregorian calendars can be imported"
        )
    if _cancelled(main):
        series.source.batch.cancelled += 1
        return []
    uid = _uid(main)
    if "RECURRENCE-ID" in main and uid:
        # A changed occurrence whose series is not in the file: an event of its own.
        slot = _when(main, "RECURRENCE-ID")
        key = slot.isoformat() if slot is not None else ""
        return [_event(main, series, derived_id(FORMAT, uid, key), f"ical:{uid}")]
    if not _recurs(main):
        return [_event(main, series, derived_id(FORMAT, uid) if uid else "", None)]
    return _expand(series, today)


def _check(component: icalendar.Component) -> None:
    """A property given twice, or a broken value of one the import reads, names itself."""
    for prop in _ONCE:
        value = component.get(prop)
        if isinstance(value, list):
            raise RecordProblem(
                prop, "given twice" if len(value) == 2 else f"given {len(value)} times"
            )
    for prop, message in getattr(component, "errors", None) or ():
        reason = _REASONS.get(str(prop).upper())
        if reason is not None:
            raise RecordProblem(str(prop).upper(), f"{reason} ({message})")


def _cancelled(component: icalendar.Component) -> bool:
    return str(_first(component, "STATUS") or "").strip().upper() == "CANCELLED"


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


def _own_zone(value: dt.datetime, component: icalendar.Component, prop: str) -> str | None:
    """The IANA zone a date-time is written in (its TZID), unless that is just UTC."""
    key = getattr(value.tzinfo, "key", None)
    zone = valid_zone(key) if isinstance(key, str) else None
    if zone is None:
        prop_value = _first(component, prop)
        params = getattr(prop_value, "params", None) or {}
        zone = valid_zone(str(params.get("TZID") or "")) if "TZID" in params else None
    return None if zone is None or zone in _UTC_KEYS else zone


def _dates(component: icalendar.Component, hint: str | None) -> tuple[str, str | None, str | None]:
    """start, end (ISO) and the zone they are local times in; ``hint`` when no TZID says."""
    start = _when(component, "DTSTART")
    if start is None:
        raise RecordProblem("DTSTART", "is missing")
    end = _when(component, "DTEND")
    if end is None and "DURATION" in component:
        try:
            end = start + _duration(component)
        except OverflowError:
            raise RecordProblem("DURATION", "is out of range") from None
    if not isinstance(start, dt.datetime):
        if end is not None and not isinstance(end, dt.datetime):
            # DTEND of an all-day event is exclusive: the event's last day is the day before.
            end = max(start, end - dt.timedelta(days=1)) if end > dt.date.min else start
        if end is not None and _day(end) < start:
            raise RecordProblem("DTEND", "is before DTSTART")
        zone = valid_zone(hint) or valid_zone(IMPORT_ZONE.get())
        return start.isoformat(), end.isoformat() if end is not None else None, zone
    if end is not None and _day(end) < _day(start):
        raise RecordProblem("DTEND", "is before DTSTART")
    wanted = _own_zone(start, component, "DTSTART") or hint
    start_text, zone = local_time(start, wanted)
    if end is None:
        return start_text, None, zone
    if isinstance(end, dt.datetime):
        end_text, _ = local_time(end, zone or wanted)
    else:
        end_text = end.isoformat()
    return start_text, end_text, zone


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


def _geo(component: icalendar.Component, series: Series) -> tuple[float, float] | None:
    """GEO as (latitude, longitude); a broken one is noted and left out, not fatal."""
    value = component.get("GEO")
    if value is None:
        return None
    try:
        latitude, longitude = float(value.latitude), float(value.longitude)
    except _BROKEN:  # icalendar's BrokenCalendarProperty is a ValueError
        latitude = longitude = float("nan")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        series.source.note(
            f"{_where(series.ref)}: 'GEO' is not a latitude;longitude pair "
            f"({str(value.to_ical(), 'utf-8', 'replace') if hasattr(value, 'to_ical') else value})"
            ": ignored"
        )
        return None
    return latitude, longitude


def _place(component: icalendar.Component, series: Series) -> Place:
    """LOCATION (and GEO) read by resolve_place; what it cannot read stays venue text."""
    location = text(str(component.get("LOCATION") or ""))
    geo = _geo(component, series)
    if location is None and geo is None:
        return Place()
    place = resolve_place(location, geo=geo)
    if location is not None and not place.resolved and not place.online:
        series.source.unresolved(location)
    return place


def _event(
    component: icalendar.Component, series: Series, event_id: str, key: str | None
) -> EventDetail:
    name = text(str(component.get("SUMMARY") or ""))
    if name is None:
        raise RecordProblem("SUMMARY", "is missing")
    place = _place(component, series)
    start, end, zone = _dates(component, series.zone or place.timezone)
    images = [url for url in (http_url(str(v)) for v in _many(component, "IMAGE")) if url]
    url = http_url(str(component.get("URL") or ""))
    event_id = event_id or occurrence_id(name, start, url)
    return finish(
        EventDetail(
            id=event_id,
            name=name,
            start=start,
            end=end,
            description=text(str(component.get("DESCRIPTION") or "")),
            tags=_categories(component),
            source=SOURCE,
            timezone=zone,
            series=key,
            online=place.online,
            links=EventLinks(id=event_id, url=url, images=images),
            **place_fields(place),
        )
    )


# ---------------------------------------------------------------------------------------------
# Expanding a series


def _expand(series: Series, today: dt.date) -> list[EventDetail]:
    source, main = series.source, series.main
    name = text(str(main.get("SUMMARY") or ""))
    if name is None:
        raise RecordProblem("SUMMARY", "is missing")
    main_start = _when(main, "DTSTART")
    if main_start is None:
        raise RecordProblem("DTSTART", "is missing")
    _event(main, series, "x", None)  # the series itself must be a valid event
    master = _gregorian(main)
    density = _check_rules(master, main_start, today)
    changes = []
    for override in series.overrides:
        try:
            _check(override)
            _event(override, series, "x", None)
        except RecordProblem as exc:
            slot = _slot_text(_first(override, "RECURRENCE-ID"))
            source.batch.errors.append(series.ref.error(f"its change of {slot}: {exc}"))
            continue
        changes.append(override)
    calendar = icalendar.Calendar()
    for component in (*series.timezones, master, *changes):
        calendar.add_component(component)
    blame = "RRULE" if _rules(master) else "RDATE"
    try:
        query = recurring_ical_events.of(calendar)
        found = _window(query, series, changes, main_start, density, today)
    except PeriodEndBeforeStart:
        raise RecordProblem(*_backwards(master)) from None
    except _BROKEN as exc:
        raise RecordProblem(blame, f"cannot be expanded ({exc})") from None
    uid = _uid(main)
    key = f"ical:{uid}" if uid else f"ical:{derived_id(FORMAT, name, main_start.isoformat())}"
    link = http_url(str(main.get("URL") or "")) or ""
    events = []
    endless = "DTEND" not in main and "DURATION" not in main
    for slot, occurrence in found:
        if endless and occurrence.get("DTEND") == occurrence.get("DTSTART"):
            del occurrence["DTEND"]  # the library's, not the file's: a start alone stays so
        event = _event(occurrence, series, "", key)
        event_id = derived_id(FORMAT, uid or event.name, slot, "" if uid else link)
        links = event.links.model_copy(update={"id": event_id}) if event.links else None
        events.append(event.model_copy(update={"id": event_id, "links": links}))
    return events


def _backwards(master: icalendar.Component) -> tuple[str, str]:
    """Which property has an end before its start, when the library finds one."""
    for value in _many(master, "RDATE"):
        for period in getattr(value, "dts", None) or ():
            begin, end = period.dt if isinstance(period.dt, tuple) else (period.dt, None)
            with contextlib.suppress(TypeError):
                if isinstance(end, dt.date) and end < begin:
                    return "RDATE", f"has a period that ends before it starts ({begin} to {end})"
    return "DTEND", "is before DTSTART"


def _gregorian(main: icalendar.Component) -> icalendar.Component:
    """The master as the library can expand it: no empty RRULE, no RSCALE=GREGORIAN."""
    rules = _many(main, "RRULE")
    kept = []
    for rule in rules:
        if _empty_rule(rule):
            continue
        usable = rule
        if isinstance(rule, icalendar.vRecur) and "RSCALE" in rule:
            scale = str(_first(rule, "RSCALE")).upper()
            if scale != "GREGORIAN":
                raise RecordProblem(
                    "RRULE", f"RSCALE unsupported (RSCALE={scale}): only Gregorian rules expand"
                )
            usable = icalendar.vRecur(
                {k: v for k, v in rule.items() if k not in ("RSCALE", "SKIP")}
            )
        kept.append(usable)
    if len(kept) == len(rules) and all(a is b for a, b in zip(kept, rules, strict=True)):
        return main
    master = main.copy()
    del master["RRULE"]
    for rule in kept:
        master.add("RRULE", rule)
    for sub in main.subcomponents:
        master.add_component(sub)
    return master


def _check_rules(master: icalendar.Component, start: dt.date, today: dt.date) -> float:
    """Refuse rules that cannot occur or are too dense to walk; the occurrences per day."""
    density = 0.0
    steps = 0.0
    for rule in _rules(master):
        if not isinstance(rule, icalendar.vRecur):
            raise RecordProblem("RRULE", "is not a valid recurrence rule")
        freq = str(_first(rule, "FREQ") or "").upper()
        if not freq:
            raise RecordProblem("RRULE", "has no FREQ")
        try:
            interval = max(1, int(_first(rule, "INTERVAL") or 1))
            count = int(_first(rule, "COUNT")) if "COUNT" in rule else None
        except (TypeError, ValueError):
            raise RecordProblem("RRULE", "has an INTERVAL or COUNT that is not a number") from None
        _check_possible(rule, freq)
        per_day = _per_day(rule, freq, interval)
        density = max(density, per_day)
        until = _first(rule, "UNTIL")
        stop = min(today, _day(until)) if isinstance(until, dt.date) else today
        walked = per_day * max(1, (stop - _day(start)).days + 1) + MAX_OCCURRENCES
        steps += min(walked, count) if count is not None else walked
    if steps > MAX_STEPS:
        raise RecordProblem(
            "RRULE",
            f"repeats too often to expand: about {int(steps):,} repetitions from DTSTART "
            f"{_day(start)} on (at most {MAX_STEPS:,})",
        )
    return density or 1.0


def _check_possible(rule: icalendar.vRecur, freq: str) -> None:
    """Refuse rules that never occur, which dateutil would search for up to the year 9999:
    a BYMONTHDAY no month of BYMONTH has, a BYSETPOS past what each period holds."""
    try:
        months = [int(m) for m in rule.get("BYMONTH") or range(1, 13)]
        days = [int(d) for d in rule.get("BYMONTHDAY") or []]
        positions = [int(p) for p in rule.get("BYSETPOS") or []]
    except (TypeError, ValueError):
        raise RecordProblem(
            "RRULE", "has a BYMONTH, BYMONTHDAY or BYSETPOS that is no number"
        ) from None
    if any(not 1 <= month <= 12 for month in months):
        raise RecordProblem("RRULE", "has a BYMONTH outside 1 to 12")
    longest = max(_MONTH_DAYS[month - 1] for month in months)
    if days and all(not 1 <= abs(day) <= longest for day in days):
        raise RecordProblem(
            "RRULE", "never occurs: no month it names has the days BYMONTHDAY names"
        )
    held = _per_period(rule, freq)
    if positions and held is not None and all(not 1 <= abs(p) <= held for p in positions):
        raise RecordProblem(
            "RRULE", f"never occurs: BYSETPOS asks for more than the {held} each period holds"
        )


def _per_period(rule: icalendar.vRecur, freq: str) -> int | None:
    """How many times at most one period of a rule holds, when that is simple to tell."""

    def size(part: str) -> int:
        return len(rule.get(part) or []) or 1

    times = size("BYHOUR") * size("BYMINUTE") * size("BYSECOND")
    weekdays = [str(day) for day in rule.get("BYDAY") or []]
    in_month = max(1, sum(1 if day[:1] in "+-0123456789" else 5 for day in weekdays))
    held = {
        "SECONDLY": 1,
        "MINUTELY": size("BYSECOND"),
        "HOURLY": size("BYMINUTE") * size("BYSECOND"),
        "DAILY": times,
        "WEEKLY": size("BYDAY") * times,
        "MONTHLY": (size("BYMONTHDAY") if rule.get("BYMONTHDAY") else in_month) * times,
    }
    return held.get(freq)


def _count(n: int) -> str:
    return "1 occurrence" if n == 1 else f"{n:,} occurrences"


def _per_day(rule: icalendar.vRecur, freq: str, interval: int) -> float:
    """At most how many occurrences a rule has in a day (an upper bound, for pacing)."""

    def size(part: str) -> int:
        return len(rule.get(part) or []) or 1

    if freq == "SECONDLY":
        return _DAY_SECONDS / interval
    if freq == "MINUTELY":
        return 1440 / interval * size("BYSECOND")
    if freq == "HOURLY":
        return 24 / interval * size("BYMINUTE") * size("BYSECOND")
    times = size("BYHOUR") * size("BYMINUTE") * size("BYSECOND")
    if freq == "DAILY" or any(
        rule.get(p) for p in ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")
    ):
        return times / (interval if freq == "DAILY" else 1)
    return times * size("BYMONTH") / (_PERIOD_DAYS.get(freq, 1) * interval)


def _window(
    query: Any,
    series: Series,
    changes: list[icalendar.Component],
    main_start: dt.date,
    density: float,
    today: dt.date,
) -> list[tuple[str, icalendar.Component]]:
    """The occurrences to import as (slot, component), in time order; notes what was cut."""
    name = text(str(series.main.get("SUMMARY") or "")) or "?"
    now = dt.datetime.combine(today, dt.time())
    low, high = now - WINDOW_BEFORE, now + WINDOW_AFTER
    slot = _slotter(series.main, main_start, changes)
    pace = dt.timedelta(days=min(WINDOW_AFTER.days, max(1 / 1440, MAX_OCCURRENCES / density)))

    ahead = _walk(query, (now, high), MAX_OCCURRENCES, pace, slot, forward=True)
    kept_ahead, cancelled, cut_ahead = _take(ahead, MAX_OCCURRENCES, slot)
    taken = {slot(c) for c in ahead}
    behind = _walk(query, (low, now), MAX_PAST, pace, slot, forward=False, seen=taken)
    kept_behind, cancelled_behind, cut_behind = _take(behind, MAX_PAST, slot)
    series.source.batch.cancelled += cancelled + cancelled_behind

    if not kept_ahead and not kept_behind:
        if not cancelled + cancelled_behind:
            series.source.note(_nothing(query, name, main_start, (low, high), slot))
        return []
    last_day = (high - dt.timedelta(days=1)).date()
    parts = []
    if cut_ahead:
        parts.append(f"kept {_count(len(kept_ahead))} of '{name}' from {today}")
    elif (later := _continues(query, high, taken, slot)) is not None:
        kept = f"kept {_count(len(kept_ahead))}" if kept_ahead else "no occurrence"
        parts.append(
            f"{kept} of '{name}' from {today} to {last_day}, where the import window ends "
            f"(the next is on {later})"
        )
    if cut_behind:
        since = _day(kept_behind[-1][1].decoded("DTSTART"))
        kept = "and" if parts else f"of '{name}' kept"
        parts.append(f"{kept} the last {len(kept_behind):,} before {today} (since {since})")
    if parts:
        series.source.note(" ".join(parts))
    found = kept_behind + kept_ahead
    return sorted(found, key=lambda item: _instant(item[1].decoded("DTSTART")))


def _slotter(
    main: icalendar.Component, main_start: dt.date, changes: list[icalendar.Component]
) -> Callable[[icalendar.Component], str]:
    """The slot an occurrence has in its series, as the text its id is made from.

    That is its RECURRENCE-ID (which the library sets to the start of an unchanged occurrence),
    in the zone of the series' DTSTART, so moving an occurrence keeps its id. An occurrence
    after a ``RANGE=THISANDFUTURE`` change carries that change's RECURRENCE-ID: its own slot is
    its start moved back by as much as the change moved the series.
    """
    zone = main_start.tzinfo if isinstance(main_start, dt.datetime) else None
    shifts: dict[str, dt.timedelta] = {}
    for change in changes:
        prop = _first(change, "RECURRENCE-ID")
        if str(prop.params.get("RANGE", "")).upper() != "THISANDFUTURE":
            continue
        with contextlib.suppress(*_BROKEN):
            moved = change.decoded("DTSTART") - prop.dt
            if isinstance(moved, dt.timedelta):
                shifts[_slot_text(prop)] = moved

    def slot(occurrence: icalendar.Component) -> str:
        prop = _first(occurrence, "RECURRENCE-ID")
        start = occurrence.decoded("DTSTART")
        value = getattr(prop, "dt", start)
        shift = shifts.get(_slot_text(prop)) if prop is not None else None
        if shift is not None:
            with contextlib.suppress(*_BROKEN):
                value = start - shift
        if zone is not None and isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(zone)
        return str(value.isoformat())

    return slot


def _instant(value: dt.date) -> dt.datetime:
    """A sort key for dates and date-times, aware or not."""
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _walk(
    query: Any,
    span: tuple[dt.datetime, dt.datetime],
    want: int,
    pace: dt.timedelta,
    slot: Callable[[icalendar.Component], str],
    *,
    forward: bool,
    seen: set[str] | None = None,
) -> list[icalendar.Component]:
    """The occurrences in ``span``, nearest its start (``forward``) or its end first.

    The library is asked for one stretch after another, doubling while they hold few, until
    more than ``want`` (not cancelled) are found or the span is covered: the cost follows what
    is kept, not how long the series runs.
    """
    low, high = span
    found: dict[str, icalendar.Component] = {}
    counted = 0
    edge = low if forward else high
    pace = min(pace, high - low)
    while (edge < high) if forward else (edge > low):
        begin, end = (edge, min(edge + pace, high)) if forward else (max(edge - pace, low), edge)
        new = 0
        for occurrence in query.between(begin, end):
            key = slot(occurrence)
            if key in found or (seen is not None and key in seen):
                continue
            found[key] = occurrence
            new += not _cancelled(occurrence)
        counted += new
        edge = end if forward else begin
        if counted > want:
            break
        if new * 2 < want:
            pace = min(pace * 2, high - low)
    return sorted(found.values(), key=lambda c: _instant(c.decoded("DTSTART")), reverse=not forward)


def _take(
    occurrences: list[icalendar.Component], want: int, slot: Callable[[icalendar.Component], str]
) -> tuple[list[tuple[str, icalendar.Component]], int, bool]:
    """The first ``want`` occurrences not cancelled (with their slots), the cancelled ones
    before them, and whether more were left."""
    kept: list[tuple[str, icalendar.Component]] = []
    cancelled = 0
    for occurrence in occurrences:
        if _cancelled(occurrence):
            cancelled += 1
            continue
        if len(kept) == want:
            return kept, cancelled, True
        kept.append((slot(occurrence), occurrence))
    return kept, cancelled, False


def _continues(
    query: Any, high: dt.datetime, kept: set[str], slot: Callable[[icalendar.Component], str]
) -> dt.date | None:
    """The day of the series' next occurrence after the window, if it has one."""
    for occurrence in itertools.islice(query.after(high), 3):
        if slot(occurrence) not in kept and not _cancelled(occurrence):
            return _day(occurrence.decoded("DTSTART"))
    return None


def _nothing(
    query: Any,
    name: str,
    start: dt.date,
    window: tuple[dt.datetime, dt.datetime],
    slot: Callable[[icalendar.Component], str],
) -> str:
    """The note for a series without an occurrence in the window."""
    low, high = window
    span = f"({low.date()} … {(high - dt.timedelta(days=1)).date()})"
    if _instant(start) >= high:
        return f"'{name}' starts on {_day(start)}, after the import window {span}: nothing imported"
    begin = min(_instant(start), low)
    if begin < low:
        pace = dt.timedelta(days=1)
        last = _walk(query, (begin, low), 0, pace, slot, forward=False)
        if last:
            ended = _day(last[0].decoded("DTSTART"))
            return f"'{name}' ended on {ended}, before the import window {span}: nothing imported"
    return f"'{name}' has no occurrence in the import window {span}: nothing imported"
