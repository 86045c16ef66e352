"""iCalendar broken input: a cut-off file, messages naming the property, library warnings."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from pathlib import Path

import pytest

from eventchat.store.importers import ImportBatch, parse_file

TODAY = dt.date(2026, 12, 3)
GOOD = "BEGIN:VEVENT\nUID:a@x\nSUMMARY:Complete\nDTSTART:20261210T100000Z\nEND:VEVENT\n"


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cal.ics"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    return path


def _write(tmp_path: Path, *events: str, head: str = "") -> Path:
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    return _file(tmp_path, f"BEGIN:VCALENDAR\nVERSION:2.0\n{head}{body}END:VCALENDAR\n")


def _parse(path: Path) -> ImportBatch:
    return parse_file(path, today=TODAY)


@pytest.mark.parametrize(
    ("tail", "inside"),
    [
        ("BEGIN:VEVENT\nUID:b@x\nSUMMARY:Cut off\nDTSTART:2026", " inside a VEVENT"),
        ("", ""),  # only END:VCALENDAR is missing
    ],
)
def test_a_cut_off_file_keeps_its_complete_events_and_says_so(
    tmp_path: Path, tail: str, inside: str
) -> None:
    path = _file(tmp_path, f"BEGIN:VCALENDAR\nVERSION:2.0\n{GOOD}{tail}")

    batch = _parse(path)

    assert [e.name for e in batch.events] == ["Complete"]
    assert [str(e) for e in batch.errors] == [
        f"cal.ics: not a complete iCalendar file: it breaks off{inside} without END:VCALENDAR, "
        "so only the complete events before that are imported"
    ]


def test_a_complete_file_has_no_such_error(tmp_path: Path) -> None:
    batch = _parse(_file(tmp_path, f"BEGIN:VCALENDAR\nVERSION:2.0\n{GOOD}END:VCALENDAR\n"))

    assert (len(batch.events), batch.errors) == (1, [])


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (
            "UID:r@x\nSUMMARY:Bad rdate\nDTSTART:20261210T100000Z\nRDATE:garbage",
            "'RDATE' is not a list of dates, date-times or periods (Expected time, got: garbage)",
        ),
        (
            "UID:e@x\nSUMMARY:Bad exdate\nDTSTART:20261210T100000Z\nRRULE:FREQ=DAILY\nEXDATE:zz",
            "'EXDATE' is not a list of dates or date-times",
        ),
        (
            "UID:t@x\nSUMMARY:Twice\nDTSTART:20261210T100000Z\nDTSTART:20261211T100000Z",
            "'DTSTART' given twice",
        ),
        (
            "UID:c@x\nSUMMARY:Lunar\nDTSTART:20261210T100000Z\nRRULE:RSCALE=CHINESE;FREQ=YEARLY",
            "'RRULE' RSCALE unsupported (RSCALE=CHINESE)",
        ),
        (
            "UID:f@x\nSUMMARY:Bad rule\nDTSTART:20261210T100000Z\nRRULE:FREQ=NOPE",
            "'RRULE' is not a valid recurrence rule (Expected frequency, got: NOPE)",
        ),
    ],
)
def test_messages_name_the_property_and_the_reason(
    tmp_path: Path, event: str, message: str
) -> None:
    batch = _parse(_write(tmp_path, event, GOOD.split("\n", 1)[1].rsplit("END:VEVENT", 1)[0]))

    assert [e.name for e in batch.events] == ["Complete"]
    (error,) = map(str, batch.errors)
    assert message in error
    assert error.startswith("cal.ics record 1 (")


def test_a_broken_change_of_one_occurrence_leaves_the_series(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:s@x\nSUMMARY:Weekly\nDTSTART:20261207T100000Z\nRRULE:FREQ=WEEKLY;COUNT=3",
        "UID:s@x\nSUMMARY:Weekly\nRECURRENCE-ID:20261214T100000Z\n"
        "DTSTART:20261215T100000Z\nDTSTART:20261216T100000Z",
    )

    batch = _parse(path)

    assert [e.start[:10] for e in batch.events] == ["2026-12-07", "2026-12-14", "2026-12-21"]
    (error,) = map(str, batch.errors)
    assert "'DTSTART' given twice" in error
    assert error.startswith('cal.ics record 1 ("Weekly"): its change of 2026-12-14T10:00:00')


def test_library_warnings_become_notes_never_output(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(
        tmp_path,
        "UID:b@x\nSUMMARY:Both\nDTSTART:20261210T100000Z\n"
        "RRULE:FREQ=DAILY;COUNT=3;UNTIL=20261231T000000Z",
        "UID:g@x\nSUMMARY:Vendor zone\n"
        "DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Berlin:20261210T100000",
    )

    with warnings.catch_warnings(record=True) as escaped, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        batch = _parse(path)

    assert escaped == []
    assert caplog.records == []
    assert capfd.readouterr() == ("", "")
    assert len(batch.events) == 4
    assert (batch.events[-1].start, batch.events[-1].timezone) == (
        "2026-12-10T10:00:00+01:00",
        "Europe/Berlin",
    )
    notes = "\n".join(batch.notes)
    assert "record 1 (\"Both\"): Using both 'count' and 'until'" in notes
    assert "'/freeassociation.sourceforge.net/Europe/Berlin' is a globally unique TZID" in notes


def test_a_warning_joins_the_error_of_a_record_that_fails(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:b@x\nSUMMARY:Both\nDTSTART:20261210T100000Z\n"
        "RRULE:FREQ=DAILY;COUNT=3;UNTIL=20261231T000000Z\n"
        "RDATE;VALUE=PERIOD:20261215T100000Z/20261214T100000Z",
    )

    batch = _parse(path)

    (error,) = map(str, batch.errors)
    assert error.startswith("cal.ics record 1 (\"Both\"): 'RDATE' has a period that ends before")
    assert error.endswith(
        "(Using both 'count' and 'until' is inconsistent with RFC 5545 and has "
        "been deprecated in dateutil. Future versions will raise an error.)"
    )
    assert batch.events == []
    assert batch.notes == []


def test_a_calendar_scale_other_than_gregorian_is_named(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "UID:c@x\nSUMMARY:Lunar new year\nDTSTART;VALUE=DATE:20270206",
        head="CALSCALE:CHINESE\n",
    )

    batch = _parse(path)

    assert batch.events == []
    assert [str(e) for e in batch.errors] == [
        "cal.ics record 1 (\"Lunar new year\"): 'CALSCALE' CHINESE unsupported: only Gregorian "
        "calendars can be imported"
    ]
