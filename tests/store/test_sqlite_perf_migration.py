"""m004 (event_tags, day span, date index) upgrades an old database without changing any result.

The reference is the search as it was before m004 (one plain query per page and per total); the
store must give the same totals and the same ids in the same order, before and after writes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate
from bench.store_search import QUERIES
from eventchat.models import EventDetail, SearchQuery
from eventchat.store import SQLiteStore, sqlite_query
from eventchat.store.countries import resolve_country
from eventchat.store.fts import clean_text, fold, match_expression
from eventchat.store.rows import COLUMNS, to_row
from eventchat.store.schema import MIGRATIONS
from tests.store.conftest import make

_BM25 = "bm25(events_fts, 10.0, 4.0, 1.0, 2.0, 3.0, 3.0)"
_INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
OLD_MIGRATIONS = ["m001_events", "m002_events_fts", "m003_meta"]
NEW_MIGRATIONS = [
    "m004_search_indexes",
    "m005_online_index",
    "m006_search_rankings",
    "m007_ranking_scores",
]


def reference(db: sqlite3.Connection, query: SearchQuery) -> tuple[int, list[str]]:
    """Total and ids as the search before m004 computed them (json_each, plain joins)."""
    where: list[str] = []
    params: list[Any] = []
    if query.locality and (key := fold(query.locality.partition(",")[0])):
        where.append("e.locality_key = ?")
        params.append(key)
    if query.country and query.country.strip():
        where.append("e.country_code = ?")
        params.append(resolve_country(clean_text(query.country)).code)
    for tag in query.tags:
        if tag := clean_text(tag).strip().lower():
            where.append("EXISTS (SELECT 1 FROM json_each(e.tags) AS t WHERE t.value = ?)")
            params.append(tag)
    if query.start_after:
        where.append("e.end_day >= ?")
        params.append(query.start_after.isoformat())
    if query.start_before:
        where.append("e.start_day <= ?")
        params.append(query.start_before.isoformat())
    if query.online is not None:
        where.append("e.online = ?")
        params.append(int(query.online))
    source, order = "events AS e", "e.start_day, e.start_at, e.id"
    if match := match_expression(query.q):
        source = "events_fts JOIN events AS e ON e.rowid = events_fts.rowid"
        where.insert(0, "events_fts MATCH ?")
        params.insert(0, match)
        order = f"{_BM25}, e.start_day, e.id"
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = db.execute(f"SELECT count(*) FROM {source} {clause}", params).fetchone()[0]
    sql = f"SELECT e.id FROM {source} {clause} ORDER BY {order} LIMIT ? OFFSET ?"
    ids = [row[0] for row in db.execute(sql, [*params, query.limit, query.offset])]
    return total, ids


def _twins() -> list[EventDetail]:
    """Identical events under different ids and dates: equal scores, ordered by start_day, id."""
    days = ["2026-07-03", "2026-07-01", "2026-07-01", "2026-06-20", "2026-07-02"] * 3
    return [
        make(f"twin-{i:02d}", "Zebra Twin Summit", day, description="zebra twin", tags=["Twin"])
        for i, day in enumerate(days)
    ]


def _odd_events() -> list[EventDetail]:
    """Events the fast paths must not lose: long spans, odd dates, odd tags."""
    return [
        make("residency", "Python Residency", "2025-06-01", end="2026-09-30", tags=["python"]),
        make("odd-date", "Python Undated", "2026-7-4", end="2026-7-9", tags=["python", "data"]),
        make("odd-tags", "Data Tags", "2026-07-01", tags=["C++", "Data", "data", " UX "]),
        make("online", "Online Python", "2026-08-01", online=True, tags=["python"]),
    ]


EVENTS = [*generate(3000), *_twins()]


def _queries() -> list[SearchQuery]:
    typical = [q for kind in QUERIES.values() for q in kind]
    pages = [
        q.model_copy(update={"offset": offset, "limit": limit})
        for q, (offset, limit) in itertools.product(typical[::7], [(3, 7), (10, 10), (0, 50)])
    ]
    twins = [
        SearchQuery(q="zebra twin", offset=o, limit=lim) for o in range(6) for lim in (1, 2, 4)
    ]
    others = [
        SearchQuery(q="python", locality="berlin"),
        # few matches, many filtered events: each match is joined to its row instead
        SearchQuery(q="elixir", online=False, limit=20),
        SearchQuery(q="zebra", start_after=dt.date(2024, 1, 1), limit=3, offset=1),
        SearchQuery(q="summit", online=True, limit=50),
        SearchQuery(online=False, start_after=dt.date(2026, 7, 4)),
        SearchQuery(start_after=dt.date(2026, 7, 5), limit=50),
        SearchQuery(start_after=dt.date(2026, 9, 1), tags=["python"], limit=50),
        SearchQuery(start_before=dt.date(2024, 2, 1), tags=["data", "python"]),
        SearchQuery(tags=["c++"]),
        SearchQuery(tags=["ux", "python"], country="DE", start_after=dt.date(2026, 1, 1)),
        SearchQuery(q="data", tags=["DATA"], offset=2),
        SearchQuery(q="twin", tags=["twin", "twin"], limit=3, offset=3),
    ]
    return typical + pages + twins + others


QUERY_LIST = _queries()


def _old_database(path: Path, events: list[EventDetail]) -> None:
    """A database as eventchat wrote it before m004: three migrations, events inserted."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for fn in MIGRATIONS[: len(OLD_MIGRATIONS)]:
        fn(db)
        db.execute("INSERT INTO migrations VALUES (?, '2026-01-01T00:00:00+00:00')", (fn.__name__,))
    db.executemany(_INSERT, [to_row(event, "import") for event in events])
    db.close()


def results(
    store: SQLiteStore, queries: list[SearchQuery] = QUERY_LIST
) -> list[tuple[int, list[str]]]:
    """Total and ids of each query as the store answers it."""
    pages = [store.search(query) for query in queries]
    return [(page.total, [event.id for event in page.events]) for page in pages]


def references(path: Path, queries: list[SearchQuery] = QUERY_LIST) -> list[tuple[int, list[str]]]:
    """Total and ids of each query as the reference search computes them."""
    with sqlite3.connect(path) as db:
        return [reference(db, query) for query in queries]


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    """An old database, its reference results, then the same file opened (and migrated)."""
    path = tmp_path_factory.mktemp("m004") / "old.sqlite3"
    _old_database(path, EVENTS)
    return path, references(path)


def test_the_old_schema_is_what_m004_upgrades(upgraded: tuple[Path, list[Any]]) -> None:
    path, _ = upgraded
    with sqlite3.connect(path) as db:
        names = [row[0] for row in db.execute("SELECT name FROM migrations ORDER BY rowid")]
    assert names[: len(OLD_MIGRATIONS)] == OLD_MIGRATIONS


def test_upgrade_records_the_new_migrations_and_keeps_every_result(
    upgraded: tuple[Path, list[Any]],
) -> None:
    path, before = upgraded
    store = SQLiteStore(path)
    try:
        assert store.migrations() == [*OLD_MIGRATIONS, *NEW_MIGRATIONS]
        assert store.meta("max_day_span") == "2"
        assert results(store) == before
    finally:
        store.close()
    assert SQLiteStore(path).migrations()[-1] == NEW_MIGRATIONS[-1]  # not re-run


def test_writes_keep_tags_and_span_in_step(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    _old_database(path, EVENTS[:1500])
    store = SQLiteStore(path)
    try:
        store.upsert(EVENTS[1500:])
        store.upsert(_odd_events()[:1])
        assert store.meta("max_day_span") == str((dt.date(2026, 9, 30) - dt.date(2025, 6, 1)).days)
        assert results(store) == references(path)
        retagged = [e.model_copy(update={"tags": ["Python", "Data"]}) for e in EVENTS[:400]]
        store.upsert(retagged + _odd_events())
        assert store.meta("max_day_span") == "unbounded"  # "2026-7-4" is not a canonical date
        assert results(store) == references(path)
        store.load_bundled(EVENTS[2000:2500], "test")
        assert results(store) == references(path)
    finally:
        store.close()


@pytest.mark.parametrize(("few", "slack"), [(10_000, 1), (10_000, 256), (0, 256)])
def test_a_tie_group_across_the_page_boundary_is_ordered_by_start_and_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few: int, slack: int
) -> None:
    # slack 1: the tie group runs past it and RANKED takes over; few 0: RANKED from the start.
    monkeypatch.setattr(sqlite_query, "_TIE_SLACK", slack)
    monkeypatch.setattr(sqlite_query, "_FEW_MATCHES", few)
    store = SQLiteStore(tmp_path / "ties.sqlite3")
    try:
        store.upsert([*_twins(), *EVENTS[:300]])
        queries = [q for q in QUERY_LIST if "twin" in q.q] + [SearchQuery(q="summit", limit=50)]
        with sqlite3.connect(store.path) as db:
            expected = [reference(db, query) for query in queries]
        pages = [store.search(query) for query in queries]
        assert [(p.total, [e.id for e in p.events]) for p in pages] == expected
    finally:
        store.close()
