"""Formats are told apart by content; unreadable files are one clean UsageError; ids are stable."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from eventchat.errors import UsageError
from eventchat.store.importers import parse_file


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("events.json", "eventchat"),
        ("python.json", "confs.tech"),
        ("graph.jsonld", "schema.org"),
        ("single.txt", "schema.org"),  # JSON-LD with a .txt name
        ("page.html", "schema.org"),
        ("calendar.json", "icalendar"),  # an .ics with a .json name
        ("meetups.ics", "icalendar"),
    ],
)
def test_format_comes_from_content(data_dir: Path, name: str, expected: str) -> None:
    assert parse_file(data_dir / name, today=dt.date(2026, 1, 1)).format == expected


def test_disguised_calendar_is_parsed_as_one(data_dir: Path) -> None:
    (event,) = parse_file(data_dir / "calendar.json").events

    assert (event.name, event.start, event.end) == (
        "Calendar in disguise",
        "2026-09-10",
        "2026-09-11",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00garbage", "is not UTF-8 text"),
        (b"just some words\n", "is not a format eventchat can import"),
        (b"42", "a JSON int, not events"),
        (b"<html><body>no data</body></html>", "HTML page without schema.org JSON-LD"),
        (b"[" * 100_000, "JSON nested too deeply"),
        (b"BEGIN:VCALENDAR\r\nnonsense line\r\n", "not a valid iCalendar file"),
    ],
)
def test_unusable_files_raise_one_usage_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.dat"
    path.write_bytes(content)

    with pytest.raises(UsageError, match=message):
        parse_file(path)


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot read .*nope\.json"):
        parse_file(tmp_path / "nope.json")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([{"name": "A", "start": "2026-01-01"}]).encode())

    assert [e.name for e in parse_file(path).events] == ["A"]


@pytest.mark.parametrize(
    "name", ["events.json", "python.json", "graph.jsonld", "page.html", "meetups.ics"]
)
def test_same_input_gives_same_ids(data_dir: Path, tmp_path: Path, name: str) -> None:
    today = dt.date(2026, 1, 1)
    copy = tmp_path / name
    shutil.copy(data_dir / name, copy)

    first = parse_file(data_dir / name, today=today).events
    again = parse_file(copy, today=today).events

    assert first
    assert [e.id for e in first] == [e.id for e in again]
    assert [e.model_dump() for e in first] == [e.model_dump() for e in again]


def test_recurring_ids_survive_a_later_window(data_dir: Path) -> None:
    """Re-importing a month later updates the occurrences both windows share."""
    path = data_dir / "meetups.ics"
    before = {e.start: e.id for e in parse_file(path, today=dt.date(2026, 1, 1)).events}
    after = {e.start: e.id for e in parse_file(path, today=dt.date(2026, 2, 1)).events}

    shared = before.keys() & after.keys()
    assert len(shared) > 50
    assert all(before[start] == after[start] for start in shared)
