"""Event stores: the face that opens one. SQLite (``sqlite/``) or PostgreSQL (``postgres/``)
hold the events; both search through one tantivy index (``index/``); ``importers/`` read files
and ``sources/`` the bundled and remote event data.

``open_store("")`` opens the default database in the user's data directory, building it from the
bundled dataset on first use, refreshing it when the bundled dataset changes, and rebuilding it
(with a logged warning, the broken file kept beside it) when it is corrupt. ``open_store(path)``
opens that SQLite file as it is, creating an empty database if it does not exist.
``open_store("postgresql://...")`` opens the PostgreSQL store (psycopg is imported only then),
loading the bundled dataset when the database lacks it or holds an older version.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from eventchat.errors import ConfigError, StoreError
from eventchat.store.base import Store
from eventchat.store.countries import Country, UnknownCountryError, find_country, resolve_country
from eventchat.store.sources.bundled import DATA_DIR, dataset_version, read_dataset
from eventchat.store.sqlite import SQLiteStore
from eventchat.store.sqlite.store import index_path
from eventchat.store.stats import StoreStats

if TYPE_CHECKING:
    from eventchat.store.postgres import PostgresStore

__all__ = [
    "Country",
    "SQLiteStore",
    "Store",
    "StoreStats",
    "UnknownCountryError",
    "build_database",
    "default_database_path",
    "find_country",
    "open_store",
    "resolve_country",
]

DATABASE_FILE = "events.sqlite3"
log = logging.getLogger("eventchat")


def default_database_path(data_dir: Path | None = None) -> Path:
    """Where the embedded default database lives: ``<user data dir>/eventchat/events.sqlite3``."""
    base = data_dir if data_dir is not None else Path(platformdirs.user_data_dir("eventchat"))
    return base / DATABASE_FILE


def build_database(path: Path, *, bundle_dir: Path = DATA_DIR) -> None:
    """Build a fresh database at ``path`` from the bundled dataset (atomically replacing it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    store = SQLiteStore(tmp, index_dir=index_path(path))  # its index is the final file's
    try:
        store.load_bundled(read_dataset(bundle_dir), dataset_version(bundle_dir))
    finally:
        store.close()
    os.replace(tmp, path)


def _move_aside(path: Path) -> Path:
    broken = path.with_name(path.name + ".corrupt")
    os.replace(path, broken)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return broken


def _open_current(path: Path, bundle_dir: Path) -> SQLiteStore:
    """Open the default database, refreshing the bundled events if the dataset changed."""
    store = SQLiteStore(path)
    try:
        version = dataset_version(bundle_dir)
        if store.meta("dataset_version") != version:
            log.info("bundled dataset changed; refreshing %s", path)
            store.load_bundled(read_dataset(bundle_dir), version)
    except BaseException:
        store.close()
        raise
    return store


def _open_default(data_dir: Path | None, bundle_dir: Path) -> SQLiteStore:
    path = default_database_path(data_dir)
    if path.exists():
        try:
            return _open_current(path, bundle_dir)
        except StoreError as exc:
            broken = _move_aside(path)
            log.warning("%s; kept it as %s and rebuilt the events database", exc, broken)
    log.info("building the events database %s from the bundled dataset", path)
    try:
        build_database(path, bundle_dir=bundle_dir)
    except OSError as exc:
        raise StoreError(
            f"cannot build the events database in {path.parent} ({exc.strerror or exc}) — "
            "make the directory writable or set database to another file"
        ) from exc
    return SQLiteStore(path)


def _open_postgres(url: str, bundle_dir: Path) -> PostgresStore:
    """Open the PostgreSQL store at ``url``, loading the bundled dataset if missing or stale."""
    try:
        from eventchat.store.postgres import PostgresStore
    except ImportError as exc:
        raise ConfigError(
            f"the PostgreSQL store needs psycopg ({exc}) — "
            "pip install 'psycopg[binary]' psycopg-pool, or set database to a SQLite file"
        ) from exc
    store = PostgresStore(url)
    try:
        if store.refresh_bundled(dataset_version(bundle_dir), lambda: read_dataset(bundle_dir)):
            log.info("loaded the bundled dataset into %s", store.label)
    except BaseException:
        store.close()
        raise
    return store


def open_store(
    database: str, *, data_dir: Path | None = None, bundle_dir: Path = DATA_DIR
) -> SQLiteStore | PostgresStore:
    """Open the store named by the ``database`` setting ("" = the embedded default).

    ``data_dir`` overrides the user data directory of the default database; ``bundle_dir`` the
    directory of the bundled dataset (tests use both).
    """
    if database.startswith(("postgresql://", "postgres://")):
        return _open_postgres(database, bundle_dir)
    if not database:
        return _open_default(data_dir, bundle_dir)
    path = Path(database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStore(path)
