"""Ordered schema migrations for the SQLite store, each recorded in the ``migrations`` table.

As llm's ``migrations.py``: a migration is a function registered in order; applying the list
runs those not yet recorded, each in its own transaction. Never edit a released migration; add
a new one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import uuid
from collections.abc import Callable, Iterator

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []

IN_CHUNK = 500  # rowids per IN (...) list: stays under SQLite's bound-parameter limit
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


@contextlib.contextmanager
def snapshot(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read transaction: every statement inside sees the same state of the database."""
    db.execute("BEGIN")
    try:
        yield db
    finally:
        if db.in_transaction:  # an error may already have ended it
            db.execute("ROLLBACK")


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


# m002 (FTS5), m004-m007 (tags as rows, the day span, stored rankings) served search before the
# tantivy index; m008 drops what they made. Released migrations are never edited.


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


# The longest event (end_day - start_day, in days) bounds how early an event ending on or after
# a date can start, so "ends on/after X" becomes a start_day range. 'unbounded' once any row's
# days are not canonical YYYY-MM-DD dates (text order would then not be date order).
SPAN_KEY = "max_day_span"
UNBOUNDED = "unbounded"
_IRREGULAR = "date({0}.start_day) IS NOT {0}.start_day OR date({0}.end_day) IS NOT {0}.end_day"
_SPAN = "CAST(julianday({0}.end_day) - julianday({0}.start_day) AS INTEGER)"
_VALID_TAGS = "CASE WHEN json_valid({0}.tags) THEN {0}.tags ELSE '[]' END"


def _tag_rows(row: str, source: str = "") -> str:
    """SELECT of the event_tags rows of ``row`` (``new``, or an alias in ``source``)."""
    return (
        f"SELECT t.value, {row}.start_day, {row}.end_day, {row}.rowid "
        f"FROM {source}json_each({_VALID_TAGS.format(row)}) AS t WHERE t.value IS NOT NULL"
    )


@migration
def m004_search_indexes(db: sqlite3.Connection) -> None:
    """Tags as rows, a (start_day, end_day) index and the longest span: fast filtered search."""
    db.execute("CREATE INDEX events_start_end ON events(start_day, end_day)")
    # `tag` has no declared type, so values compare exactly as json_each's did (no affinity).
    db.execute(
        "CREATE TABLE event_tags (tag, start_day TEXT NOT NULL, end_day TEXT NOT NULL, "
        "event INTEGER NOT NULL, PRIMARY KEY (tag, start_day, event)) WITHOUT ROWID"
    )
    db.execute(f"INSERT OR IGNORE INTO event_tags {_tag_rows('e', 'events AS e, ')}")
    span = db.execute(
        f"SELECT CASE WHEN coalesce(sum({_IRREGULAR.format('events')}), 0) > 0 THEN ? "
        f"ELSE max(0, coalesce(max({_SPAN.format('events')}), 0)) END FROM events",
        (UNBOUNDED,),
    ).fetchone()[0]
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (SPAN_KEY, str(span)))
    insert_tags = f"INSERT OR IGNORE INTO event_tags {_tag_rows('new')};"
    delete_tags = (
        "DELETE FROM event_tags WHERE start_day = old.start_day AND event = old.rowid "
        f"AND tag IN (SELECT t.value FROM json_each({_VALID_TAGS.format('old')}) AS t);"
    )
    widen = (
        f"UPDATE meta SET value = CASE WHEN value = '{UNBOUNDED}' OR {_IRREGULAR.format('new')} "
        f"THEN '{UNBOUNDED}' ELSE max(CAST(value AS INTEGER), {_SPAN.format('new')}) END "
        f"WHERE key = '{SPAN_KEY}';"
    )
    db.execute(
        f"CREATE TRIGGER event_tags_ai AFTER INSERT ON events BEGIN {insert_tags} {widen} END"
    )
    db.execute(f"CREATE TRIGGER event_tags_ad AFTER DELETE ON events BEGIN {delete_tags} END")
    db.execute(
        "CREATE TRIGGER event_tags_au AFTER UPDATE ON events "
        f"BEGIN {delete_tags} {insert_tags} {widen} END"
    )


@migration
def m005_online_index(db: sqlite3.Connection) -> None:
    """An (online, start_day) index: the online filter, alone or with text, without a scan.

    At 100k events: `online=true` alone 12 ms → 0.2 ms; `data` + `online=true` 42 → 8 ms.
    """
    db.execute("CREATE INDEX events_online_day ON events(online, start_day)")


@migration
def m006_search_rankings(db: sqlite3.Connection) -> None:
    """Stored rankings and filter counts of frequent terms, emptied by any
    write to events.

    At 1M events: "javascript" (179k matches) 250 ms → a few ms once ranked.
    """
    db.execute(
        "CREATE TABLE hot_terms (term TEXT PRIMARY KEY, total INTEGER NOT NULL, "
        "listed INTEGER NOT NULL) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE hot_ranks (term TEXT NOT NULL, pos INTEGER NOT NULL, "
        "event INTEGER NOT NULL, PRIMARY KEY (term, pos)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE hot_counts (term TEXT NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL, "
        "n INTEGER NOT NULL, PRIMARY KEY (term, facet, value)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE hot_facet_ranks (term TEXT NOT NULL, facet TEXT NOT NULL, "
        "value TEXT NOT NULL, pos INTEGER NOT NULL, event INTEGER NOT NULL, "
        "PRIMARY KEY (term, facet, value, pos)) WITHOUT ROWID"
    )
    # Row triggers, so a batch empties the tables once and then finds them empty.
    tables = ("hot_terms", "hot_ranks", "hot_counts", "hot_facet_ranks")
    stale = " ".join(f"DELETE FROM {table};" for table in tables)
    for when in ("INSERT", "UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER hot_{when.lower()} AFTER {when} ON events BEGIN {stale} END")


@migration
def m007_ranking_scores(db: sqlite3.Connection) -> None:
    """Each frequent term's ranking with its scores for the term alone, packed in one row, and
    the next score past it, so that a search of several frequent words merges their rankings
    instead of scoring every match.

    Rankings are derived data: the ones stored without scores are dropped here and made again,
    with scores, by the next write. At 1M events: "machine learning" (38k matches) 80-105 ms →
    17 ms, "devops summit" 50-90 → 13 ms.
    """
    for table in ("hot_terms", "hot_ranks", "hot_counts", "hot_facet_ranks"):
        db.execute(f"DELETE FROM {table}")
    # events: little-endian int64 rowids; scores: little-endian float64 bm25() of the term alone,
    # both in rank order. next_score: the best score worse than the last listed one (NULL: none).
    for column in ("events BLOB", "scores BLOB", "next_score REAL"):
        db.execute(f"ALTER TABLE hot_terms ADD COLUMN {column}")


@migration
def m008_search_index(db: sqlite3.Connection) -> None:
    """Search moves to the tantivy index (``eventchat.store.index``): FTS5, the tag rows, the
    day span and the stored rankings go, and every write to events now moves ``data_version``,
    which tells a reader that the index is behind. ``store_id`` names this database, so an
    index built from another file (a rebuilt one, say) is never taken for this one's.

    At 100k events the file shrinks by about a third (FTS5 and rankings were 40-50 MB).
    """
    for trigger in ("events_ai", "events_ad", "events_au", "event_tags_ai", "event_tags_ad",
                    "event_tags_au", "hot_insert", "hot_update", "hot_delete"):  # fmt: skip
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in ("events_fts", "event_tags", "hot_terms", "hot_ranks", "hot_counts",
                  "hot_facet_ranks"):  # fmt: skip
        db.execute(f"DROP TABLE IF EXISTS {table}")
    for index in ("events_start_end", "events_online_day"):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.execute("DELETE FROM meta WHERE key = ?", (SPAN_KEY,))
    db.execute("INSERT OR REPLACE INTO meta VALUES ('store_id', ?)", (uuid.uuid4().hex,))
    db.execute("INSERT OR REPLACE INTO meta VALUES ('data_version', '0')")
    bump = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version';"
    for when in ("INSERT", "UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER events_version_{when.lower()} AFTER {when} ON events BEGIN {bump} END"
        )


@migration
def m009_deadlines(db: sqlite3.Connection) -> None:
    """Deadlines of an event (kind, instant, zone) as a JSON list, searchable through the index."""
    db.execute("ALTER TABLE events ADD COLUMN deadlines TEXT NOT NULL DEFAULT '[]'")


@migration
def m010_zone_and_series(db: sqlite3.Connection) -> None:
    """The zone an event happens in (its times are local there) and the series it belongs to."""
    db.execute("ALTER TABLE events ADD COLUMN timezone TEXT")
    db.execute("ALTER TABLE events ADD COLUMN series TEXT")


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
