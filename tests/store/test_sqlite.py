"""The SQLite store on a small, known set of events: search semantics, upsert, links."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventchat.models import EventDetail, EventLinks, SearchQuery
from eventchat.store import SQLiteStore, UnknownCountryError


def make(event_id: str, name: str, start: str, **fields: Any) -> EventDetail:
    links = fields.pop("links", None) or EventLinks(id=event_id, url=f"https://{event_id}.test")
    return EventDetail(id=event_id, name=name, start=start, links=links, **fields)


EVENTS = [
    make("pycon", "PyCon DE", "2026-04-14", end="2026-04-17", locality="Darmstadt",
         country="Germany", country_code="DE", tags=["Python"]),
    make("jsconf", "JSConf Budapest", "2026-06-10", locality="Budapest", country="Hungary",
         tags=["javascript"], description="Talks about python interop too"),
    make("berlin", "Berlin Data Conferences", "2026-03-30", end="2026-04-02",
         locality="Berlin", country_code="DE", country="Germany", tags=["data", "python"]),
    make("zurich", "Swiss Python Summit", "2026-09-01", locality="Zürich",
         country="Switzerland", tags=["python"]),
    make("online", "Remote Python Day", "2026-05-05", online=True, tags=["python"]),
    make("nyc", "Python NYC", "2025-11-01", locality="New York", region="NY",
         country="United States", tags=["python"]),
]  # fmt: skip


def search(store: SQLiteStore, **params: Any) -> list[str]:
    return [e.id for e in store.search(SearchQuery(**params)).events]


@pytest.fixture
def small(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "small.sqlite3")
    store.upsert(EVENTS)
    yield store
    store.close()


def test_stemming_matches_plural_and_singular(small: SQLiteStore) -> None:
    assert search(small, q="conference") == ["berlin"]
    assert search(small, q="summits") == ["zurich"]


def test_a_word_in_the_name_outranks_the_same_word_in_the_description(
    small: SQLiteStore,
) -> None:
    ids = search(small, q="python", limit=50)
    assert set(ids) == {"pycon", "jsconf", "berlin", "zurich", "online", "nyc"}
    assert ids[-1] == "jsconf"  # only its description says python


def test_every_word_must_match(small: SQLiteStore) -> None:
    assert search(small, q="python berlin") == ["berlin"]
    assert search(small, q="python lisbon") == []


def test_without_text_results_are_in_start_date_order(small: SQLiteStore) -> None:
    assert search(small) == ["nyc", "berlin", "pycon", "online", "jsconf", "zurich"]


def test_locality_is_case_and_accent_insensitive(small: SQLiteStore) -> None:
    assert search(small, locality="ZURICH") == ["zurich"]
    assert search(small, locality="new york, ny") == ["nyc"]


def test_country_filter_resolves_names_aliases_and_codes(small: SQLiteStore) -> None:
    for text in ("DE", "deu", "Deutschland", "germany"):
        assert search(small, country=text) == ["berlin", "pycon"]
    assert search(small, country="U.S.A.") == ["nyc"]  # code derived from the display name
    with pytest.raises(UnknownCountryError):
        small.search(SearchQuery(country="Xyz"))


def test_every_tag_must_be_present_case_insensitively(small: SQLiteStore) -> None:
    assert search(small, tags=["PYTHON", "Data"]) == ["berlin"]
    assert search(small, tags=["python"], country="DE") == ["berlin", "pycon"]


def test_start_after_counts_an_event_under_way(small: SQLiteStore) -> None:
    # Berlin runs 2026-03-30..04-02: still on during 04-01, over by 04-03.
    assert "berlin" in search(small, start_after=dt.date(2026, 4, 1))
    assert "berlin" not in search(small, start_after=dt.date(2026, 4, 3))


def test_start_before_is_inclusive(small: SQLiteStore) -> None:
    assert search(small, start_before=dt.date(2026, 4, 14)) == ["nyc", "berlin", "pycon"]


def test_online_filter(small: SQLiteStore) -> None:
    assert search(small, online=True) == ["online"]
    assert "online" not in search(small, online=False)


def test_total_is_exact_and_pages_do_not_overlap(small: SQLiteStore) -> None:
    first = small.search(SearchQuery(q="python", limit=4))
    second = small.search(SearchQuery(q="python", limit=4, offset=4))
    assert (first.total, first.count, second.total, second.count) == (6, 4, 6, 2)
    assert not {e.id for e in first.events} & {e.id for e in second.events}
    beyond = small.search(SearchQuery(limit=5, offset=100))
    assert (beyond.total, beyond.count, beyond.events) == (6, 0, [])


@pytest.mark.parametrize(
    "text",
    ['"', 'NEAR(python', "*", "-python", "python:", "AND OR NOT", "(", "\x00python",
     "\ud800", "^", "name:python", '""', "x" * 10_000, "🐍 " * 3000],
)  # fmt: skip
def test_no_text_can_break_the_query(small: SQLiteStore, text: str) -> None:
    page = small.search(SearchQuery(q=text, locality=text, tags=[text]))
    assert page.total == len(page.events)


def test_punctuation_in_text_is_ignored_not_an_error(small: SQLiteStore) -> None:
    assert search(small, q="-python") == search(small, q="python")
    assert len(search(small, q="***", limit=50)) == len(EVENTS)


def test_upsert_replaces_by_id_and_reindexes(small: SQLiteStore) -> None:
    renamed = EVENTS[0].model_copy(update={"name": "PyCon Deutschland Renamed"})
    assert small.upsert([renamed, renamed]) == 2
    assert small.count() == len(EVENTS)
    assert search(small, q="renamed") == ["pycon"]
    assert search(small, q="pycon de") == []  # the old name is no longer indexed


def test_links_keep_request_order_and_drop_unknown_ids(small: SQLiteStore) -> None:
    links = small.links(["zurich", "nope", "pycon", "zurich"])
    assert [link.id for link in links] == ["zurich", "pycon"]
    assert links[1].url == "https://pycon.test"


def test_get_returns_event_with_links_or_none(small: SQLiteStore) -> None:
    event = small.get("nyc")
    assert event is not None
    assert (event.region, event.country_code, event.tags) == ("NY", "US", ["python"])
    assert event.links is not None
    assert event.links.url == "https://nyc.test"
    assert small.get("missing") is None


def test_migrations_are_recorded_in_order_and_not_rerun(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    SQLiteStore(path).close()
    reopened = SQLiteStore(path)
    assert reopened.migrations() == ["m001_events", "m002_events_fts", "m003_meta"]
    reopened.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM migrations").fetchone()[0] == 3


def test_threads_share_one_store(small: SQLiteStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        totals = list(pool.map(lambda _: small.search(SearchQuery(q="python")).total, range(16)))
    assert totals == [6] * 16


def test_stats_count_by_source_country_tag_and_year(small: SQLiteStore) -> None:
    stats = small.stats(today=dt.date(2026, 4, 15))
    assert stats.events == 6
    assert stats.upcoming == 4  # pycon (ends 04-17), online, jsconf, zurich
    assert stats.online == 1
    assert (stats.first_start, stats.last_start) == ("2025-11-01", "2026-09-01")
    assert stats.by_country == {"DE": 2, "CH": 1, "HU": 1, "US": 1}
    assert stats.by_tag == {"python": 5, "data": 1, "javascript": 1}
    assert stats.by_year == {"2025": 1, "2026": 5}
    assert stats.by_source == {"unknown": 6}


def test_stats_of_the_bundled_database(store: SQLiteStore) -> None:
    stats = store.stats(today=dt.date(2026, 1, 1))
    assert stats.events == 6006
    assert stats.by_source == {"confs.tech": 6006}
    assert stats.dataset_version is not None
    assert stats.dataset_version.startswith("sha256:")
    assert sum(stats.by_year.values()) == 6006
    assert next(iter(stats.by_country)) == "US"
