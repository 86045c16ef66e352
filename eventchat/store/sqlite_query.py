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

# BM25 weights in FTS column order (name, tags, description, venue, locality, country):
# a word in the name outranks the same word anywhere else.
_BM25 = "bm25(events_fts, 10.0, 4.0, 1.0, 2.0, 3.0, 3.0)"
IN_CHUNK = 500  # stays under SQLite's bound-parameter limit


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
_TIE_SLACK = 256  # ranked past the page, so that a tie group there is usually complete
_FTS = "events_fts"
_FTS_EVENTS = "events_fts CROSS JOIN events AS e ON e.rowid = events_fts.rowid"


def text_search(
    db: sqlite3.Connection, match: str, filters: _Filters, offset: int, limit: int
) -> tuple[int, list[sqlite3.Row]]:
    """Total and page of a full-text search: by relevance, then start_day, then id.

    Only rowids are ranked (no events row per match); the page's rows are read afterwards.
    """
    count = "SELECT count(*) FROM events_fts WHERE events_fts MATCH ?"
    total = int(db.execute(count, [match]).fetchone()[0])
    if not total:
        return 0, []
    wanted = offset + limit
    if filters.is_empty():  # the count above is the total
        body, params = "events_fts WHERE events_fts MATCH ?", [match]
        top = db.execute(f"{_rank(body)} ORDER BY s LIMIT ?", [*params, wanted + _TIE_SLACK])
    else:  # score the filtered matches once, and count them from the same pass
        where, params, joined = _text_where(db, match, filters, total)
        body = f"{_FTS_EVENTS if joined else _FTS} WHERE {where}"
        top = db.execute(
            f"WITH m AS MATERIALIZED ({_rank(body)}) "
            "SELECT r, s, (SELECT count(*) FROM m) FROM m ORDER BY s LIMIT ?",
            [*params, wanted + _TIE_SLACK],
        )
    ranked = top.fetchall()
    if not filters.is_empty():
        total = int(ranked[0][2]) if ranked else 0
    scores = dict(_through_ties(db, body, params, ranked, wanted))
    rows = _rows_by_rowid(db, list(scores))
    rows.sort(key=lambda row: (scores[row["rowid"]], row["start_day"], row["id"]))
    return total, rows[offset:wanted]


def _rank(body: str) -> str:
    return f"SELECT events_fts.rowid AS r, {_BM25} AS s FROM {body}"


def _through_ties(
    db: sqlite3.Connection, body: str, params: list[Any], top: list[sqlite3.Row], wanted: int
) -> list[tuple[int, float]]:
    """(rowid, score) of the ``wanted`` best in ``top`` and of every match tying with the last.

    Equal scores are common (same name, same length) and are ordered by start_day then id, so
    the whole tie group at the page boundary goes to the caller; ``top`` was ranked with some
    slack past the page, and a group running past the slack is fetched by score.
    """
    if len(top) <= wanted:
        return [(row[0], row[1]) for row in top]
    last = top[wanted - 1][1]
    if top[-1][1] == last:
        top = db.execute(f"{_rank(body)} AND {_BM25} <= ?", [*params, last]).fetchall()
    return [(row[0], row[1]) for row in top if row[1] <= last]


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
