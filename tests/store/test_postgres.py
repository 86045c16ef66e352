"""What only the PostgreSQL store has: shared-database concurrency, migrations, per-host indexes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventchat.models import EventDetail, SearchQuery
from eventchat.store.postgres import PostgresStore, safe_label
from eventchat.store.sources.bundled import dataset_version, read_dataset
from tests.store.conftest import EVENTS, make

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def bundled_events() -> list[EventDetail]:
    return list(read_dataset())


@pytest.fixture
def pg(postgres_url: str) -> Iterator[PostgresStore]:
    store = PostgresStore(postgres_url)
    yield store
    store.close()


def test_migrations_are_recorded_once_when_workers_start_together(postgres_url: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        stores = list(pool.map(lambda _: PostgresStore(postgres_url), range(4)))
    try:
        expected = [
            "m001_text_search",
            "m002_events",
            "m003_meta",
            "m004_days_index",
            "m005_event_tags",
            "m006_search_rankings",
            "m007_search_counts",
            "m008_search_index",
            "m009_deadlines",
            "m010_zone_and_series",
        ]
        assert [s.migrations() for s in stores] == [expected] * 4
    finally:
        for store in stores:
            store.close()
    reopened = PostgresStore(postgres_url)  # nothing left to run, nothing run twice
    try:
        assert reopened.migrations() == expected
    finally:
        reopened.close()


def test_concurrent_imports_from_threads_never_duplicate(
    postgres_url: str, bundled_events: list[EventDetail]
) -> None:
    stores = [PostgresStore(postgres_url) for _ in range(3)]
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            written = list(pool.map(lambda s: s.upsert(bundled_events), stores))
        assert written == [8252] * 3
        assert stores[0].count() == 8252
        assert stores[0].search(SearchQuery(q="python")).total == 1256
    finally:
        for store in stores:
            store.close()


IMPORT_SCRIPT = textwrap.dedent(
    """
    import sys
    from eventchat.store.sources.bundled import read_dataset
    from eventchat.store.postgres import PostgresStore
    events = list(read_dataset())
    store = PostgresStore(sys.argv[1])
    print(store.upsert(events))
    store.close()
    """
)


def test_concurrent_imports_from_processes_never_duplicate(postgres_url: str) -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", IMPORT_SCRIPT, postgres_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [
        (run.returncode, out.strip(), err) for run, (out, err) in zip(runs, outputs, strict=True)
    ] == [(0, "8252", "")] * 3
    store = PostgresStore(postgres_url)
    try:
        assert store.count() == 8252
    finally:
        store.close()


def test_an_import_racing_a_bundled_load_keeps_one_row_per_id(
    pg: PostgresStore, postgres_url: str, bundled_events: list[EventDetail]
) -> None:
    other = PostgresStore(postgres_url)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            load = pool.submit(pg.load_bundled, bundled_events, dataset_version())
            imported = pool.submit(other.upsert, bundled_events[:500])
            assert (load.result(), imported.result()) == (8252, 500)
        assert pg.count() == 8252
    finally:
        other.close()


def test_the_bundled_dataset_is_loaded_only_when_its_version_changes(
    pg: PostgresStore, bundled_events: list[EventDetail]
) -> None:
    calls: list[int] = []

    def events() -> list[EventDetail]:
        calls.append(1)
        return bundled_events[:10]

    assert pg.refresh_bundled("v1", events) is True
    assert pg.refresh_bundled("v1", events) is False
    assert pg.refresh_bundled("v2", events) is True
    assert (len(calls), pg.count(), pg.meta("dataset_version")) == (2, 10, "v2")


def test_a_long_event_written_by_another_worker_is_found_by_start_after(
    pg: PostgresStore, postgres_url: str
) -> None:
    pg.upsert(EVENTS)
    other = PostgresStore(postgres_url)
    try:
        other.upsert([make("decade", "Python Decade", "2020-01-01", end="2029-12-31")])
    finally:
        other.close()
    assert [
        e.id
        for e in pg.search(SearchQuery(q="python decade", start_after=dt.date(2029, 12, 31))).events
    ] == ["decade"]


def test_a_write_from_another_host_is_seen_on_the_next_search(
    pg: PostgresStore, postgres_url: str, tmp_path: Path
) -> None:
    """Each host keeps its own index: a write through another host's index, or a statement from
    outside eventchat, moves the database's data_version, and this host's next search rebuilds."""
    pg.upsert(EVENTS)
    assert pg.search(SearchQuery(q="rust")).total == 0
    other = PostgresStore(postgres_url, index_dir=tmp_path / "other-host")
    try:
        other.upsert([EVENTS[0].model_copy(update={"name": "RustConf", "tags": ["Rust"]})])
    finally:
        other.close()
    assert [e.id for e in pg.search(SearchQuery(q="rust")).events] == ["pycon"]
    assert [e.id for e in pg.search(SearchQuery(tags=["RUST"])).events] == ["pycon"]
    with psycopg.connect(postgres_url) as db:
        db.execute("UPDATE events SET tags = '{go,go}' WHERE id = 'jsconf'")
        db.execute("DELETE FROM events WHERE id = 'berlin'")
    assert [e.id for e in pg.search(SearchQuery(tags=["GO"])).events] == ["jsconf"]
    assert pg.search(SearchQuery(tags=["data"])).total == 0  # berlin was the only one


def test_workers_on_one_host_share_one_index(pg: PostgresStore, postgres_url: str) -> None:
    other = PostgresStore(postgres_url)
    try:
        assert other.index.directory == pg.index.directory
        other.upsert(EVENTS)
        assert pg.search(SearchQuery(q="python berlin")).total == 1
    finally:
        other.close()


def test_nul_bytes_and_huge_input_never_reach_the_server_as_errors(pg: PostgresStore) -> None:
    pg.upsert(EVENTS)
    assert pg.get("pycon\x00") is None
    assert pg.links(["\x00", "pycon", "x" * 10_000]) == pg.links(["pycon"])
    page = pg.search(SearchQuery(q="python\x00 " * 2000, locality="\x00", tags=["\x00python"]))
    assert page.total == len(page.events)


# Text with tsquery and websearch syntax mixed in, plus what PostgreSQL rejects in text (NUL).
SYNTAX = st.sampled_from(
    ['"', "'", "-", "or", "OR", "!", "&", "|", "<->", "<2>", ":*", ":A", "(", ")", "\x00", "\\"]
)
TEXT = st.lists(st.one_of(st.text(max_size=20), SYNTAX), max_size=8).map(" ".join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=TEXT, locality=TEXT, tags=st.lists(TEXT, max_size=3), event_id=TEXT)
def test_no_text_makes_a_postgres_search_fail(
    postgres_bundled_store: PostgresStore, q: str, locality: str, tags: list[str], event_id: str
) -> None:
    page = postgres_bundled_store.search(SearchQuery(q=q, locality=locality, tags=tags, limit=50))
    assert page.count == len(page.events) <= page.total
    postgres_bundled_store.links([event_id])
    postgres_bundled_store.get(event_id)


def test_stop_words_are_searchable_as_in_sqlite(pg: PostgresStore) -> None:
    pg.upsert(EVENTS)
    assert [e.id for e in pg.search(SearchQuery(q="about python")).events] == ["jsconf"]


def test_a_search_path_naming_no_schema_is_a_clear_store_error(postgres_url: str) -> None:
    from eventchat.errors import StoreError

    url = postgres_url.replace("search_path%3D", "search_path%3Dno_such_")
    with pytest.raises(StoreError, match="create that schema first"):
        PostgresStore(url)


def test_messages_never_show_the_password() -> None:
    label = safe_label("postgresql://app:hunter2@db.example:6543/events?sslmode=require")
    assert label == "postgresql://app@db.example:6543/events"


def test_a_pooled_connection_the_server_dropped_costs_no_failed_read(
    pg: PostgresStore, postgres_url: str
) -> None:
    """No check on checkout (a round trip per request): a read that meets a dead connection
    is tried once more on a fresh one."""
    pg.upsert(EVENTS)
    with pg._pool.connection() as db:
        pid = db.info.backend_pid
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert [e.id for e in pg.search(SearchQuery(q="python berlin")).events] == ["berlin"]
    with pg._pool.connection() as db:
        assert db.info.backend_pid != pid
