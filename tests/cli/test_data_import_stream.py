"""``eventchat data import`` streams: a large JSON Lines file is read line by line and written a
chunk at a time, compared with what the store holds (new, updated, unchanged), its bad lines,
repeats and id clashes counted by line, with a progress bar on a terminal."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from eventchat.errors import StoreError
from eventchat.models import EventDetail
from eventchat.store.importers import stream_file
from tests.support.cli import run_eventchat

LINES = 20_000


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_eventchat("data", "import", *args)


def record(n: int, **changes: Any) -> dict[str, Any]:
    """The n-th event of a generated export: eventchat's own shape, with an id and links."""
    day = f"2027-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
    return {
        "id": f"gen-{n}",
        "name": f"Generated Conf {n}",
        "start": day,
        "locality": "Berlin",
        "country": "Germany",
        "country_code": "DE",
        "tags": ["python", "data"] if n % 2 else ["devops"],
        "description": f"Talks and workshops, edition {n}.",
        "links": {"url": f"https://conf{n}.example.org/"},
        **changes,
    }


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return path


def export(path: Path, n: int = LINES, **changed: dict[str, Any]) -> Path:
    """``n`` lines, one event each; ``changed={"5": {...}}`` changes line 5's event."""
    rows = [record(i, **changed.get(str(i), {})) for i in range(1, n + 1)]
    return write_lines(path, [json.dumps(row) for row in rows])


def count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def description(db: Path, event_id: str) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT description FROM events WHERE id = ?", (event_id,))
        return str(row.fetchone()[0])


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.strip().splitlines()[-1]


def test_a_20k_line_file_imports_then_reimports_unchanged_then_one_updated(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "events.sqlite3")
    file = export(tmp_path / "export.jsonl")

    first = run(str(file), "--database", db)
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines() == [
        "export.jsonl (eventchat): 20,000 events (20,000 new, 0 updated, 0 unchanged)",
        "imported 20,000 events from 1 file: 20,000 new, 0 updated, 0 unchanged; "
        "skipped 0 bad records, 0 duplicates, 0 cancelled",
    ]
    assert count(tmp_path / "events.sqlite3") == LINES

    again = run(str(file), "--database", db)
    assert again.returncode == 0, again.stderr
    assert last_line(again).startswith(
        "imported 20,000 events from 1 file: 0 new, 0 updated, 20,000 unchanged;"
    )

    export(file, **{"5": {"description": "Moved to a bigger venue."}})
    changed = run(str(file), "--database", db)
    assert changed.returncode == 0, changed.stderr
    assert last_line(changed).startswith(
        "imported 20,000 events from 1 file: 0 new, 1 updated, 19,999 unchanged;"
    )
    assert description(tmp_path / "events.sqlite3", "gen-5") == "Moved to a bigger venue."
    assert count(tmp_path / "events.sqlite3") == LINES


def test_bad_lines_repeats_and_id_clashes_are_named_by_line_and_the_rest_imports(
    tmp_path: Path,
) -> None:
    lines: list[str | bytes] = [json.dumps(record(i)) for i in range(1, 12_001)]
    lines[7_776] = '{"name": "half a line'  # line 7,777: not JSON
    lines[8_887] = b'{"name": "caf\xe9"}'  # line 8,888: Latin-1, not UTF-8
    lines[8_999] = json.dumps(record(4, name="Someone Else's Conf"))  # line 9,000: id of line 4
    lines[10_999] = lines[2]  # line 11,000: line 3 again, two chunks later
    file = write_lines(tmp_path / "big.jsonl", lines)
    db = tmp_path / "events.sqlite3"

    done = run(str(file), "--database", str(db))

    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "eventchat: skipped: big.jsonl line 7777: 'record' is not a JSON object",
        "eventchat: skipped: big.jsonl line 8888: 'line' is not UTF-8 text",
        'eventchat: skipped: big.jsonl line 9000 ("Someone Else\'s Conf"): '
        "same id as big.jsonl line 4",
        "big.jsonl (eventchat): 11,996 events (11,996 new, 0 updated, 0 unchanged), "
        "3 bad records, 1 duplicate",
        "imported 11,996 events from 1 file: 11,996 new, 0 updated, 0 unchanged; "
        "skipped 3 bad records, 1 duplicate, 0 cancelled",
    ]
    assert count(db) == 11_996
    assert description(db, "gen-4") == "Talks and workshops, edition 4."  # the first one kept


def test_an_unusable_file_among_good_ones_exits_1_and_the_rest_imports(tmp_path: Path) -> None:
    good = export(tmp_path / "good.jsonl", 30)
    junk = write_lines(tmp_path / "junk.jsonl", ["not json", "{}"])
    db = tmp_path / "events.sqlite3"

    done = run(str(junk), str(good), "--database", str(db))

    assert done.returncode == 1
    assert done.stderr.splitlines()[0].startswith(
        "eventchat: skipped file: junk.jsonl is not a format eventchat can import"
    )
    assert last_line(done).startswith("imported 30 events from 1 file: 30 new,")
    assert count(db) == 30


def test_an_invalid_tz_is_one_usage_line(tmp_path: Path) -> None:
    file = export(tmp_path / "export.jsonl", 3)
    db = str(tmp_path / "events.sqlite3")

    bad = run(str(file), "--tz", "Mars/Olympus_Mons", "--database", db)

    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "eventchat: error: --tz 'Mars/Olympus_Mons' is not a time zone: give an IANA name "
        "such as Europe/Berlin"
    ]
    assert not (tmp_path / "events.sqlite3").exists()  # nothing opened, nothing written
    good = run(str(file), "--tz", "Europe/Berlin", "--database", db)
    assert good.returncode == 0, good.stderr


def test_the_tz_zone_is_set_while_the_files_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventchat import datacmd
    from eventchat.settings import Settings
    from eventchat.store.importers import places

    seen: list[str | None] = []
    real = datacmd._write_chunk

    def write(store: Any, events: list[EventDetail], tally: Any) -> None:
        seen.append(places.IMPORT_ZONE.get())
        real(store, events, tally)

    monkeypatch.setattr(datacmd, "_write_chunk", write)
    file = export(tmp_path / "export.jsonl", 3)
    settings = Settings(database=str(tmp_path / "events.sqlite3"))

    datacmd.run_import(settings, [file], zone="America/Toronto")

    assert seen == ["America/Toronto"]
    assert places.IMPORT_ZONE.get() is None  # and reset after


def test_a_stopped_import_keeps_the_chunks_it_wrote_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from eventchat import datacmd
    from eventchat.settings import Settings

    real = datacmd._write_chunk
    calls: list[int] = []

    def write(store: Any, events: list[EventDetail], tally: Any) -> None:
        calls.append(len(events))
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(store, events, tally)

    monkeypatch.setattr(datacmd, "_write_chunk", write)
    file = export(tmp_path / "export.jsonl", 3_500)
    db = tmp_path / "events.sqlite3"

    with pytest.raises(KeyboardInterrupt):
        datacmd.run_import(Settings(database=str(db)), [file], chunk=1_000)

    assert count(db) == 2_000
    assert capsys.readouterr().err.splitlines()[-1] == (
        "eventchat: stopped after writing 2,000 events (2,000 new, 0 updated, 0 unchanged); "
        "they are kept (the import writes 1,000 at a time), and importing the same files again "
        "finishes the job, finding those unchanged"
    )
    again = run(str(file), "--database", str(db))
    assert last_line(again).startswith(
        "imported 3,500 events from 1 file: 1,500 new, 0 updated, 2,000 unchanged;"
    )


def test_a_failed_write_is_one_error_line_after_what_was_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from eventchat import datacmd
    from eventchat.settings import Settings

    real = datacmd._write_chunk
    calls: list[int] = []

    def write(store: Any, events: list[EventDetail], tally: Any) -> None:
        calls.append(len(events))
        if len(calls) == 2:
            raise StoreError("events database full")
        real(store, events, tally)

    monkeypatch.setattr(datacmd, "_write_chunk", write)
    file = export(tmp_path / "export.jsonl", 2_500)

    with pytest.raises(StoreError):
        datacmd.run_import(Settings(database=str(tmp_path / "e.sqlite3")), [file], chunk=1_000)

    assert "eventchat: stopped after writing 1,000 events" in capsys.readouterr().err


def test_stream_file_hands_on_chunks_and_keeps_none(tmp_path: Path) -> None:
    file = export(tmp_path / "export.jsonl", 5_500)
    chunks: list[list[EventDetail]] = []
    read: list[int] = []

    batch = stream_file(file, write=chunks.append, chunk=1_000, progress=read.append)

    assert [len(chunk) for chunk in chunks] == [1_000] * 5 + [500]
    assert [e.id for e in chunks[0][:2]] == ["gen-1", "gen-2"]
    assert batch.events == []
    assert batch.summary(events=5_500) == "export.jsonl (eventchat): 5,500 events"
    assert read[-1] == file.stat().st_size


def test_a_json_document_is_read_whole_and_handed_on_in_chunks(tmp_path: Path) -> None:
    file = tmp_path / "export.json"
    file.write_text(json.dumps({"events": [record(i) for i in range(1, 26)]}, indent=2))
    chunks: list[list[EventDetail]] = []

    batch = stream_file(file, write=chunks.append, chunk=10)

    assert [len(chunk) for chunk in chunks] == [10, 10, 5]
    assert batch.format == "eventchat"
    assert batch.events == []


@pytest.mark.pty
def test_a_terminal_sees_a_progress_bar(tmp_path: Path) -> None:
    file = export(tmp_path / "export.jsonl")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "eventchat", "data", "import", str(file), "--database", str(tmp_path / "e.db")],
        env=dict(os.environ, COLUMNS="120", TERM="xterm"),
        encoding="utf-8",
        timeout=100,
        dimensions=(40, 120),
    )
    output = child.read()
    child.close()
    assert child.exitstatus == 0, output
    assert "━" in output  # the bar, drawn while the file is read
    assert " events" in output
    assert "imported 20,000 events from 1 file: 20,000 new" in output
