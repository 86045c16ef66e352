"""Rankings of the most frequent terms, computed once after a write instead of on every search.

FTS5 has no top-k: ``bm25()`` scores every match before the best ten can be picked, about a
microsecond each, so a word in a fifth of a million events costs 200 ms a search. A word in that
many events is also the word people search for ("javascript", "security"), and its ranking only
changes when the events do. So after each write the store ranks, for every term in at least
``min_docs`` events, the first ``depth`` matches exactly as :func:`text_search` would order them
(score, then start_day, then id), and keeps their rowids in ``hot_ranks`` with the term's match
count in ``hot_terms``.

A search for one such word then reads its page from the list; with filters, it walks the list
in order, keeps the events that pass, and only counts the matches (no ``bm25()``). The lists are
exact or absent: a trigger empties both tables on any insert, update or delete of an event, and
a search that finds no list, or too short a list for its page, ranks the matches itself.
"""

from __future__ import annotations

import sqlite3

from eventchat.store.fts import match_expression
from eventchat.store.schema import TOKENIZE, transaction

MIN_DOCS = 5_000  # a term in fewer events ranks in a few milliseconds without a list
DEPTH = 2_000  # list length: pages deep into the results, or filters keeping one match in 200

_TOKENS = "eventchat_tokens"
# BM25 weights in FTS column order (name, tags, description, venue, locality, country):
# a word in the name outranks the same word anywhere else.
BM25 = "bm25(events_fts, 10.0, 4.0, 1.0, 2.0, 3.0, 3.0)"
# Every match scored once (``m``); the score of the ``depth``-th is the cut, and only the matches
# at or above it are joined to their events rows to break ties by start_day then id.
RANKED = f"""
WITH m AS MATERIALIZED (
    SELECT events_fts.rowid AS r, {BM25} AS s FROM {{body}}
),
cut AS (SELECT coalesce((SELECT s FROM m ORDER BY s LIMIT 1 OFFSET ?), 1e308) AS v)
SELECT m.r, (SELECT count(*) FROM m) FROM m CROSS JOIN events AS t ON t.rowid = m.r
WHERE m.s <= (SELECT v FROM cut) ORDER BY m.s, t.start_day, t.id LIMIT ?
"""


def tokens(db: sqlite3.Connection, word: str) -> list[str]:
    """The terms the full-text index makes of ``word`` (same tokenizer, a temporary table)."""
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_TOKENS} USING fts5(x, tokenize='{TOKENIZE}')"
    )
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_TOKENS}_v "
        f"USING fts5vocab(temp, {_TOKENS}, instance)"
    )
    db.execute(f"INSERT INTO temp.{_TOKENS}(rowid, x) VALUES (1, ?)", (word,))
    try:
        rows = db.execute(f"SELECT term FROM temp.{_TOKENS}_v ORDER BY offset").fetchall()
    finally:
        db.execute(f"DELETE FROM temp.{_TOKENS}")
    return [str(row[0]) for row in rows]


def refresh(db: sqlite3.Connection) -> int:
    """Rank every term in MIN_DOCS or more events, DEPTH deep; return how many were ranked."""
    min_docs, depth = MIN_DOCS, DEPTH
    with transaction(db):
        db.execute("DELETE FROM hot_terms")
        db.execute("DELETE FROM hot_ranks")
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.events_vocab "
                    "USING fts5vocab(main, events_fts, row)")  # fmt: skip
        frequent = db.execute(
            "SELECT term FROM temp.events_vocab WHERE doc >= ? ORDER BY term", (min_docs,)
        ).fetchall()
        ranked = 0
        for (term,) in frequent:
            if tokens(db, term) != [term]:  # a stem that does not stem to itself: no list
                continue
            body = "events_fts WHERE events_fts MATCH ?"
            rows = db.execute(RANKED.format(body=body), (match_expression(term), depth - 1, depth))
            order = rows.fetchall()
            db.executemany(
                "INSERT INTO hot_ranks (term, pos, event) VALUES (?, ?, ?)",
                [(term, pos, row[0]) for pos, row in enumerate(order)],
            )
            total = int(order[0][1]) if order else 0
            db.execute("INSERT INTO hot_terms VALUES (?, ?, ?)", (term, total, len(order)))
            ranked += 1
    return ranked
