"""iCalendar: all-day and timed events, zones, locations, categories, bounded RRULE expansion."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from eventchat.models import EventDetail
from eventchat.store.importers import ImportBatch, parse_file
from eventchat.store.importers.ical import MAX_OCCURRENCES, MAX_PAST

TODAY = dt.date(2026, 1, 1)


@pytest.fixture
def batch(data_dir: Path) -> ImportBatch:
    """The sample calendar, parsed as of 2026-01-01."""
    return parse_file(data_dir / "meetups.ics", today=TODAY)


def _named(batch: ImportBatch, name: str) -> list[EventDetail]:
    return [event for event in batch.events if event.name == name]


def test_all_day_event_with_location_categories_and_url(batch: ImportBatch) -> None:
    (summit,) = _named(batch, "Open Source Summit")

    assert (summit.start, summit.end) == ("2026-03-01", "2026-03-03")  # DTEND is exclusive
    assert (summit.venue, summit.address, summit.locality, summit.country_code) == (
        "Messe Nord",
        "Halle 4",
        "Karlsruhe",
        "DE",
    )
    assert summit.timezone == "Europe/Berlin"  # the place's zone: an all-day event stays dates
    assert summit.tags == ["open source", "linux", "community"]
    assert summit.links is not None
    assert summit.links.url == "https://summit.example"
    assert summit.source == "import:icalendar"


def test_contacts_are_stripped_and_organizer_ignored(batch: ImportBatch) -> None:
    (summit,) = _named(batch, "Open Source Summit")

    assert summit.description == "Three days. Contact: [e-mail removed] / Tel. [phone removed]"
    dumped = summit.model_dump_json()
    assert "info@summit.example" not in dumped
    assert "123456" not in dumped
    assert "Summit Team" not in dumped


def test_tzid_keeps_its_offset_and_a_url_location_means_online(batch: ImportBatch) -> None:
    (talk,) = _named(batch, "Evening talk")

    assert (talk.start, talk.end) == ("2026-01-15T19:00:00+01:00", "2026-01-15T21:00:00+01:00")
    assert (talk.online, talk.venue, talk.address) == (True, None, None)


def test_utc_with_duration(batch: ImportBatch) -> None:
    (call,) = _named(batch, "Release call")

    assert (call.start, call.end) == ("2026-06-20T16:00:00+00:00", "2026-06-20T17:00:00+00:00")
    assert (call.venue, call.address, call.locality) == ("Rathausplatz 1", None, None)
    assert batch.notes.count("1 place not recognised, kept as venue text: 'Rathausplatz 1'") == 1


def test_weekly_series_honours_exdate_and_overrides(batch: ImportBatch) -> None:
    weekly = [e for e in batch.events if e.name.startswith("Python meetup")]

    assert [e.start[:10] for e in weekly] == [
        "2026-01-05",
        "2026-01-12",
        "2026-01-27",  # the 26th moved to the 27th; the 19th is excluded
        "2026-02-02",
        "2026-02-09",
    ]
    assert len({e.id for e in weekly}) == 5
    assert weekly[0].tags == ["python"]


def test_endless_series_is_bounded_by_window_and_count(batch: ImportBatch) -> None:
    standups = _named(batch, "Daily standup")
    ahead = [e for e in standups if e.start >= "2026-01-01"]

    assert len(ahead) == MAX_OCCURRENCES  # counted from today on
    assert ahead[0].start == "2026-01-01T09:00:00+00:00"
    assert len(standups) == MAX_OCCURRENCES + MAX_PAST  # and the closest of the year before
    assert standups[0].start == "2025-09-23T09:00:00+00:00"
    assert {e.series for e in standups} == {"ical:endless-1@example.org"}
    assert (
        "kept 100 occurrences of 'Daily standup' from 2026-01-01 "
        "and the last 100 before 2026-01-01 (since 2025-09-23)"
    ) in batch.notes


def test_window_ends_two_years_ahead(tmp_path: Path) -> None:
    path = tmp_path / "monthly.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m@x\r\nSUMMARY:Monthly\r\n"
        "DTSTART;VALUE=DATE:20260115\r\nRRULE:FREQ=MONTHLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    starts = [e.start for e in parse_file(path, today=TODAY).events]

    assert (starts[0], starts[-1], len(starts)) == ("2026-01-15", "2027-12-15", 24)


def test_missing_start_is_reported_and_the_rest_parse(batch: ImportBatch) -> None:
    assert [str(e) for e in batch.errors] == [
        "meetups.ics record 7 (\"No start\"): 'DTSTART' is missing"
    ]
    assert Counter(e.name for e in batch.events)["Open Source Summit"] == 1


def test_broken_rrule_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:b@x\r\nSUMMARY:Bad rule\r\n"
        "DTSTART:20260101T100000Z\r\nRRULE:FREQ=NOPE\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nSUMMARY:Bad start\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    batch = parse_file(path, today=TODAY)

    assert batch.events == []
    assert [str(e).split(":")[0] for e in batch.errors] == [
        'bad.ics record 1 ("Bad rule")',
        'bad.ics record 2 ("Bad start")',
    ]
    assert "'RRULE'" in str(batch.errors[0])
    assert "'DTSTART' is not a date or date-time" in str(batch.errors[1])


@pytest.mark.parametrize(
    ("zone", "start"),
    [("Europe/Berlin", "2026-01-05T20:00:00+01:00"), ("Not/AZone", "2026-01-05T19:00:00+00:00")],
)
def test_calendar_wide_x_wr_timezone(tmp_path: Path, zone: str, start: str) -> None:
    path = tmp_path / "google.ics"
    path.write_text(
        f"BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:{zone}\r\nBEGIN:VEVENT\r\nUID:g@x\r\n"
        "SUMMARY:Google export\r\nDTSTART:20260105T190000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    (event,) = parse_file(path, today=TODAY).events

    assert event.start == start
