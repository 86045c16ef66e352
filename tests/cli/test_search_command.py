"""``eventchat search``: a direct search without a model, in every output format."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from eventchat.models import SearchQuery
from eventchat.store import SQLiteStore
from tests.support.cli import run_eventchat


def search(*args: str) -> subprocess.CompletedProcess[str]:
    return run_eventchat("search", *args)


def test_json_is_the_default_when_piped(bundled_database: Path, store: SQLiteStore) -> None:
    done = search("javascript", "--country", "Deutschland", "--from", "2016-01-01", "--limit", "5")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    expected = store.search(
        SearchQuery(q="javascript", country="DE", start_after="2016-01-01", limit=5)
    )
    assert doc["total"] == expected.total
    assert [e["id"] for e in doc["events"]] == [e.id for e in expected.events]
    assert all(e["country_code"] == "DE" for e in doc["events"])
    linked = store.links([e.id for e in expected.events])
    assert [e["links"]["url"] for e in doc["events"]] == [link.url for link in linked]
    assert all(None not in e.values() for e in doc["events"])  # no nulls


def test_markdown_links_every_event(bundled_database: Path) -> None:
    done = search("python", "--from", "2019-01-01", "--to", "2019-12-31", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("- ")]
    assert len(lines) == 10
    assert all("](<https://" in line or "](<http://" in line for line in lines)
    assert all(" 2019-" in line for line in lines)
    assert done.stdout.rstrip().endswith("of " + done.stdout.rstrip().split(" of ")[-1])


def test_jsonl_one_event_per_line(bundled_database: Path) -> None:
    done = search("", "--tag", "Rust", "--from", "2020-01-01", "--format", "jsonl", "--limit", "3")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(events) == 3
    assert all("rust" in e["tags"] for e in events)


def test_table_shows_names_and_count(bundled_database: Path, store: SQLiteStore) -> None:
    done = search("react", "--from", "2018-01-01", "--format", "table", "--limit", "3")
    assert done.returncode == 0, done.stderr
    first = store.search(SearchQuery(q="react", start_after="2018-01-01", limit=3)).events[0]
    assert first.name.split()[0] in done.stdout
    assert "Events 1–3 of" in done.stdout


def test_bad_input_is_one_line(bundled_database: Path) -> None:
    for args, word in (
        (["x", "--from", "soon"], "--from"),
        (["x", "--limit", "500"], "--limit"),
        (["x", "--country", "Atlantis"], "Atlantis"),
        (["x", "--format", "xml"], "--format"),
    ):
        done = search(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1, done.stderr
        assert word in done.stderr
        assert "Traceback" not in done.stderr
