"""iCalendar series: expansion bounded in time and count, forward from today, cuts reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events  # type: ignore[import-untyped]

from eventchat.store.importers import ImportBatch, parse_file
from eventchat.store.importers.ical import MAX_OCCURRENCES, MAX_PAST, WINDOW_AFTER, WINDOW_BEFORE

TODAY = dt.date(2026, 12, 3)


def _write(tmp_path: Path, *events: str, head: str = "", name: str = "cal.ics") -> Path:
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    path = tmp_path / name
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{head}{body}END:VCALENDAR\n"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    return path


def _parse(path: Path) -> ImportBatch:
    return parse_file(path, today=TODAY)


def _library_starts(path: Path) -> list[dt.datetime]:
    """What recurring-ical-events itself finds in the import window, as UTC instants."""
    calendar = icalendar.Calendar.from_ical(path.read_text())
    now = dt.datetime.combine(TODAY, dt.time())
    found = recurring_ical_events.of(calendar).between(now - WINDOW_BEFORE, now + WINDOW_AFTER)
    return sorted(_instant(o.decoded("DTSTART")) for o in found)


def _instant(value: dt.date) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(), dt.UTC)
    return value.astimezone(dt.UTC)


def _starts(batch: ImportBatch) -> list[dt.datetime]:
    return sorted(_instant(dt.datetime.fromisoformat(e.start)) for e in batch.events)


@pytest.mark.parametrize(
    ("rule", "first_past"),
    [
        ("FREQ=DAILY", "2026-08-25"),  # the reported hang: an endless all-day daily series
        ("FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR", "2026-07-16"),  # and an all-day Mon-Fri yearly one
    ],
)
def test_endless_all_day_series_stops_at_the_cap(
    tmp_path: Path, rule: str, first_past: str
) -> None:
    path = _write(
        tmp_path, f"UID:d@x\nSUMMARY:Daily Sync\nDTSTART;VALUE=DATE:20200101\nRRULE:{rule}"
    )

    batch = _parse(path)

    ahead = [e for e in batch.events if e.start >= TODAY.isoformat()]
    assert len(ahead) == MAX_OCCURRENCES  # counted from today on
    assert ahead[0].start == TODAY.isoformat()
    assert len(batch.events) == MAX_OCCURRENCES + MAX_PAST  # the year before: bounded extra
    assert batch.events[0].start == first_past
    assert all(len(e.start) == 10 for e in batch.events)  # all-day events stay dates
    assert len({e.id for e in batch.events}) == len(batch.events)
    assert {e.series for e in batch.events} == {"ical:d@x"}
    assert batch.errors == []
    assert batch.notes == [
        f"kept 100 occurrences of 'Daily Sync' from 2026-12-03 "
        f"and the last 100 before 2026-12-03 (since {first_past})"
    ]


def test_a_series_starting_today_keeps_no_past_and_says_where_it_was_cut(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "UID:s@x\nSUMMARY:Daily Sync\nDTSTART:20261203T090000Z\nRRULE:FREQ=DAILY"
    )

    batch = _parse(path)

    assert len(batch.events) == MAX_OCCURRENCES
    assert batch.notes == ["kept 100 occurrences of 'Daily Sync' from 2026-12-03"]


def test_a_series_past_the_horizon_says_so(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "UID:m@x\nSUMMARY:Monthly\nDTSTART;VALUE=DATE:20261215\nRRULE:FREQ=MONTHLY"
    )

    batch = _parse(path)

    starts = [e.start for e in batch.events]
    assert (starts[0], starts[-1], len(starts)) == ("2026-12-15", "2028-11-15", 24)
    assert batch.notes == [
        "kept 24 occurrences of 'Monthly' from 2026-12-03 to 2028-12-01, where the import window "
        "ends (the next is on 2028-12-15)"
    ]


def test_a_series_that_ended_before_the_window_is_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:o@x\nSUMMARY:Old Series\nDTSTART:20200106T100000Z\n"
        "RRULE:FREQ=WEEKLY;UNTIL=20240501T000000Z",
        "UID:f@x\nSUMMARY:Far Series\nDTSTART;VALUE=DATE:20300101\nRRULE:FREQ=YEARLY",
    )

    batch = _parse(path)

    assert batch.events == []
    assert batch.errors == []
    assert batch.notes == [
        "'Old Series' ended on 2024-04-29, before the import window (2025-12-03 … 2028-12-01): "
        "nothing imported",
        "'Far Series' starts on 2030-01-01, after the import window (2025-12-03 … 2028-12-01): "
        "nothing imported",
    ]


def test_a_finite_series_matches_the_library(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:w@x\nSUMMARY:Weekly\nDTSTART;TZID=Europe/Berlin:20260105T190000\n"
        "DTEND;TZID=Europe/Berlin:20260105T210000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=150\n"
        "RDATE;TZID=Europe/Berlin:20261205T110000\nEXDATE;TZID=Europe/Berlin:20261207T190000",
    )

    batch = _parse(path)

    assert _starts(batch) == _library_starts(path)
    assert batch.notes == []
    assert "2026-12-05T11:00:00+01:00" in [e.start for e in batch.events]  # the RDATE
    assert "2026-12-07T19:00:00+01:00" not in [e.start for e in batch.events]  # the EXDATE


def test_several_occurrences_a_day_have_distinct_stable_ids(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:h@x\nSUMMARY:Shift\nDTSTART:20261204T060000Z\nRRULE:FREQ=HOURLY;INTERVAL=8;COUNT=9",
    )

    first, again = _parse(path), _parse(path)

    assert len(first.events) == 9
    assert len({e.id for e in first.events}) == 9
    assert [e.id for e in first.events] == [e.id for e in again.events]


def test_a_rule_too_dense_to_walk_is_refused_not_hung(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:m@x\nSUMMARY:Ticker\nDTSTART:20200101T000000Z\nRRULE:FREQ=MINUTELY",
        "UID:n@x\nSUMMARY:Ticker today\nDTSTART:20261203T000000Z\nRRULE:FREQ=SECONDLY",
    )

    batch = _parse(path)

    (error,) = map(str, batch.errors)
    assert error.startswith("cal.ics record 1 (\"Ticker\"): 'RRULE' repeats too often to expand")
    assert len(batch.events) == MAX_OCCURRENCES  # the one that starts today is cheap


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "'RRULE' never occurs"),
        ("FREQ=WEEKLY;BYDAY=SA;BYSETPOS=3", "'RRULE' never occurs"),
    ],
)
def test_a_rule_that_never_occurs_is_refused(tmp_path: Path, rule: str, problem: str) -> None:
    path = _write(tmp_path, f"UID:x@x\nSUMMARY:Never\nDTSTART:20200101T100000Z\nRRULE:{rule}")

    batch = _parse(path)

    assert batch.events == []
    assert problem in str(batch.errors[0])
