"""The SQLite store of record, searched through a tantivy index kept beside the file.

The index (``<file>.index/``) is derived from the ``events`` table: every write here updates it
in the same operation, and a write from anywhere else (another process, a raw sqlite3
connection) moves ``meta.data_version`` through triggers, so the next search brings the index
up to date first (see ``eventchat.store.index.sync``).

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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from eventchat.errors import StoreError
from eventchat.models import EventDetail, EventLinks, SearchPage, SearchQuery
from eventchat.store.index import SearchIndex, Version
from eventchat.store.index.schema import REBUILD_ORDER
from eventchat.store.rows import COLUMNS, LINK_COLUMNS, to_detail, to_event, to_links, to_row
from eventchat.store.sqlite.migrations import IN_CHUNK, migrate, snapshot, transaction
from eventchat.store.sqlite.stats import compute_stats
from eventchat.store.stats import StoreStats
from eventchat.store.text import clean_text

P = ParamSpec("P")
R = TypeVar("R")

_UPDATE = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "id")
_INSERT = f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


def index_path(path: Path) -> Path:
    """Where the search index of the database ``path`` lives: ``<file>.index`` beside it."""
    return path.with_name(path.name + ".index")


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

    # Reads are local and short (a search ~1 ms at 100k events): the API may call them on its
    # event loop instead of handing each to a thread.
    runs_inline = True

    def __init__(self, path: str | Path, *, index_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.index = SearchIndex(index_dir or index_path(self.path))
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
        total, ids = self.index.search(query, self.version(), self._all_rows)
        found = self._rows_by_id(ids)
        events = [to_event(found[i]) for i in ids if i in found]
        return SearchPage(total=total, count=len(events), offset=query.offset, events=events)

    def version(self, db: sqlite3.Connection | None = None) -> Version:
        """Which database this is and how often its events were written (see m008)."""
        rows = (db or self._db()).execute(
            "SELECT key, value FROM meta WHERE key IN ('store_id', 'data_version')"
        )
        meta = {str(key): str(value) for key, value in rows}
        return Version(meta.get("store_id", ""), meta.get("data_version", ""))

    def _rows_by_id(self, ids: list[str]) -> dict[str, sqlite3.Row]:
        marks = ", ".join("?" * len(ids))
        found = self._db().execute(f"SELECT * FROM events WHERE id IN ({marks})", ids)
        return {row["id"]: row for row in found}

    def _all_rows(self) -> Iterator[Mapping[str, Any]]:
        """Every events row, from one snapshot: what a rebuild of the index reads."""
        with snapshot(self._db()) as db:
            yield from db.execute(f"SELECT {', '.join(COLUMNS)} FROM events {REBUILD_ORDER}")

    @_guard
    def reindex(self) -> int:
        """Rebuild the search index from the events table; return how many events it holds."""
        self.index.rebuild(self.version(), self._all_rows())
        return self.count()

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
    def upsert(
        self,
        events: Iterable[EventDetail],
        *,
        remove: Iterable[str] = (),
        meta: Mapping[str, str] | None = None,
    ) -> int:
        """Insert or replace events by id, delete the ``remove`` ids and record ``meta``, all in
        one transaction, then update the search index; return how many were written."""
        rows = [to_row(event, "import") for event in events]
        gone = [(event_id,) for event_id in dict.fromkeys(remove)]
        if not rows and not gone and not meta:
            return 0
        with transaction(self._db()) as db:
            before = self.version(db)
            db.executemany(f"{_INSERT} ON CONFLICT(id) DO UPDATE SET {_UPDATE}", rows)
            db.executemany("DELETE FROM events WHERE id = ?", gone)
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", (meta or {}).items())
            after = self.version(db)
        written = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
        self.index.apply(before, after, written, self._all_rows, removed=[g[0] for g in gone])
        return len(rows)

    @_guard
    def load_bundled(self, events: Iterable[EventDetail], version: str) -> int:
        """Replace the bundled events with ``events`` and record ``version``, in one transaction,
        then rebuild the search index.

        Imported events survive, and an imported event keeps its id over a bundled one.
        """
        rows = [to_row(event, "bundled") for event in events]
        with transaction(self._db()) as db:
            db.execute("DELETE FROM events WHERE origin = 'bundled'")
            db.executemany(f"{_INSERT} ON CONFLICT(id) DO NOTHING", rows)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('dataset_version', ?)", (version,))
        self.index.rebuild(self.version(), self._all_rows())
        return len(rows)

    @_guard
    def meta(self, key: str) -> str | None:
        """A value from the ``meta`` table (``dataset_version``), or None."""
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_guard
    def set_meta(self, key: str, value: str) -> None:
        """Record ``value`` under ``key`` in the ``meta`` table (``updated:confs.tech``)."""
        with transaction(self._db()) as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @_guard
    def ids_from(self, source: str) -> list[str]:
        """The ids of the events whose source is exactly ``source`` (a person's feed)."""
        rows = self._db().execute("SELECT id FROM events WHERE source = ?", (source,))
        return [str(row[0]) for row in rows]

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
        self.index.close()
