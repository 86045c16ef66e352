"""Ordered schema migrations for the PostgreSQL store, recorded in the ``migrations`` table.

The same scheme as the SQLite store's ``migrations.py``: migrations run in order and are recorded by
name. Several ``eventchat serve`` workers may start at once against an empty database, so the
whole run is one transaction holding an advisory lock (each migration a savepoint in it): the
first worker migrates, the others wait and then find nothing left to do. The lock key is one
constant for the whole database (not per schema) because the ``unaccent`` extension is
database-wide.

Until m008, full text used ``eventchat_english``: a copy of the ``english`` configuration
whose words went through the English Snowball stemmer without a stop-word list, after
``unaccent`` when the extension could be installed. Since m008 the tantivy index searches, and
that configuration, the document column and the tag rows are gone.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

Migration = Callable[[psycopg.Connection[TupleRow]], None]
MIGRATIONS: list[Migration] = []
TS_CONFIG = "eventchat_english"
# The pg_advisory_xact_lock key of eventchat's migrations: any constant other software won't use.
MIGRATION_LOCK = 0x4E5F0C3A6D21B7E1

# Non-alphanumeric runs become spaces before parsing, as FTS5's unicode61 tokenizer splits on
# them: "Node.js" is "node" + "js" in both stores, not PostgreSQL's single host token.
_SPLIT = "regexp_replace({}, '[^[:alnum:]]+', ' ', 'g')"
_DOCUMENT = " || ".join(
    f"setweight(to_tsvector('{TS_CONFIG}', {_SPLIT.format(text)}), '{weight}')"
    for text, weight in (
        ("coalesce(name, '')", "A"),
        ("events_tags_text(tags)", "B"),
        (
            "coalesce(venue, '') || ' ' || coalesce(locality, '') || ' ' || coalesce(country, '')",
            "C",
        ),
        ("coalesce(description, '')", "D"),
    )
)


_WORDS = "asciiword, word, asciihword, hword, hword_asciipart, hword_part"
_NUMWORDS = "numword, numhword, hword_numpart"


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


def _unaccent_schema(db: psycopg.Connection[TupleRow]) -> str | None:
    """The schema holding the ``unaccent`` dictionary, installing the extension if allowed."""
    try:
        with db.transaction():  # a savepoint: a refused CREATE EXTENSION must not end the run
            db.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
    except psycopg.Error:
        pass
    row = db.execute(
        "SELECT n.nspname FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace "
        "WHERE d.dictname = 'unaccent' LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])


@migration
def m001_text_search(db: psycopg.Connection[TupleRow]) -> None:
    cfg = sql.Identifier(TS_CONFIG)
    db.execute(
        sql.SQL("CREATE TEXT SEARCH CONFIGURATION {} (COPY = pg_catalog.english)").format(cfg)
    )
    # english_stem without its stop-word list: FTS5 has none, so "the" and "it" stay searchable.
    db.execute(
        "CREATE TEXT SEARCH DICTIONARY eventchat_stem (TEMPLATE = snowball, Language = english)"
    )
    schema = _unaccent_schema(db)
    unaccent = [] if schema is None else [sql.Identifier(schema, "unaccent")]
    for tokens, last in ((_WORDS, "eventchat_stem"), (_NUMWORDS, "simple")):
        db.execute(
            sql.SQL("ALTER TEXT SEARCH CONFIGURATION {} ALTER MAPPING FOR {} WITH {}").format(
                cfg, sql.SQL(tokens), sql.SQL(", ").join([*unaccent, sql.Identifier(last)])
            )
        )
    # array_to_string is only STABLE (element output functions); for text[] it is immutable,
    # which a generated column needs.
    db.execute(
        "CREATE FUNCTION events_tags_text(tags text[]) RETURNS text LANGUAGE sql IMMUTABLE "
        "PARALLEL SAFE RETURN array_to_string(tags, ' ')"
    )


@migration
def m002_events(db: psycopg.Connection[TupleRow]) -> None:
    # Dates stay ISO text (as in SQLite) under the "C" collation, so comparisons and ordering are
    # byte-wise and match the SQLite store exactly.
    db.execute(
        f"""
        CREATE TABLE events (
            id text COLLATE "C" PRIMARY KEY,
            name text NOT NULL,
            start_at text COLLATE "C" NOT NULL,
            end_at text COLLATE "C",
            start_day text COLLATE "C" NOT NULL,
            end_day text COLLATE "C" NOT NULL,
            venue text, address text, locality text, region text,
            country text, country_code text COLLATE "C",
            online boolean NOT NULL DEFAULT false,
            tags text[] COLLATE "C" NOT NULL DEFAULT '{{}}',
            description text, source text COLLATE "C",
            locality_key text,
            origin text NOT NULL DEFAULT 'import',
            url text, images jsonb NOT NULL DEFAULT '[]',
            cfp_url text, cfp_end_date text,
            social jsonb NOT NULL DEFAULT '[]',
            document tsvector GENERATED ALWAYS AS ({_DOCUMENT}) STORED
        )
        """
    )
    db.execute("CREATE INDEX events_document ON events USING gin (document)")
    db.execute("CREATE INDEX events_tags ON events USING gin (tags)")
    for column in ("start_day", "end_day", "country_code", "locality_key", "origin"):
        db.execute(f"CREATE INDEX events_{column} ON events ({column})")


@migration
def m003_meta(db: psycopg.Connection[TupleRow]) -> None:
    db.execute("CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)")


@migration
def m004_days_index(db: psycopg.Connection[TupleRow]) -> None:
    # Date-range counts read both days: with both in one index they are index-only scans
    # (1M events: 87 -> 1.3 ms per search). It also serves the start-date order, as the old did.
    db.execute("CREATE INDEX events_days ON events (start_day, end_day)")
    db.execute("DROP INDEX events_start_day")


@migration
def m005_event_tags(db: psycopg.Connection[TupleRow]) -> None:
    """One row per (tag, event) in start order, as the SQLite store's ``event_tags``: a search by
    tag walks its index for one page and counts from it, instead of reading every event with
    the tag through the GIN index and sorting them. At 100k events (``python -m bench
    pg_search``) tag searches went from p50 16 ms · p99 92 ms to p50 2.7 ms · p99 6.8 ms; the
    count is an index-only scan once (auto)vacuum has marked the table's pages all-visible.

    Statement triggers with transition tables keep it in step with any write, eventchat's or not.
    """
    db.execute(
        """
        CREATE TABLE event_tags (
            tag text COLLATE "C" NOT NULL,
            start_day text COLLATE "C" NOT NULL,
            start_at text COLLATE "C" NOT NULL,
            id text COLLATE "C" NOT NULL,
            end_day text COLLATE "C" NOT NULL,
            PRIMARY KEY (tag, start_day, start_at, id) INCLUDE (end_day)
        )
        """
    )
    db.execute("CREATE INDEX event_tags_id ON event_tags (id)")
    added = (
        "INSERT INTO event_tags SELECT DISTINCT t, n.start_day, n.start_at, n.id, n.end_day "
        "FROM new_rows AS n, unnest(n.tags) AS t"
    )
    removed = "DELETE FROM event_tags AS e USING old_rows AS o WHERE e.id = o.id"
    for name, body in (
        ("event_tags_added", f"{added};"),
        ("event_tags_changed", f"{removed}; {added};"),
        ("event_tags_removed", f"{removed};"),
    ):
        db.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body} RETURN NULL; END $$"
        )
    db.execute(
        "CREATE TRIGGER event_tags_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION event_tags_added()"
    )
    db.execute(
        "CREATE TRIGGER event_tags_update AFTER UPDATE ON events "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION event_tags_changed()"
    )
    db.execute(
        "CREATE TRIGGER event_tags_delete AFTER DELETE ON events REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION event_tags_removed()"
    )
    db.execute(
        "INSERT INTO event_tags SELECT DISTINCT t, e.start_day, e.start_at, e.id, e.end_day "
        "FROM events AS e, unnest(e.tags) AS t"
    )


@migration
def m006_search_rankings(db: psycopg.Connection[TupleRow]) -> None:
    """Stored rankings of frequent lexemes, valid while ``meta.data_version``,
    which every statement writing events bumps, is the version they were ranked at.

    At 100k events (``python -m bench pg_search``): text searches p50 28 → 1.4 ms, p99 94 → 22.
    """
    db.execute(
        'CREATE TABLE hot_terms (query text COLLATE "C" PRIMARY KEY, total integer NOT NULL, '
        "listed integer NOT NULL, version text)"
    )
    db.execute(
        'CREATE TABLE hot_ranks (query text COLLATE "C" NOT NULL, pos integer NOT NULL, '
        'id text COLLATE "C" NOT NULL, PRIMARY KEY (query, pos))'
    )
    db.execute("INSERT INTO meta VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING")
    db.execute(
        "CREATE FUNCTION events_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'data_version'; "
        "RETURN NULL; END $$"
    )
    db.execute(
        "CREATE TRIGGER events_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION events_written()"
    )


@migration
def m007_search_counts(db: psycopg.Connection[TupleRow]) -> None:
    """Each ranked lexeme's matches counted by country, locality and online, so
    that one word with one of those filters needs no count over its matches.

    Rankings are derived data: those stored before this migration are dropped, and made again,
    with counts, by the next write.
    """
    db.execute(
        'CREATE TABLE hot_counts (query text COLLATE "C" NOT NULL, facet text NOT NULL, '
        "value text NOT NULL, n integer NOT NULL, PRIMARY KEY (query, facet, value))"
    )
    db.execute("DELETE FROM hot_ranks")
    db.execute("DELETE FROM hot_terms")


@migration
def m008_search_index(db: psycopg.Connection[TupleRow]) -> None:
    """Search moves to the tantivy index (``eventchat.store.index``): the tsvector document and
    its text search configuration, the tag rows and the stored rankings go. ``data_version``
    (m006) stays: every statement writing events moves it, which tells each host that its
    index is behind. ``store_id`` names this database (and schema), so each host keeps one
    index per database in its cache directory.
    """
    for trigger in ("event_tags_insert", "event_tags_update", "event_tags_delete"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger} ON events")
    for function in ("event_tags_added", "event_tags_changed", "event_tags_removed"):
        db.execute(f"DROP FUNCTION IF EXISTS {function}()")
    for table in ("event_tags", "hot_terms", "hot_ranks", "hot_counts"):
        db.execute(f"DROP TABLE IF EXISTS {table}")
    db.execute("ALTER TABLE events DROP COLUMN IF EXISTS document")
    for index in ("events_tags", "events_days"):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.execute("CREATE INDEX IF NOT EXISTS events_start_day ON events (start_day)")
    db.execute("DROP FUNCTION IF EXISTS events_tags_text(text[])")
    db.execute(
        sql.SQL("DROP TEXT SEARCH CONFIGURATION IF EXISTS {}").format(sql.Identifier(TS_CONFIG))
    )
    db.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS eventchat_stem")
    db.execute("DELETE FROM meta WHERE key = 'max_days'")
    db.execute(
        "INSERT INTO meta VALUES ('store_id', md5(random()::text || clock_timestamp()::text)) "
        "ON CONFLICT (key) DO NOTHING"
    )


@migration
def m009_deadlines(db: psycopg.Connection[TupleRow]) -> None:
    """Deadlines of an event (kind, instant, zone) as a JSON list, searchable through the index."""
    db.execute("ALTER TABLE events ADD COLUMN deadlines jsonb NOT NULL DEFAULT '[]'")


@migration
def m010_zone_and_series(db: psycopg.Connection[TupleRow]) -> None:
    """The zone an event happens in (its times are local there) and the series it belongs to."""
    db.execute("ALTER TABLE events ADD COLUMN timezone text, ADD COLUMN series text")


def migrate(db: psycopg.Connection[TupleRow]) -> list[str]:
    """Apply the pending migrations in order under the migration lock; return the names applied.

    ``db`` must be in autocommit mode (outside a transaction): the run is one transaction.
    """
    applied: list[str] = []
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        db.execute(
            "CREATE TABLE IF NOT EXISTS migrations "
            "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in db.execute("SELECT name FROM migrations")}
        for fn in MIGRATIONS:
            if fn.__name__ in done:
                continue
            with db.transaction():
                fn(db)
                db.execute("INSERT INTO migrations (name) VALUES (%s)", (fn.__name__,))
            applied.append(fn.__name__)
    return applied
