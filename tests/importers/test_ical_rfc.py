"""iCalendar and RFC 5545: changed occurrences, versions, EXDATE, orphans, empty rules, STATUS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]

from eventchat.store.importers import ImportBatch, parse_file

TODAY = dt.date(2026, 12, 3)
BERLIN = "TZID=Europe/Berlin"


def _write(tmp_path: Path, *events: str) -> Path:
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    path = tmp_path / "cal.ics"
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{body}END:VCALENDAR\n"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    return path


def _parse(path: Path) -> ImportBatch:
    return parse_file(path, today=TODAY)


def _library(path: Path) -> list[tuple[str, str]]:
    """(start, SUMMARY) of what recurring-ical-events returns, STATUS:CANCELLED left out."""
    calendar = icalendar.Calendar.from_ical(path.read_text())
    found = recurring_ical_events.of(calendar).between(dt.date(2026, 1, 1), dt.date(2028, 1, 1))
    return sorted(
        (o.decoded("DTSTART").isoformat(), str(o["SUMMARY"]))
        for o in found
        if str(o.get("STATUS", "")).upper() != "CANCELLED"
    )


WEEKLY = f"""
UID:s@x
SUMMARY:Weekly
DTSTART;{BERLIN}:20261207T100000
DTEND;{BERLIN}:20261207T110000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;{BERLIN}:20261214T100000
"""


def test_this_and_future_keeps_the_later_occurrences_edited(tmp_path: Path) -> None:
    later = (
        f"UID:s@x\nSUMMARY:Weekly (afternoons)\n"
        f"RECURRENCE-ID;RANGE=THISANDFUTURE;{BERLIN}:20261221T100000\n"
        f"DTSTART;{BERLIN}:20261221T140000\nDTEND;{BERLIN}:20261221T150000"
    )
    path = _write(tmp_path, WEEKLY, later)

    batch = _parse(path)

    got = [(e.start, e.name) for e in batch.events]
    assert got == [
        ("2026-12-07T10:00:00+01:00", "Weekly"),  # the 14th is an EXDATE
        ("2026-12-21T14:00:00+01:00", "Weekly (afternoons)"),
        ("2026-12-28T14:00:00+01:00", "Weekly (afternoons)"),
        ("2027-01-04T14:00:00+01:00", "Weekly (afternoons)"),
        ("2027-01-11T14:00:00+01:00", "Weekly (afternoons)"),
    ]
    assert sorted(got) == _library(path)
    assert len({e.id for e in batch.events}) == 5  # each its own id, no "same id" errors
    assert batch.errors == []
    assert {e.series for e in batch.events} == {"ical:s@x"}


def test_moving_an_occurrence_keeps_its_id(tmp_path: Path) -> None:
    plain = {e.start: e.id for e in _parse(_write(tmp_path, WEEKLY)).events}
    moved = (
        f"UID:s@x\nSUMMARY:Weekly (moved)\nRECURRENCE-ID:20261221T090000Z\n"
        f"DTSTART;{BERLIN}:20261222T100000\nDTEND;{BERLIN}:20261222T110000"
    )
    path = _write(tmp_path, WEEKLY, moved)

    batch = _parse(path)

    (event,) = [e for e in batch.events if e.name == "Weekly (moved)"]
    assert event.id == plain["2026-12-21T10:00:00+01:00"]  # its RECURRENCE-ID, written in UTC
    assert sorted((e.start, e.name) for e in batch.events) == _library(path)


def test_the_highest_sequence_wins_then_the_latest_dtstamp(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:v@x\nSUMMARY:Version 1\nSEQUENCE:1\nDTSTAMP:20261130T000000Z\n"
        "DTSTART:20261210T100000Z",
        "UID:v@x\nSUMMARY:Version 3\nSEQUENCE:3\nDTSTAMP:20261001T000000Z\n"
        "DTSTART:20261211T100000Z",
        "UID:v@x\nSUMMARY:Version 2\nSEQUENCE:2\nDTSTAMP:20261201T000000Z\n"
        "DTSTART:20261212T100000Z",
        "UID:t@x\nSUMMARY:Stamp new\nDTSTAMP:20261101T000000Z\nDTSTART:20261210T100000Z",
        "UID:t@x\nSUMMARY:Stamp old\nDTSTAMP:20261001T000000Z\nDTSTART:20261210T100000Z",
    )

    batch = _parse(path)

    assert [e.name for e in batch.events] == ["Version 3", "Stamp new"]
    assert batch.duplicates == 3
    assert batch.errors == []


def test_a_newer_series_version_replaces_the_older(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:r@x\nSUMMARY:Old rule\nSEQUENCE:0\nDTSTART:20261207T100000Z\nRRULE:FREQ=DAILY;COUNT=3",
        "UID:r@x\nSUMMARY:New rule\nSEQUENCE:1\nDTSTART:20261207T100000Z\n"
        "RRULE:FREQ=WEEKLY;COUNT=2",
    )

    batch = _parse(path)

    assert [(e.name, e.start[:10]) for e in batch.events] == [
        ("New rule", "2026-12-07"),
        ("New rule", "2026-12-14"),
    ]
    assert batch.duplicates == 1


def test_changed_occurrences_without_their_series_are_events_of_their_own(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:o@x\nSUMMARY:Orphan A\nRECURRENCE-ID:20261210T100000Z\nDTSTART:20261210T120000Z",
        "UID:o@x\nSUMMARY:Orphan B\nRECURRENCE-ID:20261217T100000Z\nDTSTART:20261217T120000Z",
    )

    batch = _parse(path)

    assert [e.name for e in batch.events] == ["Orphan A", "Orphan B"]
    assert batch.errors == []
    assert len({e.id for e in batch.events}) == 2
    assert {e.series for e in batch.events} == {"ical:o@x"}


def test_an_empty_rrule_is_no_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, "UID:e@x\nSUMMARY:Once\nDTSTART:20261210T100000Z\nRRULE:")

    batch = _parse(path)

    (event,) = batch.events
    assert (event.start, event.series) == ("2026-12-10T10:00:00+00:00", None)
    assert batch.errors == []
    assert batch.notes == []


def test_cancelled_events_and_occurrences_are_left_out_and_counted(tmp_path: Path) -> None:
    cancel_one = (
        f"UID:s@x\nSUMMARY:Weekly\nRECURRENCE-ID;{BERLIN}:20261228T100000\n"
        f"DTSTART;{BERLIN}:20261228T100000\nSTATUS:CANCELLED"
    )
    path = _write(
        tmp_path,
        WEEKLY,
        cancel_one,
        "UID:c@x\nSUMMARY:Called off\nSTATUS:CANCELLED\nDTSTART:20261210T100000Z",
        "UID:cs@x\nSUMMARY:Series off\nSTATUS:CANCELLED\nDTSTART:20261210T100000Z\n"
        "RRULE:FREQ=DAILY",
        "UID:t@x\nSUMMARY:Maybe\nSTATUS:TENTATIVE\nDTSTART:20261211T100000Z",
        "UID:k@x\nSUMMARY:Sure\nSTATUS:CONFIRMED\nDTSTART:20261212T100000Z",
    )

    batch = _parse(path)

    weekly = [e.start[:10] for e in batch.events if e.name == "Weekly"]
    assert weekly == ["2026-12-07", "2026-12-21", "2027-01-04", "2027-01-11"]
    assert sorted((e.start, e.name) for e in batch.events if e.name == "Weekly") == [
        item for item in _library(path) if item[1] == "Weekly"
    ]
    assert {"Maybe", "Sure"} <= {e.name for e in batch.events}
    assert not {"Called off", "Series off"} & {e.name for e in batch.events}
    assert batch.cancelled == 3  # one occurrence, one event, one series
    assert batch.errors == []


def test_versions_in_two_calendars_of_one_file_are_one_event(tmp_path: Path) -> None:
    path = tmp_path / "two.ics"
    calendar = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\n{}\nEND:VEVENT\nEND:VCALENDAR\n"
    old = "UID:v@x\nSUMMARY:Old\nSEQUENCE:0\nDTSTART:20261210T100000Z"
    new = "UID:v@x\nSUMMARY:New\nSEQUENCE:1\nDTSTART:20261210T110000Z"
    text = calendar.format(new) + calendar.format(old)
    path.write_bytes(text.replace("\n", "\r\n").encode())

    batch = _parse(path)

    assert ([e.name for e in batch.events], batch.duplicates, batch.errors) == (["New"], 1, [])
