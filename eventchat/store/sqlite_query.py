"""How the SQLite store plans a search: filters, the text path, the filter-only path.

Which table drives the query matters more than anything else here: FTS5 first when there is
text (the planner would otherwise probe the full-text index once per filtered row), the
``event_tags`` rows in date order for tag-only searches, the ``(start_day, end_day)`` index with
a lower bound from the longest event span for date ranges. See ``bench/store_search.py``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from eventchat.models import SearchQuery
from eventchat.store.countries import resolve_country
from eventchat.store.fts import clean_text, fold
from eventchat.store.schema import IN_CHUNK
from eventchat.store.sqlite_hot import BM25, RANKED_FACETS, tokens
from eventchat.store.sqlite_merge import merged_order


@dataclass(frozen=True)
class _Filters:
    """Every filter of a query except the full text, normalised as the columns store them."""

    locality_key: str | None
    country_code: str | None
    tags: list[str]
    ends_from: str | None  # start_after: end_day >= this
    starts_from: str | None  # start_day >= this, implied by ends_from and the longest span
    starts_until: str | None  # start_before: start_day <= this
    online: int | None

    def on_events(self) -> tuple[list[str], list[Any]]:
        """WHERE clauses on ``e`` (events) for every filter but the tags."""
        where, params = self.on_columns()
        dates, date_params = self.on_days("e")
        return where + dates, params + date_params

    def on_columns(self) -> tuple[list[str], list[Any]]:
        """WHERE clauses on ``e`` for the locality, country and online filters."""
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (
            ("e.locality_key = ?", self.locality_key),
            ("e.country_code = ?", self.country_code),
            ("e.online = ?", self.online),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        return where, params

    def on_days(self, alias: str) -> tuple[list[str], list[Any]]:
        """WHERE clauses on ``alias.start_day``/``end_day`` for the date filters."""
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (
            (f"{alias}.start_day >= ?", self.starts_from),
            (f"{alias}.start_day <= ?", self.starts_until),
            (f"{alias}.end_day >= ?", self.ends_from),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        return where, params

    def has_event_columns(self) -> bool:
        """Whether a filter needs the events row (not just event_tags)."""
        fields = (self.locality_key, self.country_code, self.online)
        return any(value is not None for value in fields)

    def single_facet(self) -> tuple[str, str] | None:
        """(facet, value) when the country, online or locality filter is the only filter."""
        if self.tags or self.ends_from is not None or self.starts_until is not None:
            return None
        values = {"country": self.country_code, "online": self.online,
                  "locality": self.locality_key}  # fmt: skip
        given = [(facet, str(value)) for facet, value in values.items() if value is not None]
        return given[0] if len(given) == 1 else None

    def is_empty(self) -> bool:
        """Whether nothing but (possibly) the text filters the events."""
        days = (self.ends_from, self.starts_until)
        return not self.tags and not self.has_event_columns() and days == (None, None)


def _tag_exists(alias: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM event_tags AS t WHERE t.tag = ? "
        f"AND t.start_day = {alias}.start_day AND t.event = {alias}.{_ROWID[alias]})"
    )


_ROWID = {"e": "rowid", "t0": "event"}


def _starts_from(start_after: dt.date | None, span: str | None) -> str | None:
    """The earliest start_day of an event ending on/after ``start_after`` (None: no bound)."""
    if start_after is None or span is None or not span.isdigit():
        return None
    try:
        return (start_after - dt.timedelta(days=int(span))).isoformat()
    except OverflowError:
        return None


def filters_for(query: SearchQuery, span: str | None) -> _Filters:
    """The filters of ``query``; ``span`` is the stored longest event span (see schema)."""
    key = fold(query.locality.partition(",")[0]) if query.locality else ""
    code = None
    if query.country and query.country.strip():
        code = resolve_country(clean_text(query.country)).code
    tags = [tag for raw in query.tags if (tag := clean_text(raw).strip().lower())]
    return _Filters(
        locality_key=key or None,
        country_code=code,
        tags=list(dict.fromkeys(tags)),
        ends_from=query.start_after.isoformat() if query.start_after else None,
        starts_from=_starts_from(query.start_after, span),
        starts_until=query.start_before.isoformat() if query.start_before else None,
        online=None if query.online is None else int(query.online),
    )


# Testing each FTS match against a set of rowids built once costs about a third of looking up
# its events row, so the set is worth building while it is under this many times the matches.
_SET_PER_MATCH = 3


@dataclass(frozen=True)
class _Selection:
    """The events passing every filter but the text: FROM, WHERE, start order, rowid."""

    source: str
    counted: str  # FROM enough for counting (and for the rowids): no events rows when it can
    clause: str
    params: list[Any]
    order: str
    rowid: str


def rarest_first(db: sqlite3.Connection, tags: list[str]) -> list[str]:
    """``tags`` with the rarest first (counted up to a cap): the first tag drives the search."""
    count = "SELECT count(*) FROM (SELECT 1 FROM event_tags WHERE tag = ? LIMIT ?)"
    sizes: dict[str, int] = {}
    for tag in tags:  # counting past the rarest so far would tell nothing more
        cap = min(sizes.values(), default=_TAG_COUNT_CAP - 1) + 1
        sizes[tag] = db.execute(count, (tag, cap)).fetchone()[0]
    return sorted(tags, key=sizes.__getitem__)


def _select(filters: _Filters) -> _Selection:
    """Tags drive from the first tag's event_tags rows, in start_day order; else the indexes."""
    if filters.tags:
        first, *rest = filters.tags
        days, day_params = filters.on_days("t0")
        columns, column_params = filters.on_columns()
        where = ["t0.tag = ?", *days, *[_tag_exists("t0")] * len(rest), *columns]
        params = [first, *day_params, *rest, *column_params]
        source = "event_tags AS t0 CROSS JOIN events AS e ON e.rowid = t0.event"
        counted = source if filters.has_event_columns() else "event_tags AS t0"
        order, rowid = "t0.start_day, e.start_at, e.id", "t0.event"
    else:
        where, params = filters.on_events()
        source = counted = "events AS e"
        order, rowid = "e.start_day, e.start_at, e.id", "e.rowid"
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return _Selection(source, counted, clause, params, order, rowid)


def _text_where(
    db: sqlite3.Connection, match: str, filters: _Filters, matches: int
) -> tuple[str, list[Any], bool]:
    """WHERE of a full-text search with filters, its parameters, and whether it needs ``e``.

    When the filtered events are few next to the text matches, their rowids are collected once
    and each match is tested against them (``+`` keeps the planner from probing the FTS index
    once per rowid). Otherwise each match is joined to its events row and the filters tested
    there; the caller's CROSS JOIN keeps the FTS index as the outer loop for the same reason.
    """
    chosen = _select(filters)
    cap = _SET_PER_MATCH * matches
    probe = f"SELECT count(*) FROM (SELECT 1 FROM {chosen.counted} {chosen.clause} LIMIT ?)"
    if db.execute(probe, [*chosen.params, cap + 1]).fetchone()[0] <= cap:
        rowids = f"SELECT {chosen.rowid} FROM {chosen.counted} {chosen.clause}"
        where = f"events_fts MATCH ? AND +events_fts.rowid IN ({rowids})"
        return where, [match, *chosen.params], False
    clauses, params = filters.on_events()
    clauses += [_tag_exists("e")] * len(filters.tags)
    return " AND ".join(["events_fts MATCH ?", *clauses]), [match, *params, *filters.tags], True


_TAG_COUNT_CAP = 50_000  # enough to tell a rare tag from a common one
_FTS = "events_fts"
_FTS_EVENTS = "events_fts CROSS JOIN events AS e ON e.rowid = events_fts.rowid"
# Every match scored once (``m``); the score of the ``wanted``-th is the cut, and only the matches
# at or above it are joined to their events rows to break ties by start_day then id.
RANKED = f"""
WITH m AS MATERIALIZED (
    SELECT events_fts.rowid AS r, {BM25} AS s FROM {{body}}
),
cut AS (SELECT coalesce((SELECT s FROM m ORDER BY s LIMIT 1 OFFSET ?), 1e308) AS v)
SELECT m.r, (SELECT count(*) FROM m) FROM m CROSS JOIN events AS t ON t.rowid = m.r
WHERE m.s <= (SELECT v FROM cut) ORDER BY m.s, t.start_day, t.id LIMIT ?
"""


def text_search(
    db: sqlite3.Connection,
    match: str,
    filters: _Filters,
    offset: int,
    limit: int,
    words: list[str],
) -> tuple[int, list[sqlite3.Row]]:
    """Total and page of a full-text search for ``words``: by relevance, then start_day, then id.

    A frequent word has a stored ranking (see ``sqlite_hot``); one such word is answered from
    it, several without filters from theirs merged (see ``sqlite_merge``). Otherwise the matches
    are scored (see ``_ranked``). Only the page's events rows are read.
    """
    wanted = offset + limit
    listed = None
    if len(words) == 1:
        listed = _from_ranking(db, match, words[0], filters, wanted)
    elif filters.is_empty():
        listed = _merged(db, match, words, wanted)
    if listed is not None:
        total, order = listed
    else:
        total, order = _ranked(db, match, filters, wanted)
    page = order[offset:wanted]
    rows = {row["rowid"]: row for row in _rows_by_rowid(db, page)}
    return total, [rows[rowid] for rowid in page]


def _ranked(
    db: sqlite3.Connection, match: str, filters: _Filters, wanted: int
) -> tuple[int, list[int]]:
    """Total and the first ``wanted`` rowids of the matches passing ``filters``, in order."""
    if filters.is_empty():  # counted only up to the cut-over: past it RANKED counts them
        count = "SELECT count(*) FROM (SELECT 1 FROM events_fts WHERE events_fts MATCH ? LIMIT ?)"
        matches = int(db.execute(count, [match, _FEW_MATCHES + 1]).fetchone()[0])
        if not matches:
            return 0, []
        body, params = "events_fts WHERE events_fts MATCH ?", [match]
        if matches <= _FEW_MATCHES and (order := _top_with_slack(db, body, params, wanted)):
            return matches, order
    else:
        count = "SELECT count(*) FROM events_fts WHERE events_fts MATCH ?"
        matches = int(db.execute(count, [match]).fetchone()[0])
        if not matches:
            return 0, []
        where, params, joined = _text_where(db, match, filters, matches)
        body = f"{_FTS_EVENTS if joined else _FTS} WHERE {where}"
    rows = db.execute(RANKED.format(body=body), [*params, wanted - 1, wanted]).fetchall()
    return (int(rows[0][1]) if rows else 0), [row[0] for row in rows]


# Up to this many matches, ranking a few hundred past the page and breaking the ties in Python
# is cheaper than RANKED's materialized pass (two-word searches at 100k events: ~1-2 ms of ~8).
# Past it, a tie group longer than the slack, and so a second full pass, gets likely: at 1M
# events "devops summit" (26k matches, thousands sharing the best score) took 102 ms that way
# against 53 with RANKED alone.
_FEW_MATCHES = 10_000
_TIE_SLACK = 256


def _top_with_slack(
    db: sqlite3.Connection, body: str, params: list[Any], wanted: int
) -> list[int] | None:
    """The first ``wanted`` rowids, or None when the tie group at the cut runs past the slack."""
    rank = f"SELECT events_fts.rowid AS r, {BM25} AS s FROM {body} ORDER BY s LIMIT ?"
    ranked = db.execute(rank, [*params, wanted + _TIE_SLACK]).fetchall()
    if not ranked or (len(ranked) > wanted and ranked[wanted - 1][1] == ranked[-1][1]):
        return None
    last = ranked[min(wanted, len(ranked)) - 1][1]
    scores = {row[0]: row[1] for row in ranked if row[1] <= last}
    rows = _rows_by_rowid(db, list(scores))
    rows.sort(key=lambda row: (scores[row["rowid"]], row["start_day"], row["id"]))
    return [row["rowid"] for row in rows[:wanted]]


def _merged(
    db: sqlite3.Connection, match: str, words: list[str], wanted: int
) -> tuple[int, list[int]] | None:
    """Total and first ``wanted`` rowids of an unfiltered search of several words, each one
    term, from their stored rankings; None when one has none or they cannot decide the page."""
    terms = [tokens(db, word) for word in words]
    if any(len(term) != 1 for term in terms):
        return None
    order = merged_order(db, [term for (term,) in terms], wanted)
    if order is None:  # counted by the caller's full ranking, not twice
        return None
    count = "SELECT count(*) FROM events_fts WHERE events_fts MATCH ?"
    return int(db.execute(count, [match]).fetchone()[0]), order


def _from_ranking(
    db: sqlite3.Connection, match: str, word: str, filters: _Filters, wanted: int
) -> tuple[int, list[int]] | None:
    """Total and first ``wanted`` rowids from the stored rankings of ``word``'s term, if it has
    them deep enough for the page; None otherwise."""
    terms = tokens(db, word)
    if len(terms) != 1:
        return None
    sql = "SELECT total, listed FROM hot_terms WHERE term = ?"
    if (stored := db.execute(sql, terms).fetchone()) is None:
        return None
    term, matches, listed = terms[0], int(stored[0]), int(stored[1])
    facet = filters.single_facet()
    if facet is not None and facet[0] in RANKED_FACETS:
        return _facet_page(db, term, facet, wanted)
    order = _listed(db, term, filters, wanted)
    if len(order) < wanted and listed < matches:
        return None  # the page may hold matches past the list
    if filters.is_empty():
        total = matches
    elif facet is not None:
        total = _stored_count(db, term, facet)
    else:
        where, params, joined = _text_where(db, match, filters, matches)
        count = f"SELECT count(*) FROM {_FTS_EVENTS if joined else _FTS} WHERE {where}"
        total = int(db.execute(count, params).fetchone()[0])
    return total, order


def _listed(db: sqlite3.Connection, term: str, filters: _Filters, wanted: int) -> list[int]:
    """The first ``wanted`` rowids of ``term``'s stored ranking that pass ``filters``."""
    if filters.is_empty():
        sql = "SELECT event FROM hot_ranks WHERE term = ? AND pos < ? ORDER BY pos"
        return [row[0] for row in db.execute(sql, [term, wanted])]
    clauses, params = filters.on_events()
    clauses += [_tag_exists("e")] * len(filters.tags)
    sql = (
        "SELECT h.event FROM hot_ranks AS h CROSS JOIN events AS e ON e.rowid = h.event "
        f"WHERE h.term = ? AND {' AND '.join(clauses)} ORDER BY h.pos LIMIT ?"
    )
    return [row[0] for row in db.execute(sql, [term, *params, *filters.tags, wanted])]


def _stored_count(db: sqlite3.Connection, term: str, facet: tuple[str, str]) -> int:
    """How many of ``term``'s matches have this facet value (none stored: none)."""
    sql = "SELECT n FROM hot_counts WHERE term = ? AND facet = ? AND value = ?"
    counted = db.execute(sql, [term, *facet]).fetchone()
    return int(counted[0]) if counted else 0


def _facet_page(
    db: sqlite3.Connection, term: str, facet: tuple[str, str], wanted: int
) -> tuple[int, list[int]] | None:
    """Total and first rowids of ``term``'s matches with one country or locality, if the stored
    ranking of that value goes deep enough."""
    total = _stored_count(db, term, facet)
    sql = (
        "SELECT event FROM hot_facet_ranks WHERE term = ? AND facet = ? AND value = ? "
        "AND pos < ? ORDER BY pos"
    )
    order = [row[0] for row in db.execute(sql, [term, *facet, wanted])]
    if len(order) < min(wanted, total):
        return None
    return total, order


def _rows_by_rowid(db: sqlite3.Connection, rowids: list[int]) -> list[sqlite3.Row]:
    """The events rows with these rowids, in no particular order."""
    rows: list[sqlite3.Row] = []
    for start in range(0, len(rowids), IN_CHUNK):
        chunk = rowids[start : start + IN_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows += db.execute(f"SELECT * FROM events WHERE rowid IN ({marks})", chunk).fetchall()
    return rows


def filtered_search(
    db: sqlite3.Connection, filters: _Filters, offset: int, limit: int
) -> tuple[int, list[sqlite3.Row]]:
    """Total and page of a search without text, in start order."""
    chosen = _select(filters)
    count = f"SELECT count(*) FROM {chosen.counted} {chosen.clause}"
    total = int(db.execute(count, chosen.params).fetchone()[0])
    page = (
        f"SELECT e.* FROM {chosen.source} {chosen.clause} ORDER BY {chosen.order} LIMIT ? OFFSET ?"
    )
    return total, db.execute(page, [*chosen.params, limit, offset]).fetchall()
