"""PostgreSQL search latency beside SQLite's: the same events, the same queries, in the same run.

Per size, the synthetic events of ``bench.generate`` (same seed) are loaded through
``PostgresStore.upsert`` into a schema of their own, ``bench_<size>``, selected with the URL option
``options=-csearch_path=bench_<size>``; then ``VACUUM ANALYZE``. The schema's comment records
what it holds (generator version, seed, size, PostgreSQL migrations, load time): a later run
whose comment and event count match skips the load (1M takes minutes). The schema also records
the bundled dataset as loaded with no events, so that ``eventchat serve`` over it serves exactly
the synthetic events, as it does over the SQLite file.

Then the query set of ``bench.store_search`` (five kinds, ten each) runs on both stores,
alternating query by query (and which store goes first, round by round) so that noise from
other work on the machine falls on both alike: one warm-up pass, ``ROUNDS`` timed passes. The
SQLite store is the baseline; the ratio is PostgreSQL / SQLite at p50 and p99. Each kind also
shows its hit totals, which must agree between the stores.

``EVENTCHAT_BENCH_SIZES`` as in ``bench.store_search`` (default here: 100k);
``EVENTCHAT_BENCH_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``);
``EVENTCHAT_BENCH_REBUILD=1`` reloads. An unreachable server gives one row saying so.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.generate import CHUNK, GENERATOR_VERSION, SEED, build, generate
from bench.report import Row
from bench.store_search import QUERIES, label, ms, percentile
from bench.store_search import selected_sizes as store_sizes
from eventchat.store import SQLiteStore
from eventchat.store.base import Store
from eventchat.store.bundled import dataset_version

DEFAULT_SIZES = (100_000,)
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
ROUNDS = 5  # timed passes over QUERIES: 5 x 50 = 250 searches per store and size
CONNECT_TIMEOUT = 5
# The bench's own advisory lock: two runs never load (or drop) one schema at the same time.
LOAD_LOCK = 0x4E5F0C3A6D21B7F0
LOCK_WAIT = 900  # seconds: a 1M load takes about 4 minutes
MIN_ALL_VISIBLE = 0.99


@dataclass(frozen=True)
class PgBuild:
    """A loaded benchmark schema: its URL, its size, how long the load took."""

    url: str
    schema: str
    size: int
    events: int
    seconds: float
    cached: bool
    all_visible: float  # share of pages; below 1, index-only scans still read the heap


class PostgresUnavailableError(Exception):
    """PostgreSQL (or its driver) cannot be used: the message says why."""


def base_url() -> str:
    """The PostgreSQL server's URL, from ``EVENTCHAT_BENCH_PG_URL``."""
    return os.environ.get("EVENTCHAT_BENCH_PG_URL", "").strip() or DEFAULT_URL


def selected_sizes() -> list[int]:
    """Sizes from EVENTCHAT_BENCH_SIZES (as ``bench.store_search`` reads them), else 100k."""
    if not os.environ.get("EVENTCHAT_BENCH_SIZES", "").strip():
        return list(DEFAULT_SIZES)
    return store_sizes()


def schema_url(url: str, schema: str) -> str:
    """``url`` with its search_path set to ``schema`` (the store's tables live there)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def _marker(size: int, seed: int) -> str:
    from eventchat.store.pg_schema import MIGRATIONS

    names = ",".join(fn.__name__ for fn in MIGRATIONS)
    return f"generator {GENERATOR_VERSION}, seed {seed}, {size} events, migrations {names}"


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
    from eventchat.store.postgres import PostgresStore

    store = PostgresStore(url)
    version = dataset_version()
    if store.meta("dataset_version") != version:
        # Without this, `eventchat serve` would add the bundled events to the synthetic ones.
        store.load_bundled([], version)
    return store


def _load(admin: Any, url: str, schema: str, size: int, seed: int) -> tuple[int, float]:
    """A fresh schema with ``size`` events, vacuumed and analysed; the count and load time."""
    from psycopg import sql

    name = sql.Identifier(schema)
    admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(name))
    admin.execute(sql.SQL("CREATE SCHEMA {}").format(name))
    began = time.perf_counter()
    store = _open(url)
    try:
        events = generate(size, seed)
        while chunk := list(itertools.islice(events, CHUNK)):
            store.upsert(chunk, rerank=False)
        store.rank_frequent_terms()  # once, not after every chunk (part of the load time)
        count = int(store.count())
    finally:
        store.close()
    seconds = time.perf_counter() - began
    _vacuum(admin, schema)
    return count, seconds


def _vacuum(admin: Any, schema: str) -> None:
    from psycopg import sql

    for table in ("events", "event_tags", "meta", "hot_terms", "hot_ranks"):
        admin.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(schema, table)))


def all_visible(admin: Any, schema: str) -> float:
    """The share of pages VACUUM marked all-visible (index-only scans) in the events table or in
    event_tags, whichever is lower."""
    row = admin.execute(
        "SELECT min(c.relallvisible::float / greatest(c.relpages, 1)) FROM pg_class c JOIN "
        "pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname IN ('events', 'event_tags')",
        (schema,),
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else 0.0


def _lock(admin: Any) -> None:
    """Take LOAD_LOCK, waiting up to LOCK_WAIT seconds for another run's load."""
    # Polling, because a waiting pg_advisory_lock holds a snapshot: the other run's VACUUM could
    # then not mark what it loaded meanwhile all-visible, and index-only scans would read the heap.
    deadline = time.monotonic() + LOCK_WAIT
    while not admin.execute("SELECT pg_try_advisory_lock(%s)", (LOAD_LOCK,)).fetchone()[0]:
        if time.monotonic() > deadline:
            raise PostgresUnavailableError(f"another run held the bench load lock {LOCK_WAIT} s")
        time.sleep(1)


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
        admin = psycopg.connect(base, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PostgresUnavailableError(f"cannot connect to {base} ({reason})") from exc
    with admin:
        _lock(admin)
        info = _recorded(admin, schema)
        marker = _marker(size, seed)
        if info and info.get("marker") == marker and not rebuild:
            store = _open(url)  # also re-records the bundled version if the package's changed
            try:
                if store.count() == info["events"] == size:
                    if all_visible(admin, schema) < MIN_ALL_VISIBLE:
                        _vacuum(admin, schema)  # an old snapshot held the first VACUUM back
                    visible = all_visible(admin, schema)
                    return PgBuild(url, schema, size, size, info["seconds"], True, visible)
            finally:
                store.close()
        count, seconds = _load(admin, url, schema, size, seed)
        comment = json.dumps({"marker": marker, "events": count, "seconds": seconds})
        admin.execute(
            sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                sql.Identifier(schema), sql.Literal(comment)
            )
        )
        return PgBuild(url, schema, size, count, seconds, False, all_visible(admin, schema))


def _megabytes(url: str) -> float:
    import psycopg

    with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT) as db:
        row = db.execute(
            "SELECT pg_total_relation_size('events') + pg_total_relation_size('meta')"
        ).fetchone()
    return int(row[0]) / 1e6 if row else 0.0


Times = dict[str, list[float]]


def _timed(call: Callable[[], object], times: list[float]) -> None:
    began = time.perf_counter()
    call()
    times.append(time.perf_counter() - began)


def _alternating(stores: dict[str, Store]) -> tuple[dict[str, Times], dict[str, dict[str, int]]]:
    """Times per store and kind of query, alternating stores; and each store's hit totals."""
    times = {name: {kind: [] for kind in QUERIES} for name in stores}
    totals = {
        name: {
            kind: sum(store.search(q).total for q in queries) for kind, queries in QUERIES.items()
        }
        for name, store in stores.items()
    }  # also the warm-up pass
    order = list(stores.items())
    for _ in range(ROUNDS):
        for kind, queries in QUERIES.items():
            for query in queries:
                for name, store in order:
                    _timed(lambda s=store, q=query: s.search(q), times[name][kind])
        order.reverse()  # who goes first alternates too: a cache warmed by one favours neither
    return times, totals


def _latency(times: list[float]) -> str:
    return f"p50 {ms(percentile(times, 50))} · p99 {ms(percentile(times, 99))}"


def _ratio(pg: list[float], lite: list[float]) -> str:
    p50 = percentile(pg, 50) / percentile(lite, 50)
    p99 = percentile(pg, 99) / percentile(lite, 99)
    return f"PG/SQLite {p50:.2f}× p50 · {p99:.2f}× p99"


def _rows(group: str, times: dict[str, Times], totals: dict[str, dict[str, int]]) -> list[Row]:
    pg, lite = times["PostgreSQL"], times["SQLite"]
    every = {
        name: [t for kind in QUERIES for t in kind_times[kind]]
        for name, kind_times in times.items()
    }
    n = len(every["SQLite"])
    rows = [
        Row(group, f"SQLite: search, all {n}", _latency(every["SQLite"]), "baseline"),
        Row(group, f"PostgreSQL: search, all {n}", _latency(every["PostgreSQL"]),
            _ratio(every["PostgreSQL"], every["SQLite"])),
    ]  # fmt: skip
    for kind, queries in QUERIES.items():
        pg_total, lite_total = totals["PostgreSQL"][kind], totals["SQLite"][kind]
        hits = f"~{lite_total / len(queries):,.0f} hits"
        if pg_total != lite_total:
            hits += f", PG ~{pg_total / len(queries):,.0f}: TOTALS DIFFER"
        value = f"SQLite {_latency(lite[kind])} │ PG {_latency(pg[kind])}"
        rows.append(Row(group, f"  {kind} ({hits})", value, _ratio(pg[kind], lite[kind])))
    return rows


def run_size(size: int) -> list[Row]:
    """Rows for one size: the load, then both stores' latencies."""
    from eventchat.store.postgres import PostgresStore

    group = f"pg-vs-sqlite {label(size)}"
    loaded = pg_build(size)
    lite_path = build(size).path
    state = "cached load" if loaded.cached else "loaded now"
    rows = [
        Row(group, f"PostgreSQL load {loaded.events:,} events",
            f"{loaded.seconds:.1f} s ({state}) · {_megabytes(loaded.url):.0f} MB · "
            f"{loaded.all_visible:.0%} all-visible · schema {loaded.schema}", ""),
    ]  # fmt: skip
    pg, lite = PostgresStore(loaded.url), SQLiteStore(lite_path)
    try:
        times, totals = _alternating({"PostgreSQL": pg, "SQLite": lite})
    finally:
        pg.close()
        lite.close()
    return rows + _rows(group, times, totals)


def run() -> list[Row]:
    """Every selected size; one row instead when PostgreSQL cannot be reached."""
    sizes = selected_sizes()
    rows: list[Row] = []
    for size in sizes:
        try:
            rows += run_size(size)
        except PostgresUnavailableError as exc:
            return [*rows, Row("pg-vs-sqlite", "PostgreSQL unavailable", str(exc), "not measured")]
    note = "" if 1_000_000 in sizes else " (1M: EVENTCHAT_BENCH_SIZES=100k,1M)"
    ran = ", ".join(label(s) for s in sizes)
    rows.append(Row("pg-vs-sqlite", "sizes run", f"{ran}{note}", ""))
    return rows


if __name__ == "__main__":
    from bench.report import render

    print(render(run()))
