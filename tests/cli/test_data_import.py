"""``eventchat data import``: every format, bad records named, counts printed, no duplicates."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from tests.support.cli import run_eventchat

DATA = Path(__file__).parents[1] / "importers" / "data"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_eventchat("data", "import", *args)


def count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_import_twice_never_duplicates(tmp_path: Path) -> None:
    db = tmp_path / "events.sqlite3"
    files = [str(DATA / name) for name in ("events.json", "graph.jsonld", "meetups.ics")]
    first = run(*files, "--database", str(db))
    assert first.returncode == 0, first.stderr
    assert "events.json record 3" in first.stderr  # the bad record, named by file and record
    last = first.stderr.strip().splitlines()[-1]
    n = count(db)
    assert n > 100
    assert last.startswith(f"imported {n} events from 3 files: {n} new, 0 updated, 0 unchanged;")
    assert "skipped 4 bad records," in last
    again = run(*files, "--database", str(db))
    assert again.returncode == 0
    assert count(db) == n
    assert f": 0 new, 0 updated, {n} unchanged;" in again.stderr.strip().splitlines()[-1]


def test_imported_events_are_searchable_and_private(tmp_path: Path) -> None:
    db = tmp_path / "events.sqlite3"
    assert run(str(DATA / "graph.jsonld"), "--database", str(db)).returncode == 0
    done = run_eventchat(
        "search",
        "",
        "--from",
        "2000-01-01",
        "--database",
        str(db),
        "--format",
        "json",
        "--limit",
        "50",
    )
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout)["events"]
    assert events
    assert all(e["source"] == "import:schema.org" for e in events)
    assert "@" not in json.dumps(events).replace("@type", "")


def test_unusable_file_is_reported_and_the_rest_imports(tmp_path: Path) -> None:
    db = tmp_path / "events.sqlite3"
    junk = tmp_path / "notes.txt"
    junk.write_text("just some notes\n")
    done = run(str(junk), str(DATA / "events.json"), "--database", str(db))
    assert done.returncode == 1
    assert "eventchat: skipped file: notes.txt is not a format eventchat can import" in done.stderr
    assert count(db) == 2
    assert "Traceback" not in done.stderr


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    done = run(str(tmp_path / "nope.json"), "--database", str(tmp_path / "e.sqlite3"))
    assert done.returncode != 0
    assert "nope.json" in done.stderr
    assert "Traceback" not in done.stderr


CUT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    "BEGIN:VEVENT\r\nUID:a@cut.example\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART:20261215T010000Z\r\nSUMMARY:Complete Show\r\nLOCATION:Toronto, ON, Canada\r\n"
    "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:b@cut.example\r\nDTSTART:2026121"
)


def test_a_cut_download_imports_its_complete_events_and_fails(tmp_path: Path) -> None:
    cut = tmp_path / "cut.ics"
    cut.write_text(CUT, encoding="utf-8")
    db = tmp_path / "events.sqlite3"
    done = run(str(cut), "--database", str(db))
    assert done.returncode == 1
    assert "cut.ics: not a complete iCalendar file" in done.stderr
    assert "Traceback" not in done.stderr
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT name, start_at, start_day, timezone FROM events").fetchone()
    # 01:00 UTC on the 15th is 8 pm on the 14th in Toronto: the local day
    assert row == ("Complete Show", "2026-12-14T20:00:00-05:00", "2026-12-14", "America/Toronto")
