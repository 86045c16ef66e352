"""The tantivy index as derived data: beside the SQLite file, versioned, rebuilt when missing,
unreadable, of another format, of another database or behind it; shared by processes; exact
order at page edges; no text can make it fail.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventchat.models import SearchQuery
from eventchat.store import SQLiteStore
from eventchat.store.index.sync import META_FILE
from eventchat.store.rows import COLUMNS, to_row
from eventchat.store.sqlite.migrations import MIGRATIONS
from eventchat.store.sqlite.store import index_path
from tests.store.conftest import EVENTS, make


def ids(store: SQLiteStore, **params: object) -> list[str]:
    return [e.id for e in store.search(SearchQuery(**params)).events]  # type: ignore[arg-type]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A database file holding the six EVENTS, closed."""
    file = tmp_path / "events.sqlite3"
    store = SQLiteStore(file)
    store.upsert(EVENTS)
    store.close()
    return file


def rebuilt(caplog: pytest.LogCaptureFixture) -> bool:
    return any(record.getMessage().startswith("indexed ") for record in caplog.records)


def test_the_index_lives_beside_the_file_and_records_what_it_reflects(path: Path) -> None:
    store = SQLiteStore(path)
    try:
        meta = json.loads((index_path(path) / META_FILE).read_text())
        version = store.version()
        assert (meta["store"], meta["version"]) == (version.store, version.data)
        assert ids(store, q="python berlin") == ["berlin"]
    finally:
        store.close()


@pytest.mark.parametrize(
    "damage",
    ["missing", "unreadable", "other format", "no meta"],
)
def test_a_missing_or_damaged_index_is_rebuilt_on_the_next_search(
    path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    directory = index_path(path)
    if damage == "missing":
        shutil.rmtree(directory)
    elif damage == "unreadable":
        (directory / "meta.json").write_text("{not json")
    elif damage == "other format":
        meta = json.loads((directory / META_FILE).read_text())
        (directory / META_FILE).write_text(json.dumps({**meta, "format": 0}))
    else:
        (directory / META_FILE).unlink()
    caplog.set_level(logging.INFO, logger="eventchat")
    store = SQLiteStore(path)
    try:
        assert ids(store, q="summits") == ["zurich"]
        assert store.search(SearchQuery()).total == len(EVENTS)
        assert rebuilt(caplog)
    finally:
        store.close()


def test_an_index_of_another_database_is_never_taken_for_this_ones(
    path: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite3"
    store = SQLiteStore(other)
    store.upsert([make("rust", "RustConf", "2026-09-01")])
    store.close()
    shutil.rmtree(index_path(path))
    shutil.copytree(index_path(other), index_path(path))  # same data version, other store
    reopened = SQLiteStore(path)
    try:
        assert ids(reopened, q="rustconf") == []
        assert ids(reopened, q="python berlin") == ["berlin"]
    finally:
        reopened.close()


def test_a_write_made_outside_eventchat_is_seen_by_the_next_search(path: Path) -> None:
    store = SQLiteStore(path)
    try:
        assert ids(store, q="rust") == []
        with sqlite3.connect(path) as db:
            db.execute("UPDATE events SET name = 'Rust Conf' WHERE id = 'jsconf'")
            db.execute("DELETE FROM events WHERE id = 'berlin'")
        assert ids(store, q="rust") == ["jsconf"]
        assert ids(store, q="berlin") == []
        assert store.search(SearchQuery()).total == len(EVENTS) - 1
    finally:
        store.close()


def test_a_store_that_did_not_write_reloads_instead_of_rebuilding(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As a running ``serve`` while ``data import`` writes: the writer updates the shared index,
    the reader sees the new events on its next search without indexing anything itself."""
    reader, writer = SQLiteStore(path), SQLiteStore(path)
    try:
        assert ids(reader, q="rust") == []
        caplog.set_level(logging.INFO, logger="eventchat")
        writer.upsert([make("rust", "RustConf", "2026-09-01", tags=["rust"])])
        assert ids(reader, q="rust") == ["rust"]
        assert ids(reader, tags=["Rust"]) == ["rust"]
        assert not rebuilt(caplog)
    finally:
        reader.close()
        writer.close()


_WRITER = textwrap.dedent(
    """
    import sys
    from eventchat.store import SQLiteStore
    from tests.store.conftest import make

    store = SQLiteStore(sys.argv[1])
    tag = sys.argv[2]
    store.upsert([make(f"{tag}-{i}", f"{tag} Conference {i}", "2026-10-01") for i in range(200)])
    store.close()
    """
)


def test_processes_writing_at_once_share_one_index_with_one_writer_at_a_time(
    path: Path,
) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), tag], cwd=Path.cwd())
        for tag in ("alpha", "beta", "gamma")
    ]
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0, 0]
    store = SQLiteStore(path)
    try:
        for tag in ("alpha", "beta", "gamma"):
            assert store.search(SearchQuery(q=tag)).total == 200
        assert store.search(SearchQuery()).total == len(EVENTS) + 600
    finally:
        store.close()


def test_an_upgraded_database_drops_the_old_search_tables_and_keeps_every_event(
    tmp_path: Path,
) -> None:
    file = tmp_path / "old.sqlite3"
    db = sqlite3.connect(file, isolation_level=None)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for fn in MIGRATIONS[:7]:  # the schema as released before the index (m001-m007)
        fn(db)
        db.execute("INSERT INTO migrations VALUES (?, '2026-01-01')", (fn.__name__,))
    columns = COLUMNS[: COLUMNS.index("deadlines")]  # the columns m001 made
    marks = ", ".join("?" * len(columns))
    db.executemany(
        f"INSERT INTO events ({', '.join(columns)}) VALUES ({marks})",
        [to_row(event, "import")[: len(columns)] for event in EVENTS],
    )
    db.close()
    store = SQLiteStore(file)
    try:
        assert ids(store, q="python berlin") == ["berlin"]
        assert ids(store, country="DE") == ["berlin", "pycon"]
        tables = {row[0] for row in store._db().execute("SELECT name FROM sqlite_master")}
        assert not tables & {"events_fts", "event_tags", "hot_terms", "hot_ranks"}
    finally:
        store.close()


def test_ties_at_page_edges_are_ordered_by_start_then_id(tmp_path: Path) -> None:
    """Sixty events equal to the index (same name, same fields) on three days: every page,
    at every offset, is the slice of one order — start day, then id byte-wise."""
    store = SQLiteStore(tmp_path / "ties.sqlite3")
    days = ["2026-05-03", "2026-05-01", "2026-05-02"]
    same = [make(f"e{i:02d}", "Twin Summit", days[i % 3]) for i in range(60)]
    store.upsert(same[::-1])
    try:
        for params in ({"q": "twin summit"}, {}, {"start_after": dt.date(2026, 5, 2)}):
            expected = sorted(
                (e for e in same if "start_after" not in params or e.start >= "2026-05-02"),
                key=lambda e: (e.start, e.id.encode()),
            )
            full = [e.id for e in expected]
            for limit in (1, 7, 10, 50):
                pages: list[str] = []
                for offset in range(0, len(full), limit):
                    pages += ids(store, **params, limit=limit, offset=offset)
                assert pages == full, (params, limit)
    finally:
        store.close()


def test_a_huge_offset_answers_at_once_with_the_exact_total(small_sqlite: SQLiteStore) -> None:
    page = small_sqlite.search(SearchQuery(q="python", offset=10**12))
    assert (page.total, page.events) == (6, [])
    page = small_sqlite.search(SearchQuery(offset=10**12))
    assert (page.total, page.events) == (6, [])


@pytest.fixture
def small_sqlite(path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(path)
    yield store
    store.close()


# Syntax of tantivy's query language (and of others), mixed into words.
SYNTAX = st.sampled_from(
    ["AND", "OR", "NOT", "+", "-", ":", "name:", "*", "?", "~2", "^3", '"', "(", ")", "[", "]",
     "{", "}", "TO", "\\", "/", "IN [a b]", "\x00", "\u202e", "ß", "İ", "x" * 300]
)  # fmt: skip
TEXT = st.lists(st.one_of(st.text(max_size=20), SYNTAX), max_size=12).map(" ".join)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=TEXT, locality=TEXT, tags=st.lists(TEXT, max_size=3))
def test_no_text_makes_a_search_fail(
    small_sqlite: SQLiteStore, q: str, locality: str, tags: list[str]
) -> None:
    page = small_sqlite.search(SearchQuery(q=q, locality=locality, tags=tags, limit=50))
    assert page.count == len(page.events) <= page.total


def test_an_index_damaged_inside_its_files_is_rebuilt_when_a_search_trips_on_it(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for file in index_path(path).iterdir():
        if file.suffix in {".idx", ".term", ".store", ".fast", ".fieldnorm"}:
            with file.open("r+b") as damaged:
                damaged.write(b"\xff" * 64)
    store = SQLiteStore(path)
    try:
        assert sorted(ids(store, q="python", limit=50)) == sorted(e.id for e in EVENTS)
        assert any("damaged" in record.getMessage() for record in caplog.records)
    finally:
        store.close()


def test_run_together_names_are_found_by_their_words_but_java_is_not_javascript(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "names.sqlite3")
    store.upsert([
        make("uk", "PyConUK", "2026-09-01"),
        make("dod", "Devopsdays Berlin", "2026-09-29"),
        make("vue", "VueconfUS", "2026-05-01"),
        make("js", "JavaScript Days", "2026-03-01"),
        make("cpp", "C++ Now", "2026-05-04"),
        make("c", "C Summit", "2026-05-05"),
    ])  # fmt: skip
    try:
        assert ids(store, q="pycon uk") == ["uk"]
        assert ids(store, q="devops days") == ["dod"]
        assert ids(store, q="vue") == ["vue"]
        assert ids(store, q="java") == []
        assert ids(store, q="javascript") == ["js"]
        assert ids(store, q="c++") == ["cpp"]
        assert ids(store, q="c") == ["c"]
    finally:
        store.close()
