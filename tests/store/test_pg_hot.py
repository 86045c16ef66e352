"""Stored rankings of frequent lexemes in PostgreSQL (pg_hot): the same pages as ranking every
match, and never a ranking older than the data.

The thresholds are lowered so that 3,000 synthetic events have ranked words 40 deep; the
reference is the store's own full ranking (the page query of ``search_sql``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from eventchat.models import SearchQuery
from eventchat.store import pg_hot
from eventchat.store.pg_query import ranked_page_sql, search_sql
from eventchat.store.postgres import PostgresStore, page_from_ranking
from tests.store.test_sqlite_perf_migration import EVENTS

pytestmark = pytest.mark.postgres

WORDS = ["javascript", "Security", "react", "devops", "summit", "the", "days", "zebra", "node.js"]
PAGES = [(0, 10), (5, 10), (30, 10), (35, 10), (0, 50), (400, 10), (5000, 10)]


@pytest.fixture
def ranked(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[PostgresStore]:
    monkeypatch.setattr(pg_hot, "MIN_DOCS", 100)
    monkeypatch.setattr(pg_hot, "DEPTH", 40)
    store = PostgresStore(postgres_url)
    store.upsert(EVENTS)
    yield store
    store.close()


def _full_ranking(url: str, query: SearchQuery) -> tuple[int, list[str]]:
    page, count, params = search_sql(query)
    with psycopg.connect(url, row_factory=dict_row) as db:
        rows = db.execute(page, params).fetchall()
        total = db.execute(count, params).fetchone()
    return (int(total["total"]) if total else 0), [row["id"] for row in rows]


def _stored(url: str, query: SearchQuery) -> tuple[int, list[str]] | None:
    """The page as the stored rankings give it (None: they cannot tell)."""
    found = ranked_page_sql(query)
    if found is None:
        return None
    with psycopg.connect(url, row_factory=dict_row) as db:
        page = page_from_ranking(db.execute(*found).fetchall(), query)
    return None if page is None else (page[0], [row["id"] for row in page[1]])


def test_a_write_ranks_every_frequent_word_as_deep_as_the_list_goes(
    ranked: PostgresStore,
) -> None:
    with psycopg.connect(ranked.url) as db:
        terms = db.execute("SELECT query, total, listed FROM hot_terms").fetchall()
        version = db.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
        versions = db.execute("SELECT DISTINCT version FROM hot_terms").fetchall()
    assert {"'javascript'", "'secur'", "'summit'", "'the'"} <= {term for term, *_ in terms}
    assert all(total >= 100 and listed == 40 for _, total, listed in terms)
    assert versions == [version]


FILTERS: list[dict[str, Any]] = [
    {},
    {"country": "US"},
    {"country": "Deutschland"},
    {"locality": "Berlin"},
    {"online": True},
    {"online": False},
]


def test_one_word_pages_equal_ranking_every_match_and_come_from_the_lists(
    ranked: PostgresStore,
) -> None:
    served = 0
    for word in WORDS:
        for extra in FILTERS:
            for offset, limit in PAGES:
                query = SearchQuery(q=word, offset=offset, limit=limit, **extra)
                page = ranked.search(query)
                expected = _full_ranking(ranked.url, query)
                assert (page.total, [e.id for e in page.events]) == expected, query
                stored = _stored(ranked.url, query)
                if stored is not None:  # a page the lists decide is the page
                    assert stored == expected, query
                    served += 1
                elif not extra and offset + limit <= 40 and word in {"javascript", "summit"}:
                    pytest.fail(f"{query} should have come from the stored ranking")
    assert served >= 100


def test_facet_counts_are_the_counts_of_the_matches(ranked: PostgresStore) -> None:
    with psycopg.connect(ranked.url) as db:
        stored = db.execute(
            "SELECT c.value, c.n FROM hot_counts AS c WHERE c.query = %s AND c.facet = %s",
            ("'javascript'", "country"),
        ).fetchall()
    assert len(stored) > 3
    for code, n in stored:
        assert _full_ranking(ranked.url, SearchQuery(q="javascript", country=code))[0] == n


def test_filters_and_several_words_rank_every_match(ranked: PostgresStore) -> None:
    for query in [
        SearchQuery(q="javascript", country="US", online=True),
        SearchQuery(q="javascript", tags=["javascript"]),
        SearchQuery(q="javascript", start_after=dt.date(2026, 1, 1)),
        SearchQuery(q="javascript security"),
        SearchQuery(q="node.js"),
        SearchQuery(q=""),
    ]:
        assert ranked_page_sql(query) is None


def test_a_ranking_older_than_the_data_is_never_used(ranked: PostgresStore) -> None:
    query = SearchQuery(q="javascript", limit=10)
    assert _stored(ranked.url, query) is not None
    first = ranked.search(query).events[0]
    with psycopg.connect(ranked.url) as db:  # a write eventchat did not make
        db.execute("UPDATE events SET name = 'Gone' WHERE id = %s", (first.id,))
    assert _stored(ranked.url, query) is None
    page = ranked.search(query)
    assert first.id not in [e.id for e in page.events]
    assert (page.total, [e.id for e in page.events]) == _full_ranking(ranked.url, query)
    # A write that skips ranking leaves none current either; ranking again restores them.
    ranked.upsert([EVENTS[1].model_copy(update={"name": "JavaScript JavaScript"})], rerank=False)
    assert _stored(ranked.url, query) is None
    assert ranked.rank_frequent_terms() > 0
    stored = _stored(ranked.url, query)
    assert stored == _full_ranking(ranked.url, query)
    assert stored is not None
    assert stored[1][0] == EVENTS[1].id
