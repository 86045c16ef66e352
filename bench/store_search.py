"""Store search latency at 10k, 100k (and 1M) synthetic events, against a primary-key lookup.

For each size: the build time (measured when the cached database was built; the part spent ranking
the frequent terms, see ``eventchat/store/sqlite_hot.py``, on its own row), the file size, and
``SQLiteStore.search`` p50/p99 over a fixed set of typical queries (limit 10) after one warm-up
pass. The baseline is a primary-key lookup on a plain sqlite3 connection to the same file, timed in
the same run; a bare ``SELECT 1`` round trip is shown beside it.

Sizes: ``EVENTCHAT_BENCH_SIZES=10000,100000,1000000`` (default 10k and 100k; 1M takes minutes to
build the first time). ``python -m bench.store_search --explain [SIZE]`` prints the query plan of
each kind of query instead of timing.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.generate import Build, build
from bench.report import Row
from eventchat.models import SearchQuery
from eventchat.store import SQLiteStore

DEFAULT_SIZES = (10_000, 100_000)
TARGET_P99_MS = {100_000: 10.0, 1_000_000: 60.0}
ROUNDS = 5  # timed passes over QUERIES: 5 x 50 = 250 searches per size
TODAY = dt.date(2026, 6, 1)  # fixed, so the date filters select the same events every run


def _window(days_from_today: int, days: int) -> dict[str, dt.date]:
    start = TODAY + dt.timedelta(days=days_from_today)
    return {"start_after": start, "start_before": start + dt.timedelta(days=days)}


TEXTS = ("python", "javascript", "kubernetes", "react", "machine learning",
         "rust", "devops summit", "security", "ux design", "elixir")  # fmt: skip
TEXT_COUNTRY = (("python", "DE"), ("javascript", "US"), ("devops", "UK"), ("data", "France"),
                ("react", "Netherlands"), ("security", "USA"), ("rust", "Deutschland"),
                ("kubernetes", "CA"), ("design", "ES"), ("java", "PL"))  # fmt: skip
TAGS = (["python"], ["javascript"], ["devops"], ["rust"], ["data", "python"], ["ux"],
        ["security"], ["golang"], ["general"], ["elixir"])  # fmt: skip
TEXT_TAGS = (("kubernetes", ["devops"]), ("react", ["javascript"]), ("django", ["python"]),
             ("llm", ["data"]), ("rails", ["ruby"]), ("swift", ["ios"]), ("spring", ["java"]),
             ("design", ["ux"]), ("appsec", ["security"]), ("tokio", ["rust"]))  # fmt: skip

# Five kinds of typical query, ten of each: what the model's event_search calls look like.
QUERIES: dict[str, list[SearchQuery]] = {
    "text": [SearchQuery(q=q) for q in TEXTS],
    "text + country": [SearchQuery(q=q, country=c) for q, c in TEXT_COUNTRY],
    "date range": [SearchQuery(**_window(30 * i, 30 + 15 * (i % 3))) for i in range(10)],
    "tags": [SearchQuery(tags=t) for t in TAGS],
    "text + tags + date": [
        SearchQuery(q=q, tags=t, **_window(20 * i, 180)) for i, (q, t) in enumerate(TEXT_TAGS)
    ],
}


def selected_sizes() -> list[int]:
    """Sizes from EVENTCHAT_BENCH_SIZES (comma-separated; ``1_000_000`` and ``1M`` work too)."""
    raw = os.environ.get("EVENTCHAT_BENCH_SIZES", "").strip()
    if not raw:
        return list(DEFAULT_SIZES)
    words = (w.strip().lower().replace("_", "") for w in raw.split(",") if w.strip())
    return [int(w[:-1]) * 1000 if w.endswith("k") else int(w[:-1]) * 10**6 if w.endswith("m")
            else int(w) for w in words]  # fmt: skip


def label(size: int) -> str:
    """10000 -> "10k", 1000000 -> "1M"."""
    return f"{size // 10**6}M" if size % 10**6 == 0 else f"{size // 1000}k"


def ms(seconds: float) -> str:
    """A duration for the table: µs below a millisecond, else ms."""
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"


def percentile(times: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), p in 0..100."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _timed(call: Callable[[], object], times: list[float]) -> None:
    began = time.perf_counter()
    call()
    times.append(time.perf_counter() - began)


def _baselines(path: Path) -> tuple[list[float], list[float]]:
    """``SELECT 1`` and primary-key lookup times on a plain connection to the database."""
    db = sqlite3.connect(path)
    try:
        count = db.execute("SELECT max(rowid) FROM events").fetchone()[0]
        ids = [db.execute("SELECT id FROM events WHERE rowid = ?", (1 + (i * 7919) % count,))
               .fetchone()[0] for i in range(250)]  # fmt: skip
        select1: list[float] = []
        lookup: list[float] = []
        sql = "SELECT * FROM events WHERE id = ?"
        for event_id in ids * 2:  # the first pass warms the page cache
            _timed(lambda: db.execute("SELECT 1").fetchone(), select1)
            _timed(lambda i=event_id: db.execute(sql, (i,)).fetchone(), lookup)
        return select1[len(ids) :], lookup[len(ids) :]
    finally:
        db.close()


def _search_times(store: SQLiteStore) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Times and totals per kind of query: one warm-up pass, then ROUNDS timed passes."""
    times: dict[str, list[float]] = {kind: [] for kind in QUERIES}
    totals: dict[str, list[int]] = {kind: [] for kind in QUERIES}
    for kind, queries in QUERIES.items():
        totals[kind] = [store.search(query).total for query in queries]
    for _ in range(ROUNDS):
        for kind, queries in QUERIES.items():
            for query in queries:
                _timed(lambda q=query: store.search(q), times[kind])
    return times, totals


def _latency(times: list[float], base: float) -> tuple[str, str]:
    p50, p99 = percentile(times, 50), percentile(times, 99)
    return f"p50 {ms(p50)} · p99 {ms(p99)}", f"{p50 / base:.0f}× p50 · {p99 / base:.0f}× p99"


def _verdict(times: list[float], target_ms: float | None) -> str:
    if target_ms is None:
        return ""
    met = percentile(times, 99) * 1000 <= target_ms
    return f"p99 ≤ {target_ms:.0f} ms: {'met' if met else 'MISSED'}"


def _ranking(built: Build) -> str:
    """Seconds spent ranking frequent terms, and how many terms and listed events are stored."""
    with sqlite3.connect(built.path) as db:
        stored = "SELECT count(*), coalesce(sum(listed), 0) FROM hot_terms"
        terms, listed = db.execute(stored).fetchone()
    took = "?" if built.rank_seconds is None else f"{built.rank_seconds:.1f} s"
    return f"{took}: {terms} terms, {listed:,} ranked events"


def run_size(size: int) -> list[Row]:
    """Rows for one database size."""
    built = build(size)
    group = f"store {label(size)}"
    megabytes = sum(p.stat().st_size for p in built.path.parent.glob(built.path.name + "*")) / 1e6
    select1, lookup = _baselines(built.path)
    base = statistics.median(lookup)
    store = SQLiteStore(built.path)
    try:
        times, totals = _search_times(store)
    finally:
        store.close()
    everything = [t for kind_times in times.values() for t in kind_times]
    target = TARGET_P99_MS.get(size)
    state = "cached build" if built.cached else "built now"
    rows = [
        Row(group, f"build {built.events:,} events", f"{built.seconds:.1f} s ({state})", ""),
        Row(group, "  of which ranking frequent terms", _ranking(built), ""),
        Row(group, "database on disk", f"{megabytes:.1f} MB", ""),
        Row(group, "baseline: SELECT 1", f"p50 {ms(statistics.median(select1))}",
            f"{statistics.median(select1) / base:.2f}×"),
        Row(group, "baseline: primary-key lookup", f"p50 {ms(base)}", "1×"),
        Row(group, f"search, all {len(everything)}", *_latency(everything, base),
            _verdict(everything, target)),
    ]  # fmt: skip
    for kind, kind_times in times.items():
        hits = f"~{statistics.median(totals[kind]):,.0f} hits"
        value, ratio = _latency(kind_times, base)
        rows.append(Row(group, f"  {kind} ({hits})", value, ratio))
    return rows


def run() -> list[Row]:
    """Every selected size, and a row saying which sizes ran."""
    sizes = selected_sizes()
    rows = [row for size in sizes for row in run_size(size)]
    note = "" if 1_000_000 in sizes else " (1M not run: EVENTCHAT_BENCH_SIZES=10k,100k,1M)"
    ran = ", ".join(label(s) for s in sizes)
    rows.append(Row("store", "sizes run", f"{ran}{note}", ""))
    return rows


@contextmanager
def _captured_sql(store: SQLiteStore) -> Iterator[list[str]]:
    """The SQL (parameters expanded) that ``store`` runs on this thread's connection."""
    statements: list[str] = []
    db = store._db()  # private, but only here: the plan must be of the store's own SQL

    def keep(sql: str) -> None:
        # FTS5 runs its own statements on the schema ('main'.…); only the store's are wanted.
        # The tokenizer's statements (temp.…) are the same for every query.
        if (
            sql.lstrip().upper().startswith("SELECT")
            and "'main'." not in sql
            and "temp." not in sql
        ):
            statements.append(sql)

    db.set_trace_callback(keep)
    try:
        yield statements
    finally:
        db.set_trace_callback(None)


def explain(size: int) -> None:
    """Print the query plan of the first query of each kind, as the store runs it."""
    store = SQLiteStore(build(size).path)
    try:
        for kind, queries in QUERIES.items():
            with _captured_sql(store) as statements:
                store.search(queries[0])
            for sql in statements:
                print(f"-- {kind}: {queries[0].model_dump(exclude_defaults=True)}\n{sql}")
                for row in store._db().execute(f"EXPLAIN QUERY PLAN {sql}"):
                    print(f"   {row[3]}")
    finally:
        store.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--explain"]:
        explain(int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_SIZES[-1])
    else:
        from bench.report import render

        print(render(run()))
