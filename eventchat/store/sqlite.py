"""The SQLite store: FTS5 full-text search over an external-content table kept in sync by triggers.

Each thread gets its own connection (FastAPI runs sync routes in a thread pool; a sqlite3
connection must not be used by two threads at once), and the database runs in WAL mode so
readers never wait for a writer. Connections are in autocommit mode and every write is an
explicit transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from eventchat.errors import StoreError
from eventchat.models import EventDetail, EventLinks, SearchPage, SearchQuery
from eventchat.store.countries import resolve_country
from eventchat.store.fts import clean_text, fold, match_expression
from eventchat.store.rows import COLUMNS, LINK_COLUMNS, to_detail, to_event, to_links, to_row
from eventchat.store.schema import SPAN_KEY, migrate, snapshot, transaction
from eventchat.store.stats import StoreStats, compute_stats

P = ParamSpec("P")
R = TypeVar("R")

# BM25 weights in FTS column order (name, tags, description, venue, locality, country):
# a word in the name outranks the same word anywhere else.
_BM25 = "bm25(events_fts, 10.0, 4.0, 1.0, 2.0, 3.0, 3.0)"
_IN_CHUNK = 500  # stays under SQLite's bound-parameter limit
_UPDATE = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "id")
_INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


def _guard(method: Callable[P, R]) -> Callable[P, R]:
    """Turn sqlite3 errors into StoreError naming the database file."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            store = args[0]
            path = getattr(store, "path", "?")
            raise StoreError(
                f"events database {path} failed ({exc}) — remove the file to rebuild it"
            ) from exc

    return wrapper


@dataclass(frozen=True)
class _Filters:
    """Every filter of a query except the full text, normalised as the columns store them."""

    locality_key: str | None
    country_code: str | None
    tags: list[str]
    ends_from: str | None  # start_after: end_day >= this
    starts_from: str | None  # start_day >= this, implied by ends_from and the longest span
    starts_until: str | None  # start_before: start_day <= this
    online: int | None

    def on_events(self) -> tuple[list[str], list[Any]]:
        """WHERE clauses on ``e`` (events) for every filter but the tags."""
        where, params = self.on_columns()
        dates, date_params = self.on_days("e")
        return where + dates, params + date_params

    def on_columns(self) -> tuple[list[str], list[Any]]:
        """WHERE clauses on ``e`` for the locality, country and online filters."""
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (
            ("e.locality_key = ?", self.locality_key),
            ("e.country_code = ?", self.country_code),
            ("e.online = ?", self.online),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        return where, params

    def on_days(self, alias: str) -> tuple[list[str], list[Any]]:
        """WHERE clauses on ``alias.start_day``/``end_day`` for the date filters."""
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (
            (f"{alias}.start_day >= ?", self.starts_from),
            (f"{alias}.start_day <= ?", self.starts_until),
            (f"{alias}.end_day >= ?", self.ends_from),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        return where, params

    def has_event_columns(self) -> bool:
        """Whether a filter needs the events row (not just event_tags)."""
        fields = (self.locality_key, self.country_code, self.online)
        return any(value is not None for value in fields)

    def is_empty(self) -> bool:
        """Whether nothing but (possibly) the text filters the events."""
        days = (self.ends_from, self.starts_until)
        return not self.tags and not self.has_event_columns() and days == (None, None)


def _tag_exists(alias: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM event_tags AS t WHERE t.tag = ? "
        f"AND t.start_day = {alias}.start_day AND t.event = {alias}.{_ROWID[alias]})"
    )


_ROWID = {"e": "rowid", "t0": "event"}


def _starts_from(start_after: dt.date | None, span: str | None) -> str | None:
    """The earliest start_day of an event ending on/after ``start_after`` (None: no bound)."""
    if start_after is None or span is None or not span.isdigit():
        return None
    try:
        return (start_after - dt.timedelta(days=int(span))).isoformat()
    except OverflowError:
        return None


def _filters(query: SearchQuery, span: str | None) -> _Filters:
    """The filters of ``query``; ``span`` is the stored longest event span (see schema)."""
    key = fold(query.locality.partition(",")[0]) if query.locality else ""
    code = None
    if query.country and query.country.strip():
        code = resolve_country(clean_text(query.country)).code
    tags = [tag for raw in query.tags if (tag := clean_text(raw).strip().lower())]
    return _Filters(
        locality_key=key or None,
        country_code=code,
        tags=list(dict.fromkeys(tags)),
        ends_from=query.start_after.isoformat() if query.start_after else None,
        starts_from=_starts_from(query.start_after, span),
        starts_until=query.start_before.isoformat() if query.start_before else None,
        online=None if query.online is None else int(query.online),
    )


# Testing each FTS match against a set of rowids built once costs about a third of looking up
# its events row, so the set is worth building while it is under this many times the matches.
_SET_PER_MATCH = 3


@dataclass(frozen=True)
class _Selection:
    """The events passing every filter but the text: FROM, WHERE, start order, rowid."""

    source: str
    counted: str  # FROM enough for counting (and for the rowids): no events rows when it can
    clause: str
    params: list[Any]
    order: str
    rowid: str


def _rarest_first(db: sqlite3.Connection, tags: list[str]) -> list[str]:
    """``tags`` with the rarest first (counted up to a cap): the first tag drives the search."""
    count = "SELECT count(*) FROM (SELECT 1 FROM event_tags WHERE tag = ? LIMIT ?)"
    sizes: dict[str, int] = {}
    for tag in tags:  # counting past the rarest so far would tell nothing more
        cap = min(sizes.values(), default=_TAG_COUNT_CAP - 1) + 1
        sizes[tag] = db.execute(count, (tag, cap)).fetchone()[0]
    return sorted(tags, key=sizes.__getitem__)


def _select(filters: _Filters) -> _Selection:
    """Tags drive from the first tag's event_tags rows, in start_day order; else the indexes."""
    if filters.tags:
        first, *rest = filters.tags
        days, day_params = filters.on_days("t0")
        columns, column_params = filters.on_columns()
        where = ["t0.tag = ?", *days, *[_tag_exists("t0")] * len(rest), *columns]
        params = [first, *day_params, *rest, *column_params]
        source = "event_tags AS t0 CROSS JOIN events AS e ON e.rowid = t0.event"
        counted = source if filters.has_event_columns() else "event_tags AS t0"
        order, rowid = "t0.start_day, e.start_at, e.id", "t0.event"
    else:
        where, params = filters.on_events()
        source = counted = "events AS e"
        order, rowid = "e.start_day, e.start_at, e.id", "e.rowid"
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return _Selection(source, counted, clause, params, order, rowid)


def _text_where(
    db: sqlite3.Connection, match: str, filters: _Filters, matches: int
) -> tuple[str, list[Any], bool]:
    """WHERE of a full-text search with filters, its parameters, and whether it needs ``e``.

    When the filtered events are few next to the text matches, their rowids are collected once
    and each match is tested against them (``+`` keeps the planner from probing the FTS index
    once per rowid). Otherwise each match is joined to its events row and the filters tested
    there; the caller's CROSS JOIN keeps the FTS index as the outer loop for the same reason.
    """
    chosen = _select(filters)
    cap = _SET_PER_MATCH * matches
    probe = f"SELECT count(*) FROM (SELECT 1 FROM {chosen.counted} {chosen.clause} LIMIT ?)"
    if db.execute(probe, [*chosen.params, cap + 1]).fetchone()[0] <= cap:
        rowids = f"SELECT {chosen.rowid} FROM {chosen.counted} {chosen.clause}"
        where = f"events_fts MATCH ? AND +events_fts.rowid IN ({rowids})"
        return where, [match, *chosen.params], False
    clauses, params = filters.on_events()
    clauses += [_tag_exists("e")] * len(filters.tags)
    return " AND ".join(["events_fts MATCH ?", *clauses]), [match, *params, *filters.tags], True


_TAG_COUNT_CAP = 50_000  # enough to tell a rare tag from a common one
_TIE_SLACK = 256  # ranked past the page, so that a tie group there is usually complete
_FTS = "events_fts"
_FTS_EVENTS = "events_fts CROSS JOIN events AS e ON e.rowid = events_fts.rowid"


def _text_search(
    db: sqlite3.Connection, match: str, filters: _Filters, offset: int, limit: int
) -> tuple[int, list[sqlite3.Row]]:
    """Total and page of a full-text search: by relevance, then start_day, then id.

    Only rowids are ranked (no events row per match); the page's rows are read afterwards.
    """
    count = "SELECT count(*) FROM events_fts WHERE events_fts MATCH ?"
    total = int(db.execute(count, [match]).fetchone()[0])
    if not total:
        return 0, []
    wanted = offset + limit
    if filters.is_empty():  # the count above is the total
        body, params = "events_fts WHERE events_fts MATCH ?", [match]
        top = db.execute(f"{_rank(body)} ORDER BY s LIMIT ?", [*params, wanted + _TIE_SLACK])
    else:  # score the filtered matches once, and count them from the same pass
        where, params, joined = _text_where(db, match, filters, total)
        body = f"{_FTS_EVENTS if joined else _FTS} WHERE {where}"
        top = db.execute(
            f"WITH m AS MATERIALIZED ({_rank(body)}) "
            "SELECT r, s, (SELECT count(*) FROM m) FROM m ORDER BY s LIMIT ?",
            [*params, wanted + _TIE_SLACK],
        )
    ranked = top.fetchall()
    if not filters.is_empty():
        total = int(ranked[0][2]) if ranked else 0
    scores = dict(_through_ties(db, body, params, ranked, wanted))
    rows = _rows_by_rowid(db, list(scores))
    rows.sort(key=lambda row: (scores[row["rowid"]], row["start_day"], row["id"]))
    return total, rows[offset:wanted]


def _rank(body: str) -> str:
    return f"SELECT events_fts.rowid AS r, {_BM25} AS s FROM {body}"


def _through_ties(
    db: sqlite3.Connection, body: str, params: list[Any], top: list[sqlite3.Row], wanted: int
) -> list[tuple[int, float]]:
    """(rowid, score) of the ``wanted`` best in ``top`` and of every match tying with the last.

    Equal scores are common (same name, same length) and are ordered by start_day then id, so
    the whole tie group at the page boundary goes to the caller; ``top`` was ranked with some
    slack past the page, and a group running past the slack is fetched by score.
    """
    if len(top) <= wanted:
        return [(row[0], row[1]) for row in top]
    last = top[wanted - 1][1]
    if top[-1][1] == last:
        top = db.execute(f"{_rank(body)} AND {_BM25} <= ?", [*params, last]).fetchall()
    return [(row[0], row[1]) for row in top if row[1] <= last]


def _rows_by_rowid(db: sqlite3.Connection, rowids: list[int]) -> list[sqlite3.Row]:
    """The events rows with these rowids, in no particular order."""
    rows: list[sqlite3.Row] = []
    for start in range(0, len(rowids), _IN_CHUNK):
        chunk = rowids[start : start + _IN_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows += db.execute(f"SELECT * FROM events WHERE rowid IN ({marks})", chunk).fetchall()
    return rows


def _filtered_search(
    db: sqlite3.Connection, filters: _Filters, offset: int, limit: int
) -> tuple[int, list[sqlite3.Row]]:
    """Total and page of a search without text, in start order."""
    chosen = _select(filters)
    count = f"SELECT count(*) FROM {chosen.counted} {chosen.clause}"
    total = int(db.execute(count, chosen.params).fetchone()[0])
    page = (
        f"SELECT e.* FROM {chosen.source} {chosen.clause} ORDER BY {chosen.order} LIMIT ? OFFSET ?"
    )
    return total, db.execute(page, [*chosen.params, limit, offset]).fetchall()


class SQLiteStore:
    """A Store over one SQLite file (see :class:`eventchat.store.base.Store` for semantics)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        self._open_and_migrate()

    @_guard
    def _open_and_migrate(self) -> None:
        try:
            migrate(self._db())
        except sqlite3.Error:
            self.close()
            raise

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            return db
        if self._closed:
            raise StoreError(f"events database {self.path} is closed")
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        with self._lock:
            self._connections.append(db)
        self._local.db = db
        return db

    @_guard
    def search(self, query: SearchQuery) -> SearchPage:
        """One page of events matching ``query``; UnknownCountryError for an unknown country."""
        match = match_expression(query.q)
        # One snapshot: the total, the ranked rowids and the rows read for them must agree.
        with snapshot(self._db()) as db:
            span = db.execute("SELECT value FROM meta WHERE key = ?", (SPAN_KEY,)).fetchone()
            filters = _filters(query, None if span is None else str(span[0]))
            if len(filters.tags) > 1:
                filters = replace(filters, tags=_rarest_first(db, filters.tags))
            if match:
                total, rows = _text_search(db, match, filters, query.offset, query.limit)
            else:
                total, rows = _filtered_search(db, filters, query.offset, query.limit)
        events = [to_event(row) for row in rows]
        return SearchPage(total=total, count=len(events), offset=query.offset, events=events)

    @_guard
    def links(self, ids: Sequence[str]) -> list[EventLinks]:
        """Links for the known ids, in request order, each once; unknown ids are absent."""
        wanted = list(dict.fromkeys(clean_text(i) for i in ids))
        found: dict[str, EventLinks] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT {LINK_COLUMNS} FROM events WHERE id IN ({marks})"
            found.update((row["id"], to_links(row)) for row in self._db().execute(sql, chunk))
        return [found[i] for i in wanted if i in found]

    @_guard
    def get(self, event_id: str) -> EventDetail | None:
        """One event with its links, or None."""
        row = self._db().execute("SELECT * FROM events WHERE id = ?", (clean_text(event_id),))
        found = row.fetchone()
        return to_detail(found) if found else None

    @_guard
    def count(self) -> int:
        """How many events the store holds."""
        return int(self._db().execute("SELECT count(*) FROM events").fetchone()[0])

    @_guard
    def stats(self, today: dt.date | None = None) -> StoreStats:
        """Counts by source, country, tag and year, the date range, and events still to come."""
        return compute_stats(self._db(), today or dt.date.today())

    @_guard
    def upsert(self, events: Iterable[EventDetail]) -> int:
        """Insert or replace events by id in one transaction; return how many were written."""
        rows = [to_row(event, "import") for event in events]
        with transaction(self._db()) as db:
            db.executemany(f"{_INSERT} ON CONFLICT(id) DO UPDATE SET {_UPDATE}", rows)
        return len(rows)

    @_guard
    def load_bundled(self, events: Iterable[EventDetail], version: str) -> int:
        """Replace the bundled events with ``events`` and record ``version``, in one transaction.

        Imported events survive, and an imported event keeps its id over a bundled one.
        """
        rows = [to_row(event, "bundled") for event in events]
        with transaction(self._db()) as db:
            db.execute("DELETE FROM events WHERE origin = 'bundled'")
            db.executemany(f"{_INSERT} ON CONFLICT(id) DO NOTHING", rows)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('dataset_version', ?)", (version,))
        return len(rows)

    @_guard
    def meta(self, key: str) -> str | None:
        """A value from the ``meta`` table (``dataset_version``), or None."""
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_guard
    def migrations(self) -> list[str]:
        """Names of the applied migrations, in the order they ran."""
        rows = self._db().execute("SELECT name FROM migrations ORDER BY rowid")
        return [str(row[0]) for row in rows]

    def close(self) -> None:
        """Close every thread's connection; the store cannot be used afterwards."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()
