"""Which events an answer names, and the iCalendar file written for them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from icalendar import Calendar

from eventchat.ics import named_in, to_ical, write_ics

BERLIN: dict[str, Any] = {
    "id": "a1",
    "name": "JavaScript Days",
    "start": "2026-03-02",
    "end": "2026-03-04",
    "locality": "Berlin",
    "country": "Germany",
    "tags": ["javascript"],
    "links": {"url": "https://javascript-days.de/berlin"},
}
MUNICH = {**BERLIN, "id": "a2", "locality": "Munich", "links": {"url": "https://jsd.de/munich"}}
PYCON = {"id": "p1", "name": "PyCon DE", "start": "2026-04-14T09:00:00", "url": "https://pycon.de"}


def test_a_link_names_one_event_even_when_others_share_its_name() -> None:
    answer = "Try [JavaScript Days](https://javascript-days.de/berlin)."
    assert named_in(answer, [BERLIN, MUNICH, PYCON]) == [BERLIN]


def test_a_name_alone_names_every_event_of_that_name_once() -> None:
    answer = "javascript days and PyCon DE are both good."
    assert named_in(answer, [BERLIN, MUNICH, BERLIN, PYCON]) == [BERLIN, MUNICH, PYCON]
    assert named_in("Nothing here.", [BERLIN, PYCON]) == []


def test_the_calendar_parses_back_with_all_day_and_timed_events() -> None:
    data = to_ical([BERLIN, PYCON], stamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    events = list(Calendar.from_ical(data).walk("VEVENT"))
    berlin, pycon = events
    assert str(berlin["SUMMARY"]) == "JavaScript Days"
    assert berlin.decoded("DTSTART") == dt.date(2026, 3, 2)
    assert berlin.decoded("DTEND") == dt.date(2026, 3, 5)  # exclusive end of an all-day event
    assert str(berlin["URL"]) == "https://javascript-days.de/berlin"
    assert str(berlin["LOCATION"]) == "Berlin, Germany"
    assert str(berlin["UID"]) == "a1@eventchat"
    assert pycon.decoded("DTSTART") == dt.datetime(2026, 4, 14, 9, 0)


def test_control_characters_from_tool_data_do_not_reach_the_file(tmp_path: Path) -> None:
    hostile = {**PYCON, "name": "PyCon\x1b]8;;https://evil.example\x07 DE"}
    path = tmp_path / "e.ics"
    assert write_ics(path, "PyCon\x1b]8;;https://evil.example\x07 DE", [hostile]) == 1
    assert b"\x1b" not in path.read_bytes()


def test_nothing_named_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "e.ics"
    assert write_ics(path, "No events.", [BERLIN]) == 0
    assert not path.exists()
