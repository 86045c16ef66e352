"""Store search latency for the queries the chat sends, on SQLite and PostgreSQL, at 10k, 100k
(and 1M) synthetic events, against a primary-key lookup on the same store.

Every ``event_search`` the chat sends carries ``start_after`` (today unless the model names a
date), so the chat shapes all do, with ``TODAY`` pinned inside the generated data's 2024–2028:
words; words with a country, tags or online; no words with filters; 1, 2, 3 and 4 words; and
date ranges (``start_after`` and ``start_before``). One "chat shapes" p99 covers them all. The
old date-less shapes (text, text + country, tags, text + tags + date) follow as their own kinds,
for comparison with earlier figures; the chat does not send them.

Per size and store: how long the store took to load the events through its public API (open,
``upsert`` per chunk, close: ``bench.generate`` and ``bench.pg_search`` build and cache them),
its size on disk, the first search after opening it, then p50/p99 per kind (ten queries each,
limit 10) after one warm-up pass, over ROUNDS timed passes. The baseline is a primary-key lookup
(``SELECT * FROM events WHERE id = ?``) on a plain connection to the same data (sqlite3, psycopg),
timed just before each search so that noise from other work on the machine falls on both; the
ratios are to the baseline's p50. The stores alternate query by query, and which goes first
alternates round by round. Hit totals must agree between the stores; a kind whose totals differ
says so.

Targets (MISSED when a figure misses): chat-shape p99 ≤ 3 ms at 100k and ≤ 20 ms at 1M on both
stores; building the search index of 100k events (``reindex``) ≤ 10 s.

``EVENTCHAT_BENCH_SIZES=10k,100k,1M`` (default 10k and 100k; 1M takes minutes to build the first
time); ``EVENTCHAT_BENCH_PG=0`` skips PostgreSQL (say, when no server runs);
``EVENTCHAT_BENCH_PG_URL`` names the server; ``EVENTCHAT_BENCH_REBUILD=1`` rebuilds.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench import pg_search
from bench.generate import SEED, Stopwatch, build, disk_megabytes
from bench.report import Row
from eventchat.models import SearchQuery
from eventchat.store import SQLiteStore, Store

DEFAULT_SIZES = (10_000, 100_000)
TARGET_CHAT_P99_MS = {100_000: 3.0, 1_000_000: 20.0}
TARGET_INDEX_S = {100_000: 10.0}
ROUNDS = 10  # timed passes over QUERIES: 10 x 140 searches per store and size
LOOKUPS = 250  # ids the baseline looks up, in turn
TODAY = dt.date(2026, 6, 1)  # the chat's default start_after, pinned: the same events every run


def _upcoming(**fields: Any) -> SearchQuery:
    """A query as the chat sends it: ``start_after`` today unless the model named a date."""
    return SearchQuery(start_after=TODAY, **fields)


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
TEXT_ONLINE = (("python", True), ("javascript", True), ("devops", True), ("data", True),
               ("security", False), ("react", True), ("kubernetes", False), ("ux", True),
               ("rust", True), ("machine learning", True))  # fmt: skip
FILTERS: tuple[dict[str, Any], ...] = (
    {"country": "DE"}, {"country": "US"}, {"tags": ["python"]}, {"tags": ["javascript"]},
    {"online": True}, {"locality": "Berlin"}, {"country": "UK", "tags": ["devops"]},
    {"tags": ["rust"], "online": True}, {"locality": "London", "tags": ["data"]},
    {"country": "France", "online": False},
)  # fmt: skip
# From common to rare: a place, a topic, a kind of event, a prose word, a topic's own word.
WORDS = {
    1: ("berlin", "python", "summit", "docker", "meetup", "workshops", "latency", "tokio",
        "london", "online"),
    2: ("python berlin", "react frontend", "kubernetes docker", "machine learning", "rust wasm",
        "london meetup", "threat vulnerability", "data pipelines", "cloud architecture",
        "ruby rails"),
    3: ("python django berlin", "javascript react summit", "kubernetes docker platform",
        "machine learning pipelines", "ux design research", "devops terraform london",
        "rust tokio wasm", "java spring microservices", "security appsec conf",
        "spark analytics data"),
    4: ("berlin python summit django", "react frontend javascript node",
        "kubernetes docker terraform devops", "machine learning llm data",
        "hands on python workshops", "london devops meetup kubernetes",
        "rust ownership wasm tokio", "swift swiftui xcode ios",
        "community talks speakers workshops", "paris ux design research"),
}  # fmt: skip

# What the chat's event_search calls look like: ten of each kind, all with start_after.
CHAT: dict[str, list[SearchQuery]] = {
    "words + upcoming": [_upcoming(q=q) for q in TEXTS],
    "words + upcoming + country": [_upcoming(q=q, country=c) for q, c in TEXT_COUNTRY],
    "words + upcoming + tags": [_upcoming(q=q, tags=t) for q, t in TEXT_TAGS],
    "words + upcoming + online": [_upcoming(q=q, online=o) for q, o in TEXT_ONLINE],
    "no words, filters + upcoming": [_upcoming(**f) for f in FILTERS],
    **{f"{n} word{'s' * (n > 1)} + upcoming": [_upcoming(q=q) for q in WORDS[n]] for n in WORDS},
    "date range, half with words": [
        SearchQuery(q=TEXTS[i] if i % 2 == 0 else "", **_window(30 * i, 30 + 15 * (i % 3)))
        for i in range(10)
    ],
}
# The shapes earlier figures timed, without start_after; kept to compare with them.
OLD: dict[str, list[SearchQuery]] = {
    "old: text": [SearchQuery(q=q) for q in TEXTS],
    "old: text + country": [SearchQuery(q=q, country=c) for q, c in TEXT_COUNTRY],
    "old: tags": [SearchQuery(tags=t) for t in TAGS],
    "old: text + tags + date": [
        SearchQuery(q=q, tags=t, **_window(20 * i, 180)) for i, (q, t) in enumerate(TEXT_TAGS)
    ],
}
QUERIES: dict[str, list[SearchQuery]] = {**CHAT, **OLD}


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


@dataclass
class Subject:
    """One store under test: how it was loaded, its baseline, and what was measured on it."""

    name: str
    store: Store
    lookup: Callable[[str], object]  # the baseline: one primary-key lookup
    ids: list[str]
    events: int
    load_seconds: float
    load_note: str
    megabytes: float
    where: str  # what megabytes counts
    opened: float = 0.0  # seconds to open the store and run its first search
    indexed: float = 0.0  # seconds to rebuild the search index from the store of record
    base: list[float] = field(default_factory=list)
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in QUERIES})
    totals: dict[str, list[int]] = field(default_factory=dict)


def _sample_ids(first_from: Callable[[str], str | None]) -> list[str]:
    """LOOKUPS ids spread over the store: the first id at or after random 12-hex-digit points."""
    rng = random.Random(SEED)
    found = (first_from(f"{rng.getrandbits(48):012x}") for _ in range(LOOKUPS))
    return [event_id for event_id in found if event_id is not None]


def _first(row: tuple[Any, ...] | None) -> Any:
    return row[0] if row else None


def _open(open_store: Callable[[], Any]) -> tuple[Any, float, float]:
    """The store, the seconds to open it and run its first search, and the seconds a rebuild
    of its search index takes (``reindex``: read every row, index it, commit)."""
    took = Stopwatch()
    with took:
        store = open_store()
        store.search(next(iter(CHAT.values()))[0])
    indexed = Stopwatch()
    with indexed:
        store.reindex()
    return store, took.seconds, indexed.seconds


@contextmanager
def _sqlite(size: int) -> Iterator[Subject]:
    """The SQLite store of ``size`` events, with a plain sqlite3 connection for the baseline."""
    built = build(size)
    megabytes = disk_megabytes(built.path)
    with closing(sqlite3.connect(f"file:{built.path}?mode=ro", uri=True)) as db:
        nearest = "SELECT id FROM events WHERE id >= ? ORDER BY id LIMIT 1"
        ids = _sample_ids(lambda at: _first(db.execute(nearest, (at,)).fetchone()))
        sql = "SELECT * FROM events WHERE id = ?"
        store, opened, indexed = _open(lambda: SQLiteStore(built.path))
        try:
            note = "cached build" if built.cached else "built now"
            yield Subject("SQLite", store, lambda i: db.execute(sql, (i,)).fetchone(), ids,
                          built.events, built.seconds, note, megabytes,
                          "on disk (the file and all beside it)", opened, indexed)  # fmt: skip
        finally:
            store.close()


@contextmanager
def _postgres(size: int) -> Iterator[Subject]:
    """The PostgreSQL store of ``size`` events, with a plain psycopg connection for the baseline."""
    from eventchat.store.postgres import PostgresStore

    loaded = pg_search.pg_build(size)
    with pg_search.connect(loaded.url) as db:
        nearest = "SELECT id FROM events WHERE id >= %s ORDER BY id LIMIT 1"
        ids = _sample_ids(lambda at: _first(db.execute(nearest, (at,)).fetchone()))
        sql = "SELECT * FROM events WHERE id = %s"
        store, opened, indexed = _open(lambda: PostgresStore(loaded.url))
        try:
            state = "cached load" if loaded.cached else "loaded now"
            note = f"{state}; VACUUM ANALYZE +{loaded.vacuum_seconds:.1f} s"
            yield Subject("PostgreSQL", store, lambda i: db.execute(sql, (i,)).fetchone(), ids,
                          loaded.events, loaded.seconds, note, pg_search.megabytes(loaded.url),
                          f"in schema {loaded.schema} (not the host's index)",
                          opened, indexed)  # fmt: skip
        finally:
            store.close()


def _timed(call: Callable[[], object], times: list[float]) -> None:
    began = time.perf_counter()
    call()
    times.append(time.perf_counter() - began)


def _measure(subjects: list[Subject]) -> None:
    """One warm-up pass (which also counts the hits), then ROUNDS timed passes, alternating."""
    for s in subjects:
        s.totals = {kind: [s.store.search(q).total for q in qs] for kind, qs in QUERIES.items()}
        for event_id in s.ids:
            s.lookup(event_id)
    order, turn = list(subjects), 0
    for _ in range(ROUNDS):
        for kind, queries in QUERIES.items():
            for query in queries:
                for s in order:
                    event_id = s.ids[turn % len(s.ids)]
                    _timed(lambda s=s, i=event_id: s.lookup(i), s.base)
                    _timed(lambda s=s, q=query: s.store.search(q), s.times[kind])
                turn += 1
        order.reverse()  # who goes first alternates too: a cache warmed by one favours neither


def _times(s: Subject, kinds: dict[str, list[SearchQuery]]) -> list[float]:
    return [t for kind in kinds for t in s.times[kind]]


def _ratio(value: float) -> str:
    return f"{value:.0f}×" if value >= 10 else f"{value:.1f}×"


def _latency(times: list[float], base: float) -> tuple[str, str]:
    p50, p99 = percentile(times, 50), percentile(times, 99)
    return f"p50 {ms(p50)} · p99 {ms(p99)}", f"{_ratio(p50 / base)} · {_ratio(p99 / base)}"


def _verdict(what: str, value: float, target: float | None, unit: str) -> str:
    if target is None:
        return ""
    return f"{what} ≤ {target:g} {unit}: {'met' if value <= target else 'MISSED'}"


def _kind_rows(group: str, s: Subject, kinds: dict[str, list[SearchQuery]],
               reference: Subject | None, base: float) -> list[Row]:  # fmt: skip
    rows = []
    for kind in kinds:
        hits = f"~{sorted(s.totals[kind])[len(s.totals[kind]) // 2]:,} hits"
        if reference is not None and reference.totals[kind] != s.totals[kind]:
            hits += f", TOTALS DIFFER from {reference.name}"
        rows.append(Row(group, f"  {kind} ({hits})", *_latency(s.times[kind], base)))
    return rows


def _subject_rows(size: int, s: Subject, reference: Subject | None) -> list[Row]:
    """The rows of one store at one size; ``reference``'s hit totals are compared with its."""
    group = f"store {label(size)} {s.name}"
    base = percentile(s.base, 50)
    chat, old = _times(s, CHAT), _times(s, OLD)
    chat_p99, target = percentile(chat, 99) * 1000, TARGET_CHAT_P99_MS.get(size)
    index_target = TARGET_INDEX_S.get(size)
    return [
        Row(group, f"load {s.events:,} events (public API, 10k a write)",
            f"{s.load_seconds:.1f} s ({s.load_note})", ""),
        Row(group, "search index build (reindex)", f"{s.indexed:.1f} s", "",
            _verdict("index build", s.indexed, index_target, "s")),
        Row(group, s.where, f"{s.megabytes:.1f} MB", ""),
        Row(group, "open + first search", ms(s.opened), ""),
        Row(group, "baseline: primary-key lookup",
            f"p50 {ms(base)} · p99 {ms(percentile(s.base, 99))}", "1× (ratios: × its p50)"),
        Row(group, f"CHAT SHAPES, all {len(chat)}", *_latency(chat, base),
            _verdict("chat p99", chat_p99, target, "ms")),
        *_kind_rows(group, s, CHAT, reference, base),
        Row(group, f"old date-less shapes, all {len(old)}", *_latency(old, base)),
        *_kind_rows(group, s, OLD, reference, base),
    ]  # fmt: skip


def _size_rows(size: int, subjects: list[Subject]) -> list[Row]:
    """Each store's rows, then how each store after the first compares with it."""
    first, others = subjects[0], subjects[1:]
    rows = _subject_rows(size, first, None)
    for s in others:
        rows += _subject_rows(size, s, first)
    for s in others:
        p50, p99 = (percentile(_times(s, CHAT), p) / percentile(_times(first, CHAT), p)
                    for p in (50, 99))  # fmt: skip
        value = f"{_ratio(p50)} p50 · {_ratio(p99)} p99"
        rows.append(Row(f"store {label(size)}", f"chat shapes, {s.name} / {first.name}", value, ""))
    return rows


def _targets() -> str:
    chat = ", ".join(f"≤ {t:g} ms at {label(n)}" for n, t in TARGET_CHAT_P99_MS.items())
    index = ", ".join(f"≤ {t:g} s at {label(n)}" for n, t in TARGET_INDEX_S.items())
    return f"chat-shape p99 {chat}, on both stores; index build {index}"


def run() -> list[Row]:
    """Every selected size on every store; rows saying what ran, what was skipped and why."""
    sizes = selected_sizes()
    skipped = ("skipped", "", "EVENTCHAT_BENCH_PG=0")
    postgres = skipped if pg_search.skipped() else ("run", "", "")
    rows: list[Row] = []
    for size in sizes:
        with ExitStack() as stack:
            subjects = [stack.enter_context(_sqlite(size))]
            if postgres[0] == "run":
                try:
                    subjects.append(stack.enter_context(_postgres(size)))
                except pg_search.PostgresUnavailableError as exc:
                    postgres = ("NOT RUN", "", f"{exc}; EVENTCHAT_BENCH_PG=0 skips it")
            _measure(subjects)
        rows += _size_rows(size, subjects)
    note = "" if 1_000_000 in sizes else "1M not run: EVENTCHAT_BENCH_SIZES=10k,100k,1M"
    return [
        *rows,
        Row("store", "sizes run", ", ".join(label(s) for s in sizes), "", note),
        Row("store", "SQLite", "run", ""),
        Row("store", "PostgreSQL", *postgres),
        Row("store", "today (start_after of the chat shapes)", TODAY.isoformat(), ""),
        Row("store", "targets", "", "", _targets()),
    ]


if __name__ == "__main__":
    from bench.report import render

    print(render(run()))
