"""Rankings of the most frequent lexemes in PostgreSQL, computed once after a write.

As in the SQLite store (``sqlite_hot``): ``ts_rank`` has to rank every match before the best ten
are known, and a word in a fifth of the events ("javascript") is what people search for, so
after each write the store ranks, for every lexeme in at least MIN_DOCS events, the first DEPTH
matches exactly as a search would order them (rank, then start_day, then id), and counts its
matches by country, locality and online. A search for one such word, without filters or with
one of those, reads its page from ``hot_ranks`` (walking the list, keeping the events that pass
the filter) and its total from ``hot_terms`` or ``hot_counts``.

Several writers may work at once here, so a trigger cannot simply empty the tables (a refresh
that began before a write could store its ranking after it). Instead every statement that
writes events bumps ``meta.data_version``; a refresh ranks in one REPEATABLE READ snapshot and
stores the version it saw, and a search uses a ranking only while its version is current. The
key of a ranking is the text of the word's ``tsquery`` (``'javascript'``), so a search finds it
from ``websearch_to_tsquery`` of its own text, in SQL.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import DictRow

from eventchat.store.pg_schema import TS_CONFIG

MIN_DOCS = 2_000
DEPTH = 2_000
# pg_advisory_lock(REFRESH_LOCK, hash of the schema): one refresh at a time per schema.
REFRESH_LOCK = 0x4E5F0C3B
_LOCK = "(%s, hashtext(current_schema()))"
# ts_rank weights for D (description), C (venue/locality/country), B (tags), A (name): the
# ratios of the SQLite store's BM25 weights. Normalisation 1 divides by 1 + log(length).
RANK_WEIGHTS = "'{0.1, 0.3, 0.4, 1.0}'"


def rank_expression(tsquery: str) -> str:
    """The relevance of ``e`` for the SQL ``tsquery``: the same expression for every search."""
    return f"ts_rank({RANK_WEIGHTS}, e.document, {tsquery}, 1)"


_RANK = f"""
INSERT INTO hot_ranks (query, pos, id)
SELECT %(key)s, row_number() OVER (ORDER BY rank DESC, start_day, id) - 1, id
FROM (
    SELECT e.id, e.start_day, {rank_expression("%(tsquery)s::tsquery")} AS rank
    FROM events AS e WHERE e.document @@ %(tsquery)s::tsquery
    ORDER BY rank DESC, e.start_day, e.id LIMIT %(depth)s
) AS top
"""


# A term's matches counted by each facet value, in one pass (NULL values are not counted).
_COUNT = """
INSERT INTO hot_counts (query, facet, value, n)
SELECT %(key)s, facet, value, n FROM (
    SELECT CASE WHEN GROUPING(e.country_code) = 0 THEN 'country'
                WHEN GROUPING(e.locality_key) = 0 THEN 'locality' ELSE 'online' END AS facet,
           coalesce(e.country_code, e.locality_key, e.online::text) AS value, count(*) AS n
    FROM events AS e WHERE e.document @@ %(tsquery)s::tsquery
    GROUP BY GROUPING SETS ((e.country_code), (e.locality_key), (e.online))
) AS counted WHERE value IS NOT NULL
"""
FACETS = {"country": "country_code", "locality": "locality_key", "online": "online"}


def refresh(db: psycopg.Connection[DictRow]) -> int:
    """Rank every lexeme in MIN_DOCS or more events, DEPTH deep; return how many were ranked.

    ``db`` must be in autocommit mode. One refresh runs at a time per schema (a session advisory
    lock, taken before the snapshot so that a refresh which waited still sees the latest write).
    """
    db.execute(f"SELECT pg_advisory_lock{_LOCK}", (REFRESH_LOCK,))
    try:
        with db.transaction():
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            row = db.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
            version = None if row is None else str(row["value"])
            for table in ("hot_ranks", "hot_terms", "hot_counts"):
                db.execute(f"DELETE FROM {table}")
            frequent = db.execute(
                "SELECT word, ndoc FROM ts_stat('SELECT document FROM events') "
                "WHERE ndoc >= %s ORDER BY word",
                (MIN_DOCS,),
            ).fetchall()
            for row in frequent:
                _rank(db, str(row["word"]), int(row["ndoc"]), version)
        return len(frequent)
    finally:
        db.execute(f"SELECT pg_advisory_unlock{_LOCK}", (REFRESH_LOCK,))


def _rank(db: psycopg.Connection[DictRow], word: str, matches: int, version: str | None) -> None:
    tsquery = "'" + word.replace("'", "''") + "'"  # the lexeme itself: tsquery input, no stemming
    found = db.execute("SELECT %s::tsquery::text AS key", (tsquery,)).fetchone()
    params = {"key": None if found is None else found["key"], "tsquery": tsquery, "depth": DEPTH}
    db.execute(_RANK, params)
    db.execute(_COUNT, params)
    db.execute(
        "INSERT INTO hot_terms (query, total, listed, version) VALUES (%s, %s, %s, %s)",
        (params["key"], matches, min(matches, DEPTH), version),
    )


# The page of a one-word search without filters or with one facet filter, from a current
# ranking: the listed matches passing {clause} (none: the ranking holds none for the page), with
# the ranking's depth and the count of the word's matches passing the filter ({count}). No row
# at all when there is no current ranking.
PAGE = """
WITH h AS (
    SELECT query, listed, total FROM hot_terms
    WHERE query = websearch_to_tsquery('{config}', %(q)s)::text
      AND version = (SELECT value FROM meta WHERE key = 'data_version')
)
SELECT h.listed, h.total AS matches, {count} AS counted, page.*
FROM h LEFT JOIN LATERAL (
    SELECT {columns}, r.pos FROM hot_ranks AS r JOIN events AS e ON e.id = r.id
    WHERE r.query = h.query AND {clause}
    ORDER BY r.pos LIMIT %(limit)s OFFSET %(offset)s
) AS page ON true
ORDER BY page.pos
""".replace("{config}", TS_CONFIG)
FACET_COUNT = (
    "coalesce((SELECT n FROM hot_counts AS c WHERE c.query = h.query "
    "AND c.facet = %(facet)s AND c.value = %(value)s), 0)"
)
