"""open_store: the embedded default database is built, refreshed and repaired on its own."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from eventchat.errors import StoreError
from eventchat.models import EventDetail, EventLinks, SearchQuery
from eventchat.store import default_database_path, open_store
from eventchat.store.sources.bundled import dataset_version, write_dataset


def event(event_id: str, name: str) -> EventDetail:
    return EventDetail(
        id=event_id, name=name, start="2026-01-01", links=EventLinks(id=event_id, url="https://x")
    )


@pytest.fixture
def bundle_a(tmp_path: Path) -> Path:
    out = tmp_path / "bundle-a"
    out.mkdir()
    write_dataset([event("a1", "Alpha One"), event("a2", "Alpha Two")], out)
    return out


@pytest.fixture
def bundle_b(tmp_path: Path) -> Path:
    out = tmp_path / "bundle-b"
    out.mkdir()
    write_dataset([event("b1", "Beta One")], out)
    return out


def test_default_database_is_built_in_the_user_data_dir(bundle_a: Path) -> None:
    store = open_store("", bundle_dir=bundle_a)
    try:
        assert store.count() == 2
        assert store.path == Path(os.environ["XDG_DATA_HOME"]) / "eventchat" / "events.sqlite3"
    finally:
        store.close()


def test_default_database_is_reused_while_the_dataset_is_unchanged(
    tmp_path: Path, bundle_a: Path
) -> None:
    open_store("", data_dir=tmp_path, bundle_dir=bundle_a).close()
    stamp = default_database_path(tmp_path).stat().st_mtime_ns
    store = open_store("", data_dir=tmp_path, bundle_dir=bundle_a)
    store.close()
    assert default_database_path(tmp_path).stat().st_mtime_ns == stamp


def test_a_new_dataset_version_refreshes_bundled_events_and_keeps_imports(
    tmp_path: Path, bundle_a: Path, bundle_b: Path
) -> None:
    store = open_store("", data_dir=tmp_path, bundle_dir=bundle_a)
    store.upsert([event("mine", "My Own Meetup")])
    store.close()
    store = open_store("", data_dir=tmp_path, bundle_dir=bundle_b)
    try:
        assert store.get("a1") is None
        assert store.get("b1") is not None
        assert store.get("mine") is not None
        assert store.count() == 2
        assert store.search(SearchQuery(q="alpha")).total == 0  # the FTS index followed
        assert store.search(SearchQuery(q="beta")).total == 1
    finally:
        store.close()


def test_a_corrupt_database_is_kept_aside_and_rebuilt_with_a_warning(
    tmp_path: Path, bundle_a: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = default_database_path(tmp_path)
    path.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="eventchat"):
        store = open_store("", data_dir=tmp_path, bundle_dir=bundle_a)
    try:
        assert store.count() == 2
    finally:
        store.close()
    assert path.with_name("events.sqlite3.corrupt").read_bytes().startswith(b"this is not")
    assert any("rebuilt the events database" in r.getMessage() for r in caplog.records)


def test_an_explicit_path_is_opened_as_it_is(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "sub" / "mine.sqlite3"))
    try:
        assert store.count() == 0
        assert store.meta("dataset_version") is None
    finally:
        store.close()


def test_the_bundled_build_holds_every_bundled_event(bundled_database_file: Path) -> None:
    store = open_store(str(bundled_database_file))
    try:
        assert store.count() == 8252
        assert store.meta("dataset_version") is not None
    finally:
        store.close()


def test_an_unreachable_postgres_url_is_a_one_line_store_error() -> None:
    pytest.importorskip("psycopg", reason="no PostgreSQL driver", exc_type=ImportError)
    with pytest.raises(StoreError, match="cannot connect to the events database") as caught:
        open_store("postgresql://someone:s3cret@127.0.0.1:1/events")
    message = str(caught.value)
    assert "postgresql://someone@127.0.0.1:1/events" in message
    assert "s3cret" not in message
    assert "\n" not in message


@pytest.mark.postgres
def test_a_postgres_database_gets_the_bundled_dataset_and_keeps_imports_on_refresh(
    postgres_url: str, bundle_a: Path, bundle_b: Path
) -> None:
    store = open_store(postgres_url, bundle_dir=bundle_a)
    try:
        assert store.count() == 2
        store.upsert([event("mine", "My Own Meetup")])
    finally:
        store.close()
    store = open_store(postgres_url, bundle_dir=bundle_b)
    try:
        assert {store.get(i) is not None for i in ("a1", "a2")} == {False}
        assert store.get("b1") is not None
        assert store.get("mine") is not None
        assert store.search(SearchQuery(q="alpha")).total == 0  # the tsvector followed
        assert store.search(SearchQuery(q="beta")).total == 1
        assert store.meta("dataset_version") == dataset_version(bundle_b)
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_workers_starting_together_load_the_dataset_once(
    postgres_url: str, bundle_a: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with caplog.at_level(logging.INFO, logger="eventchat"), ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: open_store(postgres_url, bundle_dir=bundle_a), range(4)))
    try:
        assert [s.count() for s in stores] == [2, 2, 2, 2]
    finally:
        for opened in stores:
            opened.close()
    loads = [r for r in caplog.records if "loaded the bundled dataset" in r.getMessage()]
    assert len(loads) == 1


def test_an_unwritable_data_dir_is_a_store_error(tmp_path: Path, bundle_a: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot build the events database"):
        open_store("", data_dir=blocker / "eventchat", bundle_dir=bundle_a)
