"""Stored rankings of frequent terms (sqlite_hot): the same results as ranking every match.

The thresholds are lowered so that a 3,000-event database has ranked terms, and the list is
shorter than some pages, so both the stored path and the fallback run. The reference is the
plain one-query search of ``test_sqlite_perf_migration``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventchat.models import EventDetail, SearchQuery
from eventchat.store import SQLiteStore, sqlite_hot
from tests.store.test_sqlite_perf_migration import (
    EVENTS,
    QUERY_LIST,
    reference,
    references,
    results,
)

WORDS = ["javascript", "Security", "react", "devops", "summit", "kubernetes", "the", "days"]


def _single_word_queries() -> list[SearchQuery]:
    filters: list[dict[str, object]] = [
        {},
        {"country": "US"},
        {"country": "UK"},
        {"tags": ["javascript"]},
        {"online": True},
        {"locality": "Berlin"},
        {"start_after": dt.date(2026, 1, 1), "start_before": dt.date(2026, 6, 30)},
        {"tags": ["devops", "general"], "country": "DE"},
    ]
    pages = [(0, 10), (5, 10), (0, 50), (30, 20)]  # 50 rows is past the 40-deep list
    return [
        SearchQuery(q=word, offset=offset, limit=limit, **extra)  # type: ignore[arg-type]
        for word in WORDS
        for extra in filters
        for offset, limit in pages
    ]


QUERIES = [*QUERY_LIST, *_single_word_queries()]


@pytest.fixture
def low_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_hot, "MIN_DOCS", 100)
    monkeypatch.setattr(sqlite_hot, "DEPTH", 40)
    monkeypatch.setattr(sqlite_hot, "FACET_DEPTH", 12)


@pytest.fixture
def ranked(tmp_path: Path, low_thresholds: None) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "hot.sqlite3")
    store.upsert(EVENTS)
    yield store
    store.close()


def _results(store: SQLiteStore) -> list[tuple[int, list[str]]]:
    return results(store, QUERIES)


def _references(path: Path) -> list[tuple[int, list[str]]]:
    return references(path, QUERIES)


def _ranked_terms(path: Path) -> dict[str, tuple[int, int]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT term, total, listed FROM hot_terms").fetchall()
    return {term: (total, listed) for term, total, listed in rows}


def test_an_upsert_ranks_every_frequent_term_as_deep_as_the_list_goes(
    ranked: SQLiteStore,
) -> None:
    terms = _ranked_terms(ranked.path)
    assert {"javascript", "secur", "summit", "the", "dai"} <= set(terms)
    with sqlite3.connect(ranked.path) as db:
        for term, (total, listed) in terms.items():
            count = "SELECT count(*) FROM events_fts WHERE events_fts MATCH ?"
            assert db.execute(count, (f'"{term}"',)).fetchone()[0] == total >= 100
            assert listed == 40
            stored = db.execute("SELECT count(*) FROM hot_ranks WHERE term = ?", (term,))
            assert stored.fetchone()[0] == 40
        # Each country's own ranking: as deep as FACET_DEPTH, and its count beside it.
        facets = db.execute(
            "SELECT c.value, c.n, count(r.pos), max(r.pos) FROM hot_counts AS c "
            "JOIN hot_facet_ranks AS r USING (term, facet, value) "
            "WHERE c.term = 'javascript' AND c.facet = 'country' GROUP BY c.value"
        ).fetchall()
    assert {value for value, *_ in facets} >= {"US", "GB", "DE"}
    for _, n, listed, last in facets:
        assert listed == min(n, 12) == last + 1


def test_every_result_is_the_same_as_ranking_every_match(ranked: SQLiteStore) -> None:
    assert _results(ranked) == _references(ranked.path)


def test_a_ranked_word_is_answered_without_scoring_a_match(ranked: SQLiteStore) -> None:
    statements: list[str] = []
    db = ranked._db()
    db.set_trace_callback(statements.append)
    try:
        page = ranked.search(SearchQuery(q="JavaScript", limit=10))
        filtered = ranked.search(SearchQuery(q="javascript", tags=["JavaScript"], limit=3))
    finally:
        db.set_trace_callback(None)
    assert page.count == 10
    assert filtered.count == 3
    assert not [sql for sql in statements if "bm25(" in sql]
    # The tokenizer's tables were made with the connection, not inside the search's snapshot.
    assert not [sql for sql in statements if sql.lstrip().upper().startswith("CREATE")]
    with sqlite3.connect(ranked.path) as plain:
        assert [e.id for e in page.events] == reference(plain, SearchQuery(q="javascript"))[1]


def test_a_ranked_word_with_one_country_online_or_locality_filter_is_not_even_counted(
    ranked: SQLiteStore,
) -> None:
    statements: list[str] = []
    db = ranked._db()
    db.set_trace_callback(statements.append)
    try:
        pages = [
            ranked.search(SearchQuery(q="summit", online=False, limit=5)),
            ranked.search(SearchQuery(q="javascript", country="UK", limit=10)),
            ranked.search(SearchQuery(q="security", locality="New York", limit=3)),
        ]
    finally:
        db.set_trace_callback(None)
    assert [page.count for page in pages] == [5, 10, 3]
    assert not [sql for sql in statements if "events_fts MATCH" in sql]
    queries = [
        SearchQuery(q="summit", online=False, limit=5),
        SearchQuery(q="javascript", country="UK", limit=10),
        SearchQuery(q="security", locality="New York", limit=3),
    ]
    with sqlite3.connect(ranked.path) as plain:
        expected = [reference(plain, query) for query in queries]
    assert [(page.total, [e.id for e in page.events]) for page in pages] == expected


def test_a_page_past_the_list_ranks_the_matches_itself(ranked: SQLiteStore) -> None:
    statements: list[str] = []
    db = ranked._db()
    db.set_trace_callback(statements.append)
    try:
        ranked.search(SearchQuery(q="javascript", offset=35, limit=10))
    finally:
        db.set_trace_callback(None)
    assert [sql for sql in statements if "bm25(" in sql]


def test_any_write_drops_the_rankings_and_searches_stay_exact(ranked: SQLiteStore) -> None:
    renamed = EVENTS[7].model_copy(update={"name": "JavaScript JavaScript Security"})
    ranked.upsert([renamed], rerank=False)
    assert _ranked_terms(ranked.path) == {}
    assert _results(ranked) == _references(ranked.path)
    ranked.rank_frequent_terms()
    assert _ranked_terms(ranked.path)
    # A write that does not go through the store (another program, the sqlite3 shell) too.
    with sqlite3.connect(ranked.path) as db:
        db.execute("UPDATE events SET name = 'Security Security' WHERE id = ?", (EVENTS[9].id,))
        db.execute("DELETE FROM events WHERE id = ?", (EVENTS[11].id,))
    assert _ranked_terms(ranked.path) == {}
    assert _results(ranked) == _references(ranked.path)


def test_loading_the_bundled_data_ranks_too(tmp_path: Path, low_thresholds: None) -> None:
    store = SQLiteStore(tmp_path / "bundled.sqlite3")
    try:
        store.load_bundled(EVENTS[:1000], "test")
        assert _ranked_terms(store.path)
    finally:
        store.close()


def test_words_are_tokenized_as_the_index_tokenizes_them(ranked: SQLiteStore) -> None:
    db = ranked._db()
    assert sqlite_hot.tokens(db, "Conferences") == ["confer"]
    assert sqlite_hot.tokens(db, "Zürich") == ["zurich"]
    assert sqlite_hot.tokens(db, "node.js") == ["node", "js"]
    assert sqlite_hot.tokens(db, "--") == []


def test_the_default_thresholds_leave_a_small_database_unranked(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "small.sqlite3")
    try:
        store.upsert(EVENTS[:2000])
        assert store.rank_frequent_terms() == 0
    finally:
        store.close()


def test_an_empty_upsert_writes_nothing_and_keeps_the_rankings(ranked: SQLiteStore) -> None:
    before = _ranked_terms(ranked.path)
    assert ranked.upsert([]) == 0
    assert _ranked_terms(ranked.path) == before


@contextlib.contextmanager
def ranked_store(path: Path, events: list[EventDetail]) -> Iterator[SQLiteStore]:
    """A store of ``events`` ranked with the lowered thresholds (lists 40 deep), then closed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite_hot, "MIN_DOCS", 100)
        patch.setattr(sqlite_hot, "DEPTH", 40)
        patch.setattr(sqlite_hot, "FACET_DEPTH", 12)
        store = SQLiteStore(path)
        store.upsert(events)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def ranked_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    """A ranked store (low thresholds) shared by the examples of a property test."""
    with ranked_store(tmp_path_factory.mktemp("hot") / "hot.sqlite3", EVENTS) as store:
        yield store


# One word, as the stored rankings are used for: ranked words in any case and with FTS5 syntax,
# quotes, accents and control characters around them, or any text at all.
SYNTAX = st.sampled_from(['"', "'", "*", "-", "^", ":", "(", ")", "NEAR(", "\x00", "é", "\u202e"])
WORD = st.one_of(
    st.builds(
        lambda before, word, after: before + word + after,
        SYNTAX | st.just(""),
        st.sampled_from([w.upper() for w in WORDS] + WORDS + ["Days", "the", "summits"]),
        SYNTAX | st.just(""),
    ),
    st.text(max_size=30),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(word=WORD, country=st.sampled_from([None, "US", "UK", "DE"]), offset=st.integers(0, 45))
def test_any_single_word_gets_the_same_page_as_ranking_every_match(
    ranked_once: SQLiteStore, word: str, country: str | None, offset: int
) -> None:
    query = SearchQuery(q=word, country=country, offset=offset, limit=10)
    page = ranked_once.search(query)
    with sqlite3.connect(ranked_once.path) as plain:
        assert (page.total, [e.id for e in page.events]) == reference(plain, query)
