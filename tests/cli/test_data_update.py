"""``eventchat data update`` against a local server serving each source's real layout.

The server (tests/support/sources_server.py) serves ../shared/data as raw.githubusercontent.com
and codeload.github.com publish it, with Last-Modified and 304 answers; the bundled dataset was
built from the same files, so an update against them must find nothing new.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import yaml

from tests.support.cli import run_eventchat
from tests.support.sources_server import SHARED, SourcesServer, build_root, serve_sources

run = run_eventchat
BUNDLED = ("confs.tech", "python-deadlines", "ccf-deadlines", "ai-deadlines")


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SourcesServer]:
    root = tmp_path / "www"
    build_root(root)
    with serve_sources(root) as state:
        for key, value in state.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("EVENTCHAT_TODAY", "2026-12-03")
        yield state


def lines_of(stderr: str) -> dict[str, str]:
    """Each source's line of the output, by source name."""
    found = {}
    for line in stderr.splitlines():
        name, sep, rest = line.partition(":")
        if sep and " " not in name:
            found[name] = rest.strip()
    return found


def search(*args: str) -> list[dict[str, object]]:
    done = run("search", *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    events: list[dict[str, object]] = json.loads(done.stdout)["events"]
    return events


def test_an_update_against_the_real_layouts_finds_nothing_new_then_costs_304s(
    server: SourcesServer,
) -> None:
    first = run("data", "update")
    assert first.returncode == 0, first.stderr
    lines = lines_of(first.stderr)
    assert set(lines) == set(BUNDLED)
    for name in BUNDLED:
        assert lines[name].startswith("unchanged, "), lines[name]
    assert "wrote 0 events" in first.stderr
    assert server.statuses("/ccf.tar.gz") == [200]
    assert set(server.statuses("/confs/")) == {200, 404}  # topics a year does not publish: 404

    server.log.clear()
    second = run("data", "update")
    assert second.returncode == 0, second.stderr
    answered = [status for _, status in server.log if status != 404]
    assert answered
    assert set(answered) == {304}  # every file: one conditional request, no body
    assert "1 request, 1 not modified" in lines_of(second.stderr)["ccf-deadlines"]

    listed = run("data", "sources")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("data of 2026-12-03 (updated)") == 4
    assert "is 105 days old" not in listed.stderr  # the data is from today now


def _new_python_conference() -> dict[str, object]:
    return {
        "conference": "PyCon Testland",
        "year": 2027,
        "link": "https://testland.pycon.example/2027/",
        "cfp": "2027-01-31 23:59:00",
        "timezone": "Europe/Berlin",
        "place": "Leipzig, Germany",
        "start": dt.date(2027, 3, 10),
        "end": dt.date(2027, 3, 12),
        "sub": "PY",
    }


def test_new_and_changed_events_merge_across_sources_and_failures_keep_the_last_good_data(
    server: SourcesServer,
) -> None:
    # python-deadlines gains a conference and moves one; confs.tech lists the new one too.
    (server.root / "python-deadlines").unlink()
    shutil.copytree(SHARED / "python-deadlines", server.root / "python-deadlines")
    (server.root / "confs").unlink()
    shutil.copytree(SHARED / "confs-tech" / "conferences", server.root / "confs")
    upcoming = server.root / "python-deadlines" / "_data" / "conferences.yml"
    records = yaml.safe_load(upcoming.read_text(encoding="utf-8"))
    lithuania = next(r for r in records if r["conference"] == "PyCon Lithuania")
    lithuania["end"] = dt.date(2027, 5, 1)
    records.append(_new_python_conference())
    upcoming.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    python_2027 = server.root / "confs" / "2027" / "python.json"  # not published yet: a new file
    assert not python_2027.exists()
    rows: list[dict[str, str]] = []
    rows.append(
        {
            "name": "PyCon Testland",
            "url": "https://testland.pycon.example/2027",
            "startDate": "2027-03-10",
            "endDate": "2027-03-12",
            "city": "Leipzig",
            "country": "Germany",
        }
    )
    python_2027.write_text(json.dumps(rows), encoding="utf-8")

    done = run("data", "update", "confs.tech", "python-deadlines")
    assert done.returncode == 0, done.stderr
    lines = lines_of(done.stderr)
    assert set(lines) == {"confs.tech", "python-deadlines"}
    assert lines["python-deadlines"].startswith("1 new, 1 changed, "), lines
    assert lines["confs.tech"].startswith("1 new, 0 changed, "), lines
    found = search("testland")
    assert len(found) == 1  # one event from both sources
    assert found[0]["source"] == "confs.tech, python-deadlines"
    (moved,) = [e for e in search("pycon lithuania") if str(e["start"]).startswith("2027")]
    assert moved["end"] == "2027-05-01"

    # python-deadlines is down and ccf-deadlines sends a broken archive: both keep their data.
    server.failing.add("/python-deadlines/")
    (server.root / "ccf.tar.gz").write_bytes(b"not a tar archive")
    failed = run("data", "update")
    assert failed.returncode == 1
    lines = lines_of(failed.stderr)
    assert "HTTP 503" in lines["python-deadlines"]
    assert lines["python-deadlines"].endswith("its last good data is kept")
    assert "archive cannot be unpacked" in lines["ccf-deadlines"]
    assert lines["confs.tech"].startswith("unchanged, ")
    assert "Traceback" not in failed.stderr
    assert [e["source"] for e in search("testland")] == ["confs.tech, python-deadlines"]
    assert search("pycon lithuania", "--from", "2027-01-01")[0]["end"] == "2027-05-01"


def test_a_run_cut_during_the_downloads_changes_nothing(
    server: SourcesServer, tmp_path: Path
) -> None:
    db = tmp_path / "events.sqlite3"
    assert run("data", "update", "ai-deadlines", "--database", str(db)).returncode == 0

    def state() -> tuple[object, ...]:
        with sqlite3.connect(db) as conn:
            meta = conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
            count = conn.execute("SELECT count(*) FROM events").fetchone()
        return (tuple(meta), count)

    before = state()
    server.stalling.add("/ccf.tar.gz")
    process = subprocess.Popen(
        [sys.executable, "-m", "eventchat", "data", "update", "--database", str(db)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not server.statuses("/ccf.tar.gz") and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the other sources are downloading or read by now
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    server.stalling.clear()
    assert process.returncode == 130, stderr
    assert "interrupted while downloading — nothing was written" in stderr
    assert "Traceback" not in stderr
    assert state() == before


FEED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Berlin Python//Meetup//EN\r
BEGIN:VEVENT\r
UID:bpm-2026-12@meetup.example\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261215T180000Z\r
DTEND:20261215T200000Z\r
SUMMARY:Berlin Python Meetup: December\r
LOCATION:c-base, Berlin, Germany\r
URL:https://meetup.example/berlin-python/2026-12\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:bpm-2027-01@meetup.example\r
DTSTAMP:20261101T000000Z\r
DTSTART:20270119T180000Z\r
DTEND:20270119T200000Z\r
SUMMARY:Berlin Python Meetup: January\r
LOCATION:c-base, Berlin, Germany\r
END:VEVENT\r
END:VCALENDAR\r
"""

DAY = 86_400_000


def _ms(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() * 1000)


DEVELOPERS_EVENTS = [
    {
        "name": "DevFest Testville",
        "date": [_ms("2027-02-05"), _ms("2027-02-06")],
        "hyperlink": "https://devfest-testville.example",
        "location": "Testville (France)",
        "city": "Testville",
        "country": "France",
        "cfp": {
            "link": "https://devfest-testville.example/cfp",
            "until": "10-January-2027",
            "untilDate": _ms("2027-01-10"),
        },
        "tags": [{"key": "tech", "value": "Cloud"}],
        "misc": '<a href="https://x.example"><img alt="badge"></a>',
        "status": "open",
    },
    {
        "name": "Remote Rustaceans",
        "date": [_ms("2027-03-01")],
        "hyperlink": "https://rustaceans.example",
        "location": "Online",
        "city": "Online",
        "country": "Online",
        "cfp": {},
        "tags": [],
        "misc": "",
        "status": "open",
    },
]


def test_developers_events_is_enabled_once_and_feeds_come_and_go(
    server: SourcesServer, tmp_path: Path
) -> None:
    db = ["--database", str(tmp_path / "events.sqlite3")]
    (server.root / "developers-events" / "all-events.json").write_text(
        json.dumps(DEVELOPERS_EVENTS), encoding="utf-8"
    )
    (server.root / "feeds").mkdir()
    (server.root / "feeds" / "berlin.ics").write_text(FEED, encoding="utf-8")

    unknown = run("data", "update", "nosuch", *db)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("eventchat: error: no source named 'nosuch'")
    assert unknown.stderr.count("\n") == 1
    not_yet = run("data", "update", "developers.events", *db)
    assert not_yet.returncode == 2
    assert "eventchat data sources enable developers.events" in not_yet.stderr

    asked = run("data", "sources", "enable", "developers.events", *db)  # stdin is no terminal
    assert asked.returncode == 2
    assert "CC BY-NC 4.0" in asked.stderr
    assert "add --yes" in asked.stderr
    enabled = run("data", "sources", "enable", "developers.events", "--yes", *db)
    assert enabled.returncode == 0, enabled.stderr
    again = run("data", "sources", "enable", "developers.events", "--yes", *db)
    assert "already enabled" in again.stderr
    assert "CC BY-NC" not in again.stderr  # asked once
    fetched = run("data", "update", "developers.events", *db)
    assert fetched.returncode == 0, fetched.stderr
    assert lines_of(fetched.stderr)["developers.events"].startswith("2 new, ")
    (devfest,) = search("devfest", *db)
    assert devfest["source"] == "developers.events"
    assert devfest["country_code"] == "FR"

    added = run("data", "sources", "add", "berlin-python", f"{server.url}/feeds/berlin.ics", *db)
    assert added.returncode == 0, added.stderr
    assert lines_of(added.stderr)["berlin-python"].startswith("2 new, ")
    meetups = search("berlin python meetup", *db)
    assert [e["source"] for e in meetups] == ["berlin-python", "berlin-python"]
    listed = run("data", "sources", *db)
    assert "developers.events" in listed.stdout
    assert "CC BY-NC 4.0" in listed.stdout
    assert f"{server.url}/feeds/berlin.ics" in listed.stdout
    bad = run("data", "sources", "add", "broken", f"{server.url}/feeds/missing.ics", *db)
    assert bad.returncode == 2
    assert "HTTP 404" in bad.stderr
    assert "broken" not in run("data", "sources", *db).stdout  # not kept

    removed = run("data", "sources", "remove", "berlin-python", *db)
    assert removed.returncode == 0, removed.stderr
    assert "removed berlin-python and its 2 events" in removed.stderr
    assert search("berlin python meetup", *db) == []
    assert len(search("devfest", *db)) == 1
    bundled = run("data", "sources", "remove", "confs.tech", *db)
    assert bundled.returncode == 2
    assert "cannot be removed" in bundled.stderr


def test_a_terminal_sees_a_progress_bar(server: SourcesServer, tmp_path: Path) -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "eventchat", "data", "update", "--database", str(tmp_path / "e.sqlite3")],
        env=dict(os.environ, COLUMNS="100", TERM="xterm"),
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 100),
    )
    output = child.read()
    child.close()
    assert child.exitstatus == 0, output
    assert "━" in output  # the bar, drawn while the files download
    assert "ai-deadlines:" in output
    assert "wrote " in output
