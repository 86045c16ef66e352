"""Ordered schema migrations for the SQLite store, each recorded in the ``migrations`` table.

As llm's ``migrations.py``: a migration is a function registered in order; applying the list
runs those not yet recorded, each in its own transaction. Never edit a released migration; add
a new one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []

FTS_COLUMNS = ("name", "tags", "description", "venue", "locality", "country")


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """An explicit transaction (connections run in autocommit mode, so DDL is transactional)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_events(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE events (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            start_at TEXT NOT NULL,
            end_at TEXT,
            start_day TEXT NOT NULL,
            end_day TEXT NOT NULL,
            venue TEXT, address TEXT, locality TEXT, region TEXT,
            country TEXT, country_code TEXT,
            online INTEGER NOT NULL DEFAULT 0,
            tags TEXT NOT NULL DEFAULT '[]',
            description TEXT, source TEXT,
            locality_key TEXT,
            origin TEXT NOT NULL DEFAULT 'import',
            url TEXT, images TEXT NOT NULL DEFAULT '[]',
            cfp_url TEXT, cfp_end_date TEXT,
            social TEXT NOT NULL DEFAULT '[]'
        )
        """
    )
    for column in ("start_day", "end_day", "country_code", "locality_key", "origin"):
        db.execute(f"CREATE INDEX events_{column} ON events({column})")


@migration
def m002_events_fts(db: sqlite3.Connection) -> None:
    columns = ", ".join(FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    db.execute(
        f"CREATE VIRTUAL TABLE events_fts USING fts5({columns}, content='events', "
        "content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2')"
    )
    insert = f"INSERT INTO events_fts(rowid, {columns}) VALUES (new.rowid, {new});"
    delete = (
        f"INSERT INTO events_fts(events_fts, rowid, {columns}) VALUES ('delete', old.rowid, {old});"
    )
    db.execute(f"CREATE TRIGGER events_ai AFTER INSERT ON events BEGIN {insert} END")
    db.execute(f"CREATE TRIGGER events_ad AFTER DELETE ON events BEGIN {delete} END")
    db.execute(f"CREATE TRIGGER events_au AFTER UPDATE ON events BEGIN {delete} {insert} END")


@migration
def m003_meta(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the pending migrations in order; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM migrations")}
    applied = []
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        with transaction(db):
            fn(db)
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            db.execute("INSERT INTO migrations VALUES (?, ?)", (fn.__name__, now))
        applied.append(fn.__name__)
    return applied
