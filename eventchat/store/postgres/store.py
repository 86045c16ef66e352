"""The PostgreSQL store of record, shared by stateless API workers, searched through the index.

Search goes through a tantivy index in this host's cache directory, one per database (keyed by
the database's ``store_id``): every write through this store updates it, and every search first
compares the database's ``data_version`` (moved by any statement writing events, from any host)
with the index's, rebuilding it when another host or a raw write moved it
(``eventchat.store.index.sync``).

Several ``eventchat serve`` processes can use one database: the schema migrates under an
advisory lock, the bundled dataset is (re)loaded by whichever worker gets its lock first, and
writes are one ``INSERT ... ON CONFLICT (id)`` per transaction, rows in id order, so two
concurrent imports of one file neither duplicate events nor deadlock (``pg_write``). Each store
holds a small connection pool in autocommit mode; reads are single statements, writes explicit
transactions.
Tables live in the first schema of the connection's ``search_path``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import platformdirs
import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from eventchat.errors import StoreError
from eventchat.models import EventDetail, EventLinks, SearchPage, SearchQuery
from eventchat.store.index import SearchIndex, Version
from eventchat.store.index.schema import REBUILD_ORDER
from eventchat.store.postgres.migrations import migrate
from eventchat.store.postgres.rows import EVENT_COLUMNS
from eventchat.store.postgres.stats import compute_stats
from eventchat.store.postgres.write import prepare, write
from eventchat.store.rows import COLUMNS, LINK_COLUMNS, to_detail, to_event, to_links
from eventchat.store.stats import StoreStats
from eventchat.store.text import clean_text

P = ParamSpec("P")
R = TypeVar("R")

# Serialises bundled-dataset loads between workers that start together (any constant will do).
BUNDLE_LOCK = 0x4E5F0C3A6D21B7E2
_GET = f"SELECT {EVENT_COLUMNS}, {LINK_COLUMNS.removeprefix('id, ')} FROM events WHERE id = %s"
CONNECT_TIMEOUT = 5  # seconds; an unreachable server fails fast with the driver's reason


def safe_label(url: str) -> str:
    """``url`` without its password, for messages: ``postgresql://user@host:port/db``."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparsable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', 'localhost')}{port}/{parts.get('dbname', '')}"


def _reason(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _guard(method: Callable[P, R]) -> Callable[P, R]:
    """Turn psycopg errors (including pool timeouts) into StoreError naming the database."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except psycopg.Error as exc:
            label = getattr(args[0], "label", "PostgreSQL")
            raise StoreError(f"events database {label} failed ({_reason(exc)})") from exc

    return wrapper


def _read(method: Callable[P, R]) -> Callable[P, R]:
    """A read, tried once more on a fresh connection when its pooled one turns out broken (the
    server restarted since): the pool checks nothing on checkout, which would cost every
    request a round trip, and throws a broken connection away when it comes back."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except psycopg.OperationalError:
            return method(*args, **kwargs)

    return _guard(wrapper)


def index_root() -> Path:
    """Where this host keeps the search indexes of PostgreSQL databases."""
    return Path(platformdirs.user_cache_dir("eventchat")) / "index"


_SET_META = (
    "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_VERSION = "SELECT key, value FROM meta WHERE key IN ('store_id', 'data_version')"
# The page's rows and the database's version in one round trip: the search ran against the
# version this process last saw, and the version read here says whether that still holds.
_PAGE = (
    "WITH v AS (SELECT max(value) FILTER (WHERE key = 'store_id') AS store_id, "
    "max(value) FILTER (WHERE key = 'data_version') AS data_version FROM meta "
    "WHERE key IN ('store_id', 'data_version')) "
    "SELECT v.store_id, v.data_version, {} FROM v LEFT JOIN events AS e ON e.id = ANY(%s)"
).format(", ".join("e." + column.strip() for column in EVENT_COLUMNS.split(",")))


def _version(db: psycopg.Connection[DictRow]) -> Version:
    meta = {str(row["key"]): str(row["value"]) for row in db.execute(_VERSION)}
    return Version(meta.get("store_id", ""), meta.get("data_version", ""))


class PostgresStore:
    """A Store over one PostgreSQL database (see :class:`eventchat.store.base.Store`)."""

    def __init__(
        self, url: str, *, max_connections: int = 8, index_dir: Path | None = None
    ) -> None:
        self.url = url
        self.label = safe_label(url)
        self._migrate()
        self._pool: ConnectionPool[psycopg.Connection[DictRow]] = ConnectionPool(
            url,
            connection_class=psycopg.Connection[DictRow],
            kwargs={"autocommit": True, "row_factory": dict_row},
            min_size=1,
            max_size=max_connections,
            open=False,
            name="eventchat",
            timeout=30,
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT * 2)
        except psycopg.Error as exc:
            self._pool.close()
            raise StoreError(
                f"cannot open connections to the events database {self.label} ({_reason(exc)})"
            ) from exc
        self.index = SearchIndex(index_dir or index_root() / self.version().store)

    def _migrate(self) -> None:
        """Connect once outside the pool so a bad URL or a down server fails at once, clearly."""
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as db:
                migrate(db)
        except psycopg.OperationalError as exc:
            raise StoreError(
                f"cannot connect to the events database {self.label} ({_reason(exc)}) — "
                "is PostgreSQL running there, and is database set to the right postgresql:// URL?"
            ) from exc
        except psycopg.errors.InvalidSchemaName as exc:
            raise StoreError(
                f"cannot prepare the events database {self.label}: the URL's search_path names "
                "no existing schema — create that schema first, or drop search_path from the URL"
            ) from exc
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot prepare the events database {self.label} ({_reason(exc)})"
            ) from exc

    @_read
    def search(self, query: SearchQuery) -> SearchPage:
        """One page of events matching ``query``; UnknownCountryError for an unknown country."""
        with self._pool.connection() as db:
            assumed = self.index.loaded or _version(db)
            total, ids = self.index.search(query, assumed, self._all_rows)
            rows = db.execute(_PAGE, (ids,)).fetchall()
            current = Version(str(rows[0]["store_id"]), str(rows[0]["data_version"]))
            if current != assumed:  # written since this process last looked: search again
                total, ids = self.index.search(query, current, self._all_rows)
                rows = db.execute(_PAGE, (ids,)).fetchall()
        found = {row["id"]: row for row in rows if row["id"] is not None}
        events = [to_event(found[i]) for i in ids if i in found]
        return SearchPage(total=total, count=len(events), offset=query.offset, events=events)

    @_read
    def version(self) -> Version:
        """Which database this is and how often its events were written (see m006, m008)."""
        with self._pool.connection() as db:
            return _version(db)

    def _all_rows(self) -> Iterator[Mapping[str, Any]]:
        """Every events row, from one snapshot, streamed: what a rebuild of the index reads."""
        columns = ", ".join(COLUMNS)
        with self._pool.connection() as db, db.transaction():
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            with db.cursor(name="eventchat_index") as cursor:
                cursor.itersize = 5_000
                yield from cursor.execute(f"SELECT {columns} FROM events {REBUILD_ORDER}")

    @_guard
    def reindex(self) -> int:
        """Rebuild this host's search index from the database; return how many events it holds."""
        self.index.rebuild(self.version(), self._all_rows())
        return self.count()

    @_read
    def links(self, ids: Sequence[str]) -> list[EventLinks]:
        """Links for the known ids, in request order, each once; unknown ids are absent."""
        wanted = list(dict.fromkeys(clean_text(i) for i in ids))
        with self._pool.connection() as db:
            rows = db.execute(
                f"SELECT {LINK_COLUMNS} FROM events WHERE id = ANY(%s)", (wanted,)
            ).fetchall()
        found = {row["id"]: to_links(row) for row in rows}
        return [found[i] for i in wanted if i in found]

    @_read
    def get(self, event_id: str) -> EventDetail | None:
        """One event with its links, or None."""
        with self._pool.connection() as db:
            row = db.execute(_GET, (clean_text(event_id),))
            found = row.fetchone()
        return to_detail(found) if found else None

    @_read
    def count(self) -> int:
        """How many events the store holds."""
        with self._pool.connection() as db:
            row = db.execute("SELECT count(*) AS n FROM events").fetchone()
        return int(row["n"]) if row else 0

    @_read
    def stats(self, today: dt.date | None = None) -> StoreStats:
        """Counts by source, country, tag and year, the date range, and events still to come."""
        with self._pool.connection() as db:
            return compute_stats(db, today or dt.date.today())

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
        given = list(events)
        rows = prepare(given, "import")
        gone = list(dict.fromkeys(remove))
        if not rows and not gone and not meta:
            return 0
        with self._pool.connection() as db, db.transaction():
            before = self._locked_version(db)
            if rows:
                write(db, rows, on_conflict="update")
            if gone:
                db.execute("DELETE FROM events WHERE id = ANY(%s)", (gone,))
            for key, value in (meta or {}).items():
                db.execute(_SET_META, (key, value))
            after = _version(db)
        self.index.apply(before, after, rows, self._all_rows, removed=gone)
        return len(given)

    @staticmethod
    def _locked_version(db: psycopg.Connection[DictRow]) -> Version:
        """The version before this transaction's write; writers wait here for each other, so
        the version each one saw before it wrote is the one its write moved on from."""
        db.execute("SELECT value FROM meta WHERE key = 'data_version' FOR UPDATE")
        return _version(db)

    @_guard
    def load_bundled(self, events: Iterable[EventDetail], version: str) -> int:
        """Replace the bundled events with ``events`` and record ``version``, in one transaction,
        then rebuild the search index.

        Imported events survive, and an imported event keeps its id over a bundled one.
        """
        rows = prepare(events, "bundled")
        with self._pool.connection() as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (BUNDLE_LOCK,))
            self._replace_bundled(db, rows, version)
        self.index.rebuild(self.version(), self._all_rows())
        return len(rows)

    @_guard
    def refresh_bundled(self, version: str, events: Callable[[], Iterable[EventDetail]]) -> bool:
        """Load ``events()`` as the bundled events unless ``version`` is already loaded.

        Workers starting together check under one lock, so only the first one loads.
        """
        with self._pool.connection() as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (BUNDLE_LOCK,))
            current = db.execute("SELECT value FROM meta WHERE key = 'dataset_version'")
            row = current.fetchone()
            if row is not None and row["value"] == version:
                return False
            self._replace_bundled(db, prepare(events(), "bundled"), version)
        self.index.rebuild(self.version(), self._all_rows())
        return True

    @staticmethod
    def _replace_bundled(
        db: psycopg.Connection[DictRow], rows: list[dict[str, Any]], version: str
    ) -> None:
        db.execute("DELETE FROM events WHERE origin = 'bundled'")
        write(db, rows, on_conflict="keep")
        db.execute(
            "INSERT INTO meta VALUES ('dataset_version', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (version,),
        )

    @_read
    def meta(self, key: str) -> str | None:
        """A value from the ``meta`` table (``dataset_version``), or None."""
        with self._pool.connection() as db:
            row = db.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row["value"])

    @_guard
    def set_meta(self, key: str, value: str) -> None:
        """Record ``value`` under ``key`` in the ``meta`` table (``updated:confs.tech``)."""
        with self._pool.connection() as db:
            db.execute(_SET_META, (key, value))

    @_read
    def ids_from(self, source: str) -> list[str]:
        """The ids of the events whose source is exactly ``source`` (a person's feed)."""
        with self._pool.connection() as db:
            rows = db.execute("SELECT id FROM events WHERE source = %s", (source,)).fetchall()
        return [str(row["id"]) for row in rows]

    @_guard
    def migrations(self) -> list[str]:
        """Names of the applied migrations, in the order they ran."""
        with self._pool.connection() as db:
            rows = db.execute("SELECT name FROM migrations ORDER BY applied_at, name").fetchall()
        return [str(row["name"]) for row in rows]

    def close(self) -> None:
        """Close every pooled connection; the store cannot be used afterwards."""
        self._pool.close()
        if hasattr(self, "index"):
            self.index.close()
