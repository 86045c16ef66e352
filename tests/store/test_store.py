"""Every store backend on a small, known set of events: search semantics, upsert, links, stats.

Each test runs once per backend (``small`` and ``store_backend`` are parametrised in conftest).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from eventchat.models import SearchQuery
from eventchat.store import Store, UnknownCountryError
from tests.store.conftest import EVENTS, make


def search(store: Store, **params: Any) -> list[str]:
    return [e.id for e in store.search(SearchQuery(**params)).events]


def test_stemming_matches_plural_and_singular(small: Store) -> None:
    assert search(small, q="conference") == ["berlin"]
    assert search(small, q="summits") == ["zurich"]


def test_a_word_in_the_name_outranks_the_same_word_in_the_description(
    small: Store,
) -> None:
    ids = search(small, q="python", limit=50)
    assert set(ids) == {"pycon", "jsconf", "berlin", "zurich", "online", "nyc"}
    assert ids[-1] == "jsconf"  # only its description says python


def test_every_word_must_match(small: Store) -> None:
    assert search(small, q="python berlin") == ["berlin"]
    assert search(small, q="python lisbon") == []


def test_without_text_results_are_in_start_date_order(small: Store) -> None:
    assert search(small) == ["nyc", "berlin", "pycon", "online", "jsconf", "zurich"]


def test_locality_is_case_and_accent_insensitive(small: Store) -> None:
    assert search(small, locality="ZURICH") == ["zurich"]
    assert search(small, locality="new york, ny") == ["nyc"]


def test_country_filter_resolves_names_aliases_and_codes(small: Store) -> None:
    for text in ("DE", "deu", "Deutschland", "germany"):
        assert search(small, country=text) == ["berlin", "pycon"]
    assert search(small, country="U.S.A.") == ["nyc"]  # code derived from the display name
    with pytest.raises(UnknownCountryError):
        small.search(SearchQuery(country="Xyz"))


def test_every_tag_must_be_present_case_insensitively(small: Store) -> None:
    assert search(small, tags=["PYTHON", "Data"]) == ["berlin"]
    assert search(small, tags=["python"], country="DE") == ["berlin", "pycon"]


def test_start_after_counts_an_event_under_way(small: Store) -> None:
    # Berlin runs 2026-03-30..04-02: still on during 04-01, over by 04-03.
    assert "berlin" in search(small, start_after=dt.date(2026, 4, 1))
    assert "berlin" not in search(small, start_after=dt.date(2026, 4, 3))


def test_start_after_finds_an_event_that_began_long_before(small: Store) -> None:
    residency = make("year", "Python Residency", "2025-06-01", end="2026-05-31", tags=["python"])
    small.upsert([residency])
    assert search(small, start_after=dt.date(2026, 5, 31)) == ["year", "jsconf", "zurich"]
    assert "year" not in search(small, start_after=dt.date(2026, 6, 1))


def test_start_before_is_inclusive(small: Store) -> None:
    assert search(small, start_before=dt.date(2026, 4, 14)) == ["nyc", "berlin", "pycon"]


def test_online_filter(small: Store) -> None:
    assert search(small, online=True) == ["online"]
    assert "online" not in search(small, online=False)


def test_total_is_exact_and_pages_do_not_overlap(small: Store) -> None:
    first = small.search(SearchQuery(q="python", limit=4))
    second = small.search(SearchQuery(q="python", limit=4, offset=4))
    assert (first.total, first.count, second.total, second.count) == (6, 4, 6, 2)
    assert not {e.id for e in first.events} & {e.id for e in second.events}
    beyond = small.search(SearchQuery(limit=5, offset=100))
    assert (beyond.total, beyond.count, beyond.events) == (6, 0, [])


@pytest.mark.parametrize(
    "text",
    ['"', 'NEAR(python', "*", "-python", "python:", "AND OR NOT", "(", "\x00python",
     "\ud800", "^", "name:python", '""', "x" * 10_000, "🐍 " * 3000, "python " * 1500,
     "\x00" * 100, "python\x00berlin", '"python" OR -berlin', "a:* & !b <-> c"],
    ids=lambda text: ascii(text)[:20],
)  # fmt: skip
def test_no_text_can_break_the_query(small: Store, text: str) -> None:
    page = small.search(SearchQuery(q=text, locality=text, tags=[text]))
    assert page.total == len(page.events)


def test_punctuation_in_text_is_ignored_not_an_error(small: Store) -> None:
    assert search(small, q="-python") == search(small, q="python")
    assert len(search(small, q="***", limit=50)) == len(EVENTS)


def test_upsert_replaces_by_id_and_reindexes(small: Store) -> None:
    renamed = EVENTS[0].model_copy(update={"name": "Python Deutschland Renamed"})
    assert small.upsert([renamed, renamed]) == 2
    assert small.count() == len(EVENTS)
    assert search(small, q="renamed") == ["pycon"]
    assert search(small, q="pycon") == []  # the old name is no longer indexed


def test_upsert_removes_ids_and_records_meta_in_the_same_write(small: Store) -> None:
    renamed = EVENTS[0].model_copy(update={"name": "Python Deutschland Renamed"})
    written = small.upsert([renamed], remove=["zurich", "no-such-id"], meta={"copy:x": "abc"})
    assert written == 1
    assert small.count() == len(EVENTS) - 1
    assert small.get("zurich") is None
    assert search(small, q="zurich") == []  # gone from the index as well
    assert small.meta("copy:x") == "abc"
    small.upsert([make("feed-1", "Feed Meetup", "2026-10-01", source="my-feed")])
    assert small.ids_from("my-feed") == ["feed-1"]
    assert small.ids_from("my") == []  # exactly that source
    # only removals and meta: still one write, and the index follows
    assert small.upsert([], remove=["pycon"], meta={"copy:x": ""}) == 0
    assert small.get("pycon") is None
    assert search(small, q="renamed") == []
    assert small.meta("copy:x") == ""


def test_links_keep_request_order_and_drop_unknown_ids(small: Store) -> None:
    links = small.links(["zurich", "nope", "pycon", "zurich"])
    assert [link.id for link in links] == ["zurich", "pycon"]
    assert links[1].url == "https://pycon.test"


def test_get_returns_event_with_links_or_none(small: Store) -> None:
    event = small.get("nyc")
    assert event is not None
    assert (event.region, event.country_code, event.tags) == ("NY", "US", ["python"])
    assert event.links is not None
    assert event.links.url == "https://nyc.test"
    assert small.get("missing") is None


def test_threads_share_one_store(small: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        totals = list(pool.map(lambda _: small.search(SearchQuery(q="python")).total, range(16)))
    assert totals == [6] * 16


def test_stats_count_by_source_country_tag_and_year(small: Store) -> None:
    stats = small.stats(today=dt.date(2026, 4, 15))
    assert stats.events == 6
    assert stats.upcoming == 4  # pycon (ends 04-17), online, jsconf, zurich
    assert stats.online == 1
    assert (stats.first_start, stats.last_start) == ("2025-11-01", "2026-09-01")
    assert stats.by_country == {"DE": 2, "CH": 1, "HU": 1, "US": 1}
    assert stats.by_tag == {"python": 5, "data": 1, "javascript": 1}
    assert stats.by_year == {"2025": 1, "2026": 5}
    assert stats.by_source == {"unknown": 6}


def test_stats_of_the_bundled_database(store_backend: Store) -> None:
    stats = store_backend.stats(today=dt.date(2026, 1, 1))
    assert stats.events == 8252
    assert stats.by_source == {
        "confs.tech": 5900, "python-deadlines": 1093, "ccf-deadlines": 1033,
        "confs.tech, python-deadlines": 102, "ccf-deadlines, ai-deadlines": 94,
        "ai-deadlines": 26, "confs.tech, ccf-deadlines": 4,
    }  # fmt: skip
    assert stats.dataset_version is not None
    assert stats.dataset_version.startswith("sha256:")
    assert sum(stats.by_year.values()) == 8252
    assert next(iter(stats.by_country)) == "US"
