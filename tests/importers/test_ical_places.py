"""iCalendar places and local days: LOCATION and GEO resolved, UTC times in the event's zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from eventchat.models import EventDetail
from eventchat.store.importers import ImportBatch, parse_file
from eventchat.store.importers.places import IMPORT_ZONE

TODAY = dt.date(2026, 12, 3)


def _write(tmp_path: Path, *events: str, head: str = "") -> Path:
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    path = tmp_path / "cal.ics"
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\n{head}{body}END:VCALENDAR\n"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    return path


def _parse(path: Path) -> ImportBatch:
    return parse_file(path, today=TODAY)


def _one(batch: ImportBatch) -> EventDetail:
    (event,) = batch.events
    return event


@pytest.fixture
def import_zone() -> Iterator[None]:
    token = IMPORT_ZONE.set("America/New_York")
    yield
    IMPORT_ZONE.reset(token)


def test_a_utc_time_lands_on_the_local_day_of_the_place(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:t@x\nSUMMARY:Friday show\nDTSTART:20261205T010000Z\nDTEND:20261205T030000Z\n"
        "LOCATION:Massey Hall\\, Toronto\\, Canada",
    )

    show = _one(_parse(path))

    assert (show.start, show.end) == ("2026-12-04T20:00:00-05:00", "2026-12-04T22:00:00-05:00")
    assert show.timezone == "America/Toronto"
    assert (show.venue, show.locality, show.country_code) == ("Massey Hall", "Toronto", "CA")


def test_geo_places_an_event_the_location_text_does_not(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:g@x\nSUMMARY:Meetup\nDTSTART:20261205T180000Z\nLOCATION:Room 5\nGEO:52.52;13.40",
    )

    meetup = _one(_parse(path))

    assert (meetup.venue, meetup.locality, meetup.country_code) == ("Room 5", "Berlin", "DE")
    assert (meetup.start, meetup.timezone) == ("2026-12-05T19:00:00+01:00", "Europe/Berlin")


def test_an_unresolved_place_stays_venue_text_and_is_noted_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:a@x\nSUMMARY:A\nDTSTART:20261205T180000Z\nLOCATION:Room 5",
        "UID:b@x\nSUMMARY:B\nDTSTART:20261206T180000Z\nLOCATION:Room 5\nRRULE:FREQ=DAILY;COUNT=3",
        "UID:c@x\nSUMMARY:C\nDTSTART:20261207T180000Z\nLOCATION:Hinterhof",
    )

    batch = _parse(path)

    assert {e.venue for e in batch.events} == {"Room 5", "Hinterhof"}
    assert {e.locality for e in batch.events} == {None}
    assert batch.notes == ["2 places not recognised, kept as venue text: 'Room 5', 'Hinterhof'"]


def test_a_location_that_is_a_link_means_online(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "UID:o@x\nSUMMARY:Call\nDTSTART:20261205T180000Z\nLOCATION:https://meet.example/x"
    )

    batch = _parse(path)

    assert (_one(batch).online, _one(batch).venue) == (True, None)
    assert batch.notes == []


def test_the_tzid_is_the_events_zone_even_elsewhere(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:z@x\nSUMMARY:Remote keynote\nDTSTART;TZID=America/New_York:20261205T090000\n"
        "LOCATION:Messe\\, Berlin\\, Germany",
    )

    keynote = _one(_parse(path))

    assert (keynote.start, keynote.timezone) == ("2026-12-05T09:00:00-05:00", "America/New_York")


def test_x_wr_timezone_comes_before_the_place(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:w@x\nSUMMARY:Export\nDTSTART:20261205T190000Z\n"
        "LOCATION:Massey Hall\\, Toronto\\, Canada",
        head="X-WR-TIMEZONE:europe/berlin\n",  # a name zoneinfo alone would not take
    )

    export = _one(_parse(path))

    assert (export.start, export.timezone) == ("2026-12-05T20:00:00+01:00", "Europe/Berlin")


def test_an_unknown_x_wr_timezone_is_noted(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:w@x\nSUMMARY:Export\nDTSTART:20261205T190000Z",
        head="X-WR-TIMEZONE:Not/AZone\n",
    )

    batch = _parse(path)

    assert (_one(batch).start, _one(batch).timezone) == ("2026-12-05T19:00:00+00:00", None)
    assert batch.notes == ["X-WR-TIMEZONE 'Not/AZone' is not a known time zone: ignored"]


@pytest.mark.usefixtures("import_zone")
def test_without_any_zone_utc_is_read_in_the_import_zone(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:i@x\nSUMMARY:Late call\nDTSTART:20261205T030000Z\nRRULE:FREQ=DAILY;COUNT=2",
        "UID:d@x\nSUMMARY:Day off\nDTSTART;VALUE=DATE:20261207",
    )

    batch = _parse(path)

    assert [(e.start, e.timezone) for e in batch.events] == [
        ("2026-12-04T22:00:00-05:00", "America/New_York"),  # the local day: the 4th
        ("2026-12-05T22:00:00-05:00", "America/New_York"),
        ("2026-12-07", "America/New_York"),  # all-day: still a date
    ]
