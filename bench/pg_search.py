"""The PostgreSQL side of the store bench: one schema of synthetic events per size.

``python -m bench pg_search`` now runs ``bench.store_search``, which times both stores on the
same events and queries; this module loads what it (and ``bench.serve_throughput``) reads.

Per size, the synthetic events of ``bench.generate`` (same seed) are loaded through the store's
public API (``PostgresStore(url)``, ``upsert(chunk)`` per chunk, ``close()``, as the SQLite file
is) into a schema of their own, ``bench_<size>``, selected with the URL option
``options=-csearch_path=bench_<size>``; then every table in it gets ``VACUUM ANALYZE``. Nothing
outside that schema is dropped or written. The schema's comment records what it holds
(``generate.CACHE_FORMAT``, generator version, seed, size, the store's code fingerprint, load
time): a later run whose comment and event count match skips the load; any change to the
store's code reloads. The schema also records the bundled dataset as loaded with no events, so
that ``eventchat serve`` over it serves exactly the synthetic events, as it does over the SQLite
file.

``EVENTCHAT_BENCH_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``);
``EVENTCHAT_BENCH_REBUILD=1`` reloads; ``EVENTCHAT_BENCH_PG=0`` skips PostgreSQL.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from bench.generate import CACHE_FORMAT, GENERATOR_VERSION, SEED, Stopwatch, load, store_fingerprint

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT = 5
# The bench's own advisory lock: two runs never load (or drop) one schema at the same time.
LOAD_LOCK = 0x4E5F0C3A6D21B7F0
LOCK_WAIT = 900  # seconds: a 1M load takes minutes
MIN_ALL_VISIBLE = 0.99


@dataclass(frozen=True)
class PgBuild:
    """A loaded benchmark schema: its URL, its size, how long the store took to load it."""

    url: str
    schema: str
    size: int
    events: int
    seconds: float  # open, every upsert, close: as ``generate.Build.seconds``
    vacuum_seconds: float
    cached: bool
    all_visible: float  # share of pages; below 1, index-only scans still read the heap


class PostgresUnavailableError(Exception):
    """PostgreSQL (or its driver) cannot be used: the message says why."""


def skipped() -> bool:
    """Whether ``EVENTCHAT_BENCH_PG`` turns PostgreSQL off (0, false, no, off)."""
    return os.environ.get("EVENTCHAT_BENCH_PG", "").strip().lower() in {"0", "false", "no", "off"}


def base_url() -> str:
    """The PostgreSQL server's URL, from ``EVENTCHAT_BENCH_PG_URL``."""
    return os.environ.get("EVENTCHAT_BENCH_PG_URL", "").strip() or DEFAULT_URL


def schema_url(url: str, schema: str) -> str:
    """``url`` with its search_path set to ``schema`` (the store's tables live there)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def connect(url: str) -> Any:
    """An autocommit psycopg connection (no open transaction holds VACUUM back)."""
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)


def _marker(size: int, seed: int) -> str:
    return (
        f"format {CACHE_FORMAT}, generator {GENERATOR_VERSION}, seed {seed}, {size} events, "
        f"store code {store_fingerprint()}"
    )


def _recorded(admin: Any, schema: str) -> dict[str, Any] | None:
    """What the schema's comment says it holds, or None (no schema, no comment, not ours)."""
    row = admin.execute(
        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s",
        (schema,),
    ).fetchone()
    try:
        found = json.loads(row[0]) if row and row[0] else None
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _open(url: str) -> Any:
    """A PostgresStore at ``url`` whose bundled dataset is recorded as loaded, with no events."""
    from eventchat.store import dataset_version
    from eventchat.store.postgres import PostgresStore

    store = PostgresStore(url)
    version = dataset_version()
    if store.meta("dataset_version") != version:
        # Without this, `eventchat serve` would add the bundled events to the synthetic ones.
        store.load_bundled([], version)
    return store


def _load(admin: Any, url: str, schema: str, size: int, seed: int) -> tuple[int, float, float]:
    """A fresh schema with ``size`` events, vacuumed and analysed: the count, the store's load
    seconds and the VACUUM's."""
    from psycopg import sql

    name = sql.Identifier(schema)
    admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(name))
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(name))
    from eventchat.store.postgres import PostgresStore

    count, seconds = load(lambda: PostgresStore(url), size, seed)
    _open(url).close()  # the bundled marker is bench set-up, not part of the timed load
    return count, seconds, _vacuum(admin, schema)


def _vacuum(admin: Any, schema: str) -> float:
    """VACUUM ANALYZE every table of ``schema`` (whatever tables the store made); seconds."""
    from psycopg import sql

    took = Stopwatch()
    tables = admin.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,)
    ).fetchall()
    with took:
        for (table,) in tables:
            admin.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(schema, table)))
    return took.seconds


def all_visible(admin: Any, schema: str) -> float:
    """The lowest share of pages VACUUM marked all-visible (index-only scans) over the schema's
    tables of more than a few pages."""
    row = admin.execute(
        "SELECT min(c.relallvisible::float / c.relpages) FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r' AND c.relpages > 8",
        (schema,),
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else 1.0


def megabytes(url: str) -> float:
    """The size of every table in the URL's schema, with its indexes and TOAST."""
    with connect(url) as db:
        row = db.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        ).fetchone()
    return int(row[0]) / 1e6 if row else 0.0


def _lock(admin: Any) -> None:
    """Take LOAD_LOCK, waiting up to LOCK_WAIT seconds for another run's load."""
    # Polling, because a waiting pg_advisory_lock holds a snapshot: the other run's VACUUM could
    # then not mark what it loaded meanwhile all-visible, and index-only scans would read the heap.
    deadline = time.monotonic() + LOCK_WAIT
    while not admin.execute("SELECT pg_try_advisory_lock(%s)", (LOAD_LOCK,)).fetchone()[0]:
        if time.monotonic() > deadline:
            raise PostgresUnavailableError(f"another run held the bench load lock {LOCK_WAIT} s")
        time.sleep(1)


def _cached(admin: Any, url: str, schema: str, size: int, info: dict[str, Any]) -> PgBuild | None:
    """The schema as recorded, if it still holds ``size`` events; else None."""
    store = _open(url)  # also re-records the bundled version if the package's changed
    try:
        if not store.count() == info["events"] == size:
            return None
    finally:
        store.close()
    vacuumed = info.get("vacuum_seconds", 0.0)
    if all_visible(admin, schema) < MIN_ALL_VISIBLE:
        _vacuum(admin, schema)  # an old snapshot held the first VACUUM back
    seconds, visible = info["seconds"], all_visible(admin, schema)
    return PgBuild(url, schema, size, size, seconds, vacuumed, True, visible)


def pg_build(size: int, *, rebuild: bool = False, seed: int = SEED) -> PgBuild:
    """The schema of ``size`` events at ``base_url()``, loaded (and timed) unless cached.

    PostgresUnavailableError when the driver is missing or the server does not answer.
    """
    try:
        import psycopg
        from psycopg import sql
    except ImportError as exc:
        raise PostgresUnavailableError(f"psycopg is not installed ({exc})") from exc
    base, schema = base_url(), f"bench_{size}"
    url = schema_url(base, schema)
    rebuild = rebuild or os.environ.get("EVENTCHAT_BENCH_REBUILD", "").strip() in {"1", "true"}
    try:
        admin = connect(base)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PostgresUnavailableError(f"cannot connect to {base} ({reason})") from exc
    with admin:
        _lock(admin)
        info = _recorded(admin, schema)
        marker = _marker(size, seed)
        if info and info.get("marker") == marker and not rebuild:
            found = _cached(admin, url, schema, size, info)
            if found is not None:
                return found
        count, seconds, vacuumed = _load(admin, url, schema, size, seed)
        comment = {"marker": marker, "events": count, "seconds": seconds}
        comment["vacuum_seconds"] = vacuumed
        admin.execute(
            sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                sql.Identifier(schema), sql.Literal(json.dumps(comment))
            )
        )
        visible = all_visible(admin, schema)
        return PgBuild(url, schema, size, count, seconds, vacuumed, False, visible)
