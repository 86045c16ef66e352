"""``eventchat search``: a direct search without a model, in every output format."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from eventchat.models import SearchPage, SearchQuery
from eventchat.store import SQLiteStore
from tests.security.cli_runner import invoke
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


LATE = "2026-12-03"  # the bundled data lists no Ruby event after this day


@pytest.fixture
def late(bundled_database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTCHAT_TODAY", LATE)


def past_hint(store: SQLiteStore) -> str:
    past = store.search(SearchQuery(q="ruby")).total
    assert past > 100
    return (
        f"{past} past events match: --from YYYY-MM-DD shows them (--from 2002-06-26 shows all).\n"
        "The data lists events starting up to 2027-10-18.\n"
        "The event data is 105 days old (newest from 2026-08-20) — run `eventchat data update` "
        "for newer events.\n"
    )


@pytest.mark.usefixtures("late")
@pytest.mark.parametrize("fmt", ["table", "markdown", "jsonl"])
def test_nothing_upcoming_hints_at_the_past_on_stderr(fmt: str, store: SQLiteStore) -> None:
    done = search("ruby", "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert done.stderr == past_hint(store)
    assert done.stdout.strip() == ("" if fmt == "jsonl" else "No events match.")


@pytest.mark.usefixtures("late")
def test_nothing_upcoming_in_json_carries_the_hint(store: SQLiteStore) -> None:
    done = search("ruby")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    doc = json.loads(done.stdout)
    assert (doc["total"], doc["count"], doc["events"]) == (0, 0, [])
    assert doc["past_matches"] == store.search(SearchQuery(q="ruby")).total
    assert doc["data_until"] == store.stats().last_start == "2027-10-18"
    hint, stale = past_hint(store).strip().rsplit("\n", 1)
    assert doc["hint"] == hint.replace("\n", " ")
    assert doc["stale"] == stale


@pytest.mark.usefixtures("late")
def test_a_later_from_counts_the_events_before_it(store: SQLiteStore) -> None:
    done = search("ruby", "--from", "2027-09-01", "--format", "markdown")
    assert done.returncode == 0, done.stderr
    before = store.search(SearchQuery(q="ruby")).total
    assert done.stderr.startswith(f"{before} events before 2027-09-01 match: --from YYYY-MM-DD")


class CountingStore:
    """The real store, counting searches."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.searches: list[SearchQuery] = []

    def search(self, query: SearchQuery) -> SearchPage:
        self.searches.append(query)
        return self.store.search(query)

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


@pytest.mark.usefixtures("late")
@pytest.mark.parametrize(
    ("text", "fmt", "searches"),
    [("ai", "json", 1), ("ruby", "json", 4), ("ai", "table", 3), ("ruby", "markdown", 4)],
)
def test_the_look_back_runs_only_when_nothing_matches(
    text: str, fmt: str, searches: int, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventchat.store

    counting = CountingStore(store)
    monkeypatch.setattr(eventchat.store, "open_store", lambda database: counting)
    outcome = invoke("search", text, "--format", fmt)
    assert outcome.code == 0, outcome.stderr
    if fmt == "json":
        doc = json.loads(outcome.stdout)
        assert ("hint" in doc) is (doc["total"] == 0)
    # the search; with nothing found, the span (2) and one count; with events found, the table's
    # and markdown's footer reads how far the data reaches (2 one-event searches), json does not
    assert len(counting.searches) == searches


def reach_line(store: SQLiteStore, today: str) -> str:
    stats = store.stats(dt.date.fromisoformat(today))
    return f"{stats.upcoming:,} upcoming events in the data, listed up to {stats.last_start}.\n"


@pytest.mark.usefixtures("late")
@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_the_footer_says_how_far_the_data_reaches_then_that_it_is_old(
    fmt: str, store: SQLiteStore
) -> None:
    done = search("python", "--format", fmt)
    assert done.returncode == 0, done.stderr
    total = store.search(SearchQuery(q="python", start_after=LATE)).total
    assert done.stdout.rstrip().endswith(f"Events 1–{total} of {total}.")  # the footer, as it was
    stale = past_hint(store).splitlines(keepends=True)[-1]
    assert done.stderr == reach_line(store, LATE) + stale
    assert done.stderr.startswith("135 upcoming events in the data, listed up to 2027-10-18.\n")


def test_the_footer_at_a_day_when_the_data_is_not_old(
    bundled_database: Path, store: SQLiteStore
) -> None:
    done = search("python", "--format", "markdown", "--today", "2026-09-01")
    assert done.returncode == 0, done.stderr
    assert done.stderr == reach_line(store, "2026-09-01")


@pytest.mark.usefixtures("late")
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_and_jsonl_stay_as_they_were(fmt: str) -> None:
    done = search("python", "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert "upcoming" not in done.stdout + done.stderr
    if fmt == "json":
        assert set(json.loads(done.stdout)) == {"total", "count", "offset", "events", "stale"}


@pytest.mark.usefixtures("bundled_database")
def test_today_reaches_search_before_or_after_the_subcommand() -> None:
    for args in (("--today", "2026-12-03", "search", "ruby"),
                 ("search", "ruby", "--today", "2026-12-03")):  # fmt: skip
        done = run_eventchat(*args)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["total"] == 0  # nothing Ruby left after 2026-12-03
    early = run_eventchat("search", "ruby", "--today", "2025-01-01")
    assert json.loads(early.stdout)["total"] > 0


def test_deadline_flags_reach_the_store(tmp_path: Path) -> None:
    from eventchat.models import Deadline, EventDetail, EventLinks

    writable_database = tmp_path / "cfps.sqlite3"
    store = SQLiteStore(writable_database)
    deadlines = [Deadline(kind="cfp", at="2026-12-10T23:59:00-12:00", timezone="AoE")]
    links = EventLinks(id="cfp-soon", url="https://cfp.example", deadlines=deadlines)
    store.upsert([EventDetail(id="cfp-soon", name="Soon Conf", start="2027-04-01", links=links)])
    store.close()
    common = ("--database", str(writable_database), "--today", "2026-12-03")
    done = search("--cfp-open", "--sort", "deadline", *common)
    assert done.returncode == 0, done.stderr
    assert [e["id"] for e in json.loads(done.stdout)["events"]] == ["cfp-soon"]
    closed = search("--cfp-open", "--deadline-before", "2026-12-09", *common)
    assert json.loads(closed.stdout)["total"] == 0
    bad = search("--sort", "soonest", *common)
    assert (bad.returncode, bad.stderr.count("\n")) == (2, 1)
    assert "invalid --sort" in bad.stderr
