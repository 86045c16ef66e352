"""Rankings of the most frequent terms, computed once after a write instead of on every search.

FTS5 has no top-k: ``bm25()`` scores every match before the best ten can be picked, about a
microsecond each, so a word in a fifth of a million events costs 200 ms a search. A word in that
many events is also the word people search for ("javascript", "security"), and its ranking only
changes when the events do. So after each write the store ranks, for every term in at least
MIN_DOCS events, the first DEPTH matches exactly as ``text_search`` would order them (score, then
start_day, then id), keeps their rowids in ``hot_ranks`` and, with their scores, in
``hot_terms`` beside the term's match count, the first FACET_DEPTH of each country and locality
in ``hot_facet_ranks``, and its matches counted by country, online and locality in
``hot_counts``.

A search for one such word then reads its page from those: with one country or locality, from
that value's list and count; with other filters, it walks the term's list in order, keeps the
events that pass, and counts the matches without ``bm25()`` (or reads the online count). The
tables are exact or empty: a trigger empties them on any insert, update or delete of an event,
and a search that finds no list, or too short a list for its page, ranks the matches itself.
A search of several frequent words merges their lists (see ``sqlite_merge``).
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence

from eventchat.store.fts import match_expression
from eventchat.store.schema import FTS_COLUMNS, TOKENIZE, transaction

MIN_DOCS = 2_000  # a term in fewer events ranks in a couple of milliseconds without a list
DEPTH = 2_000  # list length: pages deep into the results, or filters keeping one match in 200

TOKENS = "temp.eventchat_tokens"  # this connection's tokenizer: see prepare()
# BM25 weights in FTS column order (name, tags, description, venue, locality, country):
# a word in the name outranks the same word anywhere else.
WEIGHTS = (10.0, 4.0, 1.0, 2.0, 3.0, 3.0)
BM25 = f"bm25(events_fts, {', '.join(map(str, WEIGHTS))})"


def prepare(db: sqlite3.Connection) -> None:
    """Create this connection's tokenizer tables (temporary; once per connection, outside any
    transaction: a search's read transaction would roll them back): an FTS5 table with the
    columns and tokenizer of events_fts, and its terms by row, column and offset."""
    columns = ", ".join(FTS_COLUMNS)
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TOKENS} USING fts5({columns}, tokenize='{TOKENIZE}')"
    )
    table = TOKENS.partition(".")[2]
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TOKENS}_v USING fts5vocab(temp, {table}, instance)"
    )


def tokens(db: sqlite3.Connection, word: str) -> list[str]:
    """The terms the full-text index makes of ``word`` (same tokenizer; see :func:`prepare`)."""
    db.execute(f"INSERT INTO {TOKENS}(rowid, name) VALUES (1, ?)", (word,))
    try:
        rows = db.execute(f"SELECT term FROM {TOKENS}_v ORDER BY offset").fetchall()
    finally:
        db.execute(f"DELETE FROM {TOKENS}")
    return [str(row[0]) for row in rows]


def refresh(db: sqlite3.Connection) -> int:
    """Rank every term in MIN_DOCS or more events, DEPTH deep; return how many were ranked.

    One transaction per term, so a writer never waits for the whole refresh (four minutes at
    1M events). That is safe because a write empties the tables: whatever is stored after it was
    computed after it.
    """
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.events_vocab "
               "USING fts5vocab(main, events_fts, row)")  # fmt: skip
    with transaction(db):
        for table in ("hot_terms", "hot_ranks", "hot_counts", "hot_facet_ranks"):
            db.execute(f"DELETE FROM {table}")
        frequent = db.execute(
            "SELECT term FROM temp.events_vocab WHERE doc >= ? ORDER BY term", (MIN_DOCS,)
        ).fetchall()
    ranked = 0
    for (term,) in frequent:
        if tokens(db, term) != [term]:  # a stem that does not stem to itself: no list
            continue
        with transaction(db):
            _rank_term(db, term)
        ranked += 1
    db.execute("DROP TABLE IF EXISTS temp.hot_scored")
    db.execute("DROP TABLE IF EXISTS temp.hot_ordered")
    return ranked


def _rank_term(db: sqlite3.Connection, term: str) -> None:
    """Store ``term``'s ranking, its rankings per country and locality, and its counts.

    Every match is scored once into a temporary table, copied in rank order (its rowid is then
    the rank), and each facet is indexed there so that each value's first rows are one lookup.
    """
    db.execute("DROP TABLE IF EXISTS temp.hot_scored")
    db.execute(_SCORE, (match_expression(term),))
    db.execute("DROP TABLE IF EXISTS temp.hot_ordered")
    db.execute(_ORDER)
    order = db.execute(
        "SELECT r, s FROM temp.hot_ordered WHERE rowid <= ? ORDER BY rowid", (DEPTH,)
    )
    events, scores = zip(*order.fetchall(), strict=True)
    db.executemany(
        "INSERT INTO hot_ranks (term, pos, event) VALUES (?, ?, ?)",
        [(term, pos, event) for pos, event in enumerate(events)],
    )
    total = db.execute("SELECT count(*) FROM temp.hot_ordered").fetchone()[0]
    listed = min(total, DEPTH)
    past = db.execute(  # the ties of the last listed score come first: a short walk
        "SELECT s FROM temp.hot_ordered WHERE rowid > ? "
        "AND s > (SELECT s FROM temp.hot_ordered WHERE rowid = ?) ORDER BY rowid LIMIT 1",
        (listed, listed),
    ).fetchone()
    db.execute(
        "INSERT INTO hot_terms (term, total, listed, events, scores, next_score) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (term, total, listed, pack_events(events), pack_scores(scores), past and past[0]),
    )
    for facet, column in (*RANKED_FACETS.items(), ("online", "online")):
        db.execute(f"CREATE INDEX temp.hot_ordered_{column} ON hot_ordered({column})")
        counts = db.execute(
            f"SELECT {column}, count(*) FROM temp.hot_ordered "
            f"WHERE {column} IS NOT NULL GROUP BY {column}"
        ).fetchall()
        db.executemany(
            "INSERT INTO hot_counts VALUES (?, ?, ?, ?)",
            [(term, facet, str(value), n) for value, n in counts],
        )
        if facet not in RANKED_FACETS:
            continue
        first = f"SELECT r FROM temp.hot_ordered WHERE {column} = ? ORDER BY rowid LIMIT ?"
        for value, _ in counts:
            rows = db.execute(first, (value, FACET_DEPTH)).fetchall()
            db.executemany(
                "INSERT INTO hot_facet_ranks VALUES (?, ?, ?, ?, ?)",
                [(term, facet, str(value), pos, row[0]) for pos, row in enumerate(rows)],
            )


def pack_events(events: Sequence[int]) -> bytes:
    """Rowids as stored in ``hot_terms.events``: little-endian int64."""
    return struct.pack(f"<{len(events)}q", *events)


def pack_scores(scores: Sequence[float]) -> bytes:
    """Scores as stored in ``hot_terms.scores``: little-endian float64, every bit kept."""
    return struct.pack(f"<{len(scores)}d", *scores)


def unpack_events(blob: bytes) -> tuple[int, ...]:
    """The rowids of ``hot_terms.events``."""
    return struct.unpack(f"<{len(blob) // 8}q", blob)


def unpack_scores(blob: bytes) -> tuple[float, ...]:
    """The scores of ``hot_terms.scores``."""
    return struct.unpack(f"<{len(blob) // 8}d", blob)


# Facets with a ranking of their own per value: a country or city whose name is two words
# lengthens its events, which then rank below the first DEPTH of a common word.
RANKED_FACETS = {"country": "country_code", "locality": "locality_key"}
FACET_DEPTH = 50  # one page of the largest limit

_SCORE = f"""
CREATE TEMP TABLE hot_scored AS
SELECT events_fts.rowid AS r, {BM25} AS s, e.start_day AS d, e.id AS i,
       e.country_code, e.online, e.locality_key
FROM events_fts CROSS JOIN events AS e ON e.rowid = events_fts.rowid WHERE events_fts MATCH ?
"""
_ORDER = """
CREATE TEMP TABLE hot_ordered AS
SELECT r, s, country_code, online, locality_key FROM temp.hot_scored ORDER BY s, d, i
"""
