"""Rankings of the most frequent lexemes in PostgreSQL, computed once after a write.

As in the SQLite store (``sqlite_hot``): ``ts_rank`` has to rank every match before the best ten
are known, and a word in a fifth of the events ("javascript") is what people search for, so
after each write the store ranks, for every lexeme in at least MIN_DOCS events, the first DEPTH
matches exactly as a search would order them (rank, then start_day, then id). A search for one
such word, without filters, reads its page from ``hot_ranks`` and its total from ``hot_terms``.

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
            db.execute("DELETE FROM hot_ranks")
            db.execute("DELETE FROM hot_terms")
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
    db.execute(
        "INSERT INTO hot_terms (query, total, listed, version) VALUES (%s, %s, %s, %s)",
        (params["key"], matches, min(matches, DEPTH), version),
    )


# The page of a one-word search without filters, from a current ranking deep enough for it;
# no row when there is none (the caller then ranks every match).
PAGE = """
SELECT {columns}, h.total FROM hot_terms AS h
JOIN hot_ranks AS r ON r.query = h.query
JOIN events AS e ON e.id = r.id
WHERE h.query = websearch_to_tsquery('{config}', %(q)s)::text
  AND h.version = (SELECT value FROM meta WHERE key = 'data_version')
  AND (%(offset)s + %(limit)s <= h.listed OR h.listed = h.total)
  AND r.pos >= %(offset)s AND r.pos < %(offset)s + %(limit)s
ORDER BY r.pos
""".replace("{config}", TS_CONFIG)
