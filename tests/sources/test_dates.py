"""Free-text dates and deadline zones as the academic and Python sources write them."""

from __future__ import annotations

import datetime as dt

import pytest

from eventchat.store.sources.dates import NoDate, find_zone, instant, local_time, parse_date_range


@pytest.mark.parametrize(
    ("text", "year", "start", "end"),
    [
        ("February 16-23, 2027", 2027, "2027-02-16", "2027-02-23"),
        ("29 June - 2 July, 2026", 2026, "2026-06-29", "2026-07-02"),
        ("February 22 - March 1, 2022", 2022, "2022-02-22", "2022-03-01"),
        ("January 31 - 4 February, 2026", 2026, "2026-01-31", "2026-02-04"),
        ("Oct. 6-10, 2025", 2025, "2025-10-06", "2025-10-10"),
        ("May 03, 2027", 2027, "2027-05-03", "2027-05-03"),
        ("November 22-26 2026", 2026, "2026-11-22", "2026-11-26"),
        ("February 07-10 , 2022", 2022, "2022-02-07", "2022-02-10"),
        ("August 30 - Septemper 1, 2024", 2024, "2024-08-30", "2024-09-01"),
        ("November 30 - December 3", 2022, "2022-11-30", "2022-12-03"),  # the edition's year
        ("June 1–5, 2027", 2027, "2027-06-01", "2027-06-05"),
    ],
)
def test_date_ranges(text: str, year: int, start: str, end: str) -> None:
    first, last = parse_date_range(text, year)
    assert (first.isoformat(), last.isoformat()) == (start, end)


@pytest.mark.parametrize(
    ("text", "year", "reason"),
    [
        ("November, 2026", 2026, "no day"),
        ("August 2027 (exact dates TBD)", 2027, "no day"),
        ("March-April, 2025", 2025, "no day"),
        ("2027", 2027, "no day"),
        ("TBD", 2027, "no day"),
        ("To be announced", 2021, "no day"),
        ("June 18-23, 2022", 2023, "date outside the edition's year"),
        ("February 30, 2026", 2026, "unreadable date"),
        ("June 9 - June 2, 2026", 2026, "unreadable date"),
    ],
)
def test_no_day_is_never_invented(text: str, year: int, reason: str) -> None:
    with pytest.raises(NoDate) as caught:
        parse_date_range(text, year)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("zone", "local", "at"),
    [
        ("AoE", "2026-01-29 23:59:59", "2026-01-29T23:59:59-12:00"),
        ("UTC-12", "2026-01-29 23:59:59", "2026-01-29T23:59:59-12:00"),
        ("UTC+8", "2026-06-20 23:59:59", "2026-06-20T23:59:59+08:00"),
        ("UTC-08", "2026-06-20 23:59:59", "2026-06-20T23:59:59-08:00"),
        ("GMT+02", "2025-09-18 08:59:59", "2025-09-18T08:59:59+02:00"),
        ("UTC+5:30", "2026-06-20 23:59:59", "2026-06-20T23:59:59+05:30"),
        ("UTC", "2026-06-20 12:00:00", "2026-06-20T12:00:00+00:00"),
        ("PST", "2026-07-01 17:00:00", "2026-07-01T17:00:00-08:00"),
        ("PT", "2026-07-01 17:00:00", "2026-07-01T17:00:00-07:00"),
        ("PT", "2026-12-01 17:00:00", "2026-12-01T17:00:00-08:00"),
        ("Europe/Berlin", "2026-01-11 23:59:00", "2026-01-11T23:59:00+01:00"),
        ("Europe/Berlin", "2026-05-04 23:59:59", "2026-05-04T23:59:59+02:00"),
    ],
)
def test_deadline_instants(zone: str, local: str, at: str) -> None:
    found, moment = find_zone(zone), local_time(local)
    assert found is not None
    assert moment is not None
    assert instant(moment, found) == at


def test_unknown_zone() -> None:
    assert find_zone("Mars/Olympus") is None


@pytest.mark.parametrize(
    "value", ["TBD", "TBA", "None", "Cancelled", "2026-01-01", dt.date(2026, 1, 1), None, 3]
)
def test_what_is_not_a_moment(value: object) -> None:
    assert local_time(value) is None


def test_yaml_datetime_is_a_moment() -> None:
    assert local_time(dt.datetime(2026, 1, 1, 23, 59)) == dt.datetime(2026, 1, 1, 23, 59)
