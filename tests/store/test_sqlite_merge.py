"""Several frequent words merged from their stored rankings (sqlite_merge): the same results as
ranking every match.

As in ``test_sqlite_hot``, the thresholds are lowered so that a 3,000-event database has ranked
terms 40 deep. Some events added here share a name, so that whole classes of equal scores are
longer than a list and the start_day and id decide the page.
"""

from __future__ import annotations

import itertools
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventchat.models import EventDetail, SearchQuery
from eventchat.store import SQLiteStore, sqlite_hot, sqlite_merge
from eventchat.store.rows import to_row
from eventchat.store.schema import MIGRATIONS
from eventchat.store.sqlite_hot import unpack_events, unpack_scores
from tests.store.conftest import make
from tests.store.test_sqlite_hot import ranked_store
from tests.store.test_sqlite_perf_migration import _INSERT, EVENTS, reference

BM25 = "bm25(events_fts, 10.0, 4.0, 1.0, 2.0, 3.0, 3.0)"


def _ties() -> list[EventDetail]:
    """Classes of equal scores for "alpha" and "beta", longer than a list, on many days."""
    days = [f"2026-{month:02d}-{day:02d}" for month in (3, 1, 2) for day in (9, 2, 5, 1)]
    shapes = [
        ("Alpha Beta", "forum", 120),  # the best class of both words, three lists long
        ("Alpha Forum", "beta meetup", 60),
        ("Beta Forum", "alpha meetup", 60),
        ("Alpha Beta Forum Summit", "forum", 45),
    ]
    return [
        make(f"tie-{n}-{i:03d}", name, days[i % len(days)], description=description)
        for n, (name, description, count) in enumerate(shapes)
        for i in range(count)
    ]


MERGE_EVENTS = [*EVENTS, *_ties()]
WORDS = ["javascript", "Security", "react", "devops", "summit", "the", "alpha", "beta", "forum"]
PAGES = [(0, 10), (5, 10), (0, 50), (30, 20), (37, 3)]


@pytest.fixture(scope="module")
def ranked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    with ranked_store(tmp_path_factory.mktemp("merge") / "merge.sqlite3", MERGE_EVENTS) as store:
        yield store


def _search(store: SQLiteStore, query: SearchQuery) -> tuple[tuple[int, list[str]], bool]:
    """The page as (total, ids), and whether the search scored every match with bm25()."""
    statements: list[str] = []
    db = store._db()
    db.set_trace_callback(statements.append)
    try:
        page = store.search(query)
    finally:
        db.set_trace_callback(None)
    return (page.total, [e.id for e in page.events]), any("bm25(" in s for s in statements)


def _expected(store: SQLiteStore, query: SearchQuery) -> tuple[int, list[str]]:
    with sqlite3.connect(store.path) as plain:
        return reference(plain, query)


def test_each_list_is_stored_with_its_scores_for_the_term_alone(ranked: SQLiteStore) -> None:
    with sqlite3.connect(ranked.path) as db:
        stored = db.execute("SELECT term, events, scores, next_score FROM hot_terms").fetchall()
        assert len(stored) > 10
        for term, events, scores, next_score in stored:
            order = f"{BM25}, e.start_day, e.id"
            ranked_all = db.execute(
                f"SELECT f.rowid, {BM25} FROM events_fts AS f JOIN events AS e "
                f"ON e.rowid = f.rowid WHERE events_fts MATCH ? ORDER BY {order}",
                (f'"{term}"',),
            ).fetchall()
            listed = list(zip(unpack_events(events), unpack_scores(scores), strict=True))
            assert listed == ranked_all[:40]  # the same doubles, bit for bit
            ranks = db.execute("SELECT event FROM hot_ranks WHERE term = ? ORDER BY pos", (term,))
            assert [row[0] for row in ranks] == [event for event, _ in listed]
            # The best score past the last listed one, over every match of the term.
            worse = [score for _, score in ranked_all if score > listed[-1][1]]
            assert next_score == (worse[0] if worse else None)


@pytest.mark.parametrize("term", ["alpha", "javascript", "secur", "summit", "the", "zebra"])
def test_a_score_computed_in_python_is_bm25_bit_for_bit(ranked: SQLiteStore, term: str) -> None:
    db = ranked._db()
    scored = db.execute(
        f"SELECT rowid, {BM25} FROM events_fts WHERE events_fts MATCH ?", (f'"{term}"',)
    ).fetchall()
    events = [row[0] for row in scored]
    others = [rowid for rowid in range(1, 200) if rowid not in set(events)][:50]
    index = sqlite_merge.Index.read(db)
    idf = index.idf(len(events))
    computed: dict[int, float] = {}
    for start in range(0, len(events + others), 100):
        chunk = (events + others)[start : start + 100]
        frequency = sqlite_merge.frequencies(db, chunk, [term])
        sizes = sqlite_merge.lengths(db, chunk)
        computed.update(
            (e, index.score(idf, frequency[e, term], sizes[e]))
            for e in chunk
            if (e, term) in frequency
        )
    assert computed == {row[0]: row[1] for row in scored}  # and nothing for events without it
    assert index.rows == len(MERGE_EVENTS)


def test_the_varints_of_fts5_records_decode() -> None:
    assert sqlite_merge.varints(bytes([0x05, 0x81, 0x00, 0xFF, 0x7F])) == [5, 128, 16383]
    nine = bytes([0xFF] * 8 + [0x01])
    assert sqlite_merge.varints(nine) == [(2**56 - 1) << 8 | 1]


def test_several_words_get_the_same_page_as_ranking_every_match(ranked: SQLiteStore) -> None:
    merged = scored = 0
    for first, second in itertools.permutations(WORDS, 2):
        for offset, limit in PAGES:
            query = SearchQuery(q=f"{first} {second}", offset=offset, limit=limit)
            page, scored_all = _search(ranked, query)
            assert page == _expected(ranked, query), query
            merged += not scored_all
            scored += scored_all
    assert merged > 100  # the merge ran, and its fallback too
    assert scored > 20


@pytest.mark.parametrize(
    "text",
    ["alpha beta", "BETA alpha", "alpha alpha beta", "alpha beta forum", "forum beta"],
)
def test_classes_of_equal_scores_longer_than_the_lists_are_merged(
    ranked: SQLiteStore, text: str
) -> None:
    for offset, limit in [(0, 10), (0, 40), (25, 20), (30, 10)]:
        query = SearchQuery(q=text, offset=offset, limit=limit)
        page, scored_all = _search(ranked, query)
        assert page == _expected(ranked, query)
        # Within the first 40 of a class of 120, the lists decide the page: an event of the class
        # that is not listed comes after the last listed one.
        if text.count("alpha") + text.count("beta") == len(text.split()) and offset + limit <= 40:
            assert not scored_all, (text, offset, limit)


def test_the_merge_gives_up_past_its_budget_and_the_search_stays_exact(
    ranked: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = SearchQuery(q="javascript react", limit=10)  # merged after scoring 74 events
    _, scored_all = _search(ranked, query)
    assert not scored_all
    monkeypatch.setattr(sqlite_merge, "MAX_SCORED", 0)
    page, scored_all = _search(ranked, query)
    assert scored_all
    assert page == _expected(ranked, query)


def test_a_filter_or_an_unranked_word_ranks_every_match(ranked: SQLiteStore) -> None:
    for query in [
        SearchQuery(q="alpha beta", country="DE"),
        SearchQuery(q="javascript zebra"),
        SearchQuery(q="node.js security"),  # one word, two terms: a phrase
    ]:
        page, scored_all = _search(ranked, query)
        assert page == _expected(ranked, query)
        assert scored_all or page[0] == 0


@pytest.fixture(scope="module")
def ranked_words(ranked: SQLiteStore) -> list[str]:
    with sqlite3.connect(ranked.path) as db:
        return [row[0] for row in db.execute("SELECT term FROM hot_terms ORDER BY term")]


SYNTAX = st.sampled_from(['"', "*", "-", "NEAR(", "\x00", "é", ""])


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), offset=st.integers(0, 45), limit=st.integers(1, 20))
def test_any_few_words_get_the_same_page_as_ranking_every_match(
    ranked: SQLiteStore, ranked_words: list[str], data: st.DataObject, offset: int, limit: int
) -> None:
    word = st.builds(
        lambda before, word, upper, after: before + (word.upper() if upper else word) + after,
        SYNTAX,
        st.sampled_from([*ranked_words, *WORDS, "zebra", "twin", "node.js"]),
        st.booleans(),
        SYNTAX,
    )
    words = data.draw(st.lists(word, min_size=2, max_size=4))
    query = SearchQuery(q=" ".join(words), offset=offset, limit=limit)
    assert _search(ranked, query)[0] == _expected(ranked, query)


def test_m007_drops_the_rankings_stored_without_scores(tmp_path: Path) -> None:
    path = tmp_path / "m006.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for fn in MIGRATIONS[:6]:
        fn(db)
        db.execute("INSERT INTO migrations VALUES (?, '2026-11-01T00:00:00+00:00')", (fn.__name__,))
    db.executemany(_INSERT, [to_row(event, "import") for event in MERGE_EVENTS[:500]])
    db.execute("INSERT INTO hot_terms VALUES ('alpha', 285, 1)")  # as m006 stored them
    db.execute("INSERT INTO hot_ranks VALUES ('alpha', 0, 1)")
    db.close()
    store = SQLiteStore(path)
    try:
        assert store.migrations()[-1] == "m007_ranking_scores"
        with sqlite3.connect(path) as plain:
            assert plain.execute("SELECT count(*) FROM hot_ranks").fetchone()[0] == 0
            assert plain.execute("SELECT count(*) FROM hot_terms").fetchone()[0] == 0
        query = SearchQuery(q="alpha beta", limit=5)
        assert _search(store, query)[0] == _expected(store, query)
    finally:
        store.close()


def test_an_index_with_every_match_listed_needs_no_bound(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite_hot, "MIN_DOCS", 10)
        patch.setattr(sqlite_hot, "DEPTH", 10_000)
        store = SQLiteStore(tmp_path / "complete.sqlite3")
        store.upsert(_ties())
    try:
        for text in ["alpha beta", "forum meetup", "beta alpha forum"]:
            query = SearchQuery(q=text, offset=3, limit=50)
            page, scored_all = _search(store, query)
            assert page == _expected(store, query)
            assert not scored_all
            assert not math.isnan(page[0])
    finally:
        store.close()
