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
from dataclasses import replace
from pathlib import Path
from typing import ParamSpec, TypeVar

from eventchat.errors import StoreError
from eventchat.models import EventDetail, EventLinks, SearchPage, SearchQuery
from eventchat.store import sqlite_hot
from eventchat.store.fts import clean_text, match_expression, match_words
from eventchat.store.rows import COLUMNS, LINK_COLUMNS, to_detail, to_event, to_links, to_row
from eventchat.store.schema import IN_CHUNK, SPAN_KEY, migrate, snapshot, transaction
from eventchat.store.sqlite_query import (
    filtered_search,
    filters_for,
    rarest_first,
    text_search,
)
from eventchat.store.stats import StoreStats, compute_stats

P = ParamSpec("P")
R = TypeVar("R")

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
        sqlite_hot.prepare(db)
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
            filters = filters_for(query, None if span is None else str(span[0]))
            if len(filters.tags) > 1:
                filters = replace(filters, tags=rarest_first(db, filters.tags))
            if match:
                words = match_words(query.q)
                total, rows = text_search(db, match, filters, query.offset, query.limit, words)
            else:
                total, rows = filtered_search(db, filters, query.offset, query.limit)
        events = [to_event(row) for row in rows]
        return SearchPage(total=total, count=len(events), offset=query.offset, events=events)

    @_guard
    def links(self, ids: Sequence[str]) -> list[EventLinks]:
        """Links for the known ids, in request order, each once; unknown ids are absent."""
        wanted = list(dict.fromkeys(clean_text(i) for i in ids))
        found: dict[str, EventLinks] = {}
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
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
    def upsert(self, events: Iterable[EventDetail], *, rerank: bool = True) -> int:
        """Insert or replace events by id in one transaction; return how many were written.

        ``rerank=False`` leaves the frequent terms unranked (searches stay exact, just slower
        for them) until :meth:`rank_frequent_terms`: for a caller writing many batches.
        """
        rows = [to_row(event, "import") for event in events]
        if not rows:
            return 0
        with transaction(self._db()) as db:
            db.executemany(f"{_INSERT} ON CONFLICT(id) DO UPDATE SET {_UPDATE}", rows)
        if rerank:
            self.rank_frequent_terms()
        return len(rows)

    @_guard
    def rank_frequent_terms(self) -> int:
        """Store the rankings of the frequent terms (see ``sqlite_hot``); return how many."""
        return sqlite_hot.refresh(self._db())

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
        self.rank_frequent_terms()
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
