"""The SQL of a PostgreSQL search: user text as a safe tsquery, and the filters as WHERE clauses.

User text reaches ``websearch_to_tsquery`` only as quoted words, so its operators (``or``,
``-word``, quotes) are never syntax: each whitespace-separated word is split on non-alphanumeric
characters (as the stored document is, and as FTS5's tokenizer does) and quoted, so a word like
"node.js" is the phrase ``node <-> js`` and every word must match. The same 32-word cap as the
SQLite store applies. Stop words are words like any other (see ``pg_schema``), as in FTS5.
"""

from __future__ import annotations

from typing import Any

from eventchat.models import SearchQuery
from eventchat.store import pg_hot
from eventchat.store.countries import resolve_country
from eventchat.store.fts import MAX_TERMS, clean_text, fold
from eventchat.store.pg_hot import rank_expression
from eventchat.store.pg_rows import EVENT_COLUMNS
from eventchat.store.pg_schema import TS_CONFIG

_TSQUERY = f"websearch_to_tsquery('{TS_CONFIG}', %(q)s)"
_RANK = rank_expression(_TSQUERY)
# An event ending on or after `after` starts at most `max_days` (the longest any stored event
# lasts, kept in meta by every write) before it. The redundant bound lets the start-day index
# begin near `after` instead of walking every past event; without the meta row it bounds nothing.
_EARLIEST_START = (
    "to_char(greatest(%(after)s::date - (SELECT coalesce(max(value::int), 36500) FROM meta "
    "WHERE key = 'max_days'), date '0001-01-01'), 'YYYY-MM-DD')"
)


def websearch_text(text: str) -> str | None:
    """``websearch_to_tsquery`` input requiring every word of ``text``; None without words."""
    words = []
    for word in clean_text(text).split():
        tokens = "".join(ch if ch.isalnum() else " " for ch in word).split()
        if tokens:
            words.append('"' + " ".join(tokens) + '"')
    return " ".join(words[:MAX_TERMS]) or None


def _tags(query: SearchQuery) -> list[str]:
    return list(dict.fromkeys(t for tag in query.tags if (t := clean_text(tag).strip().lower())))


def filters(
    query: SearchQuery, *, days: str = "e", tags: bool = True
) -> tuple[list[str], dict[str, Any]]:
    """WHERE clauses and named parameters for every filter of ``query`` but the full text: the
    days on ``days`` (``e``, or the ``event_tags`` row driving a tag search), the rest on ``e``;
    without the tags when ``tags`` is false."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if query.locality and (key := fold(query.locality.partition(",")[0])):
        where.append("e.locality_key = %(locality)s")
        params["locality"] = key
    if query.country and query.country.strip():
        where.append("e.country_code = %(country)s")
        params["country"] = resolve_country(clean_text(query.country)).code
    if tags and (wanted := _tags(query)):
        where.append("e.tags @> %(tags)s::text[]")
        params["tags"] = wanted
    if query.start_after:
        where.append(f"{days}.end_day >= %(after)s")
        where.append(f"{days}.start_day >= {_EARLIEST_START}")
        params["after"] = query.start_after.isoformat()
    if query.start_before:
        where.append(f"{days}.start_day <= %(before)s")
        params["before"] = query.start_before.isoformat()
    if query.online is not None:
        where.append("e.online = %(online)s")
        params["online"] = query.online
    return where, params


def _ranked_page(clause: str) -> str:
    """Text search: match and rank once into narrow rows, count them, then fetch one page."""
    return (
        f"WITH matches AS MATERIALIZED (SELECT e.id, {_RANK} AS rank, e.start_day "
        f"FROM events AS e {clause}) "
        f"SELECT {EVENT_COLUMNS}, (SELECT count(*) FROM matches) AS total "
        "FROM (SELECT id, rank, start_day FROM matches ORDER BY rank DESC, start_day, id "
        "LIMIT %(limit)s OFFSET %(offset)s) AS top JOIN events AS e USING (id) "
        "ORDER BY top.rank DESC, top.start_day, top.id"
    )


def _dated_page(clause: str, count: str) -> str:
    """No text: walk the start-date index and stop after one page; count separately."""
    return (
        f"SELECT {EVENT_COLUMNS}, ({count}) AS total FROM events AS e {clause} "
        "ORDER BY e.start_day, e.start_at, e.id LIMIT %(limit)s OFFSET %(offset)s"
    )


_QUALIFIED = ", ".join(f"e.{column.strip()}" for column in EVENT_COLUMNS.split(","))
_SAME_EVENT = "t.start_day = t0.start_day AND t.start_at = t0.start_at AND t.id = t0.id"


def _tag_pages(query: SearchQuery, tags: list[str]) -> tuple[str, str, dict[str, Any]]:
    """No text, some tags: the first tag's ``event_tags`` rows, already in start order, drive;
    each other tag is one index probe, and the count reads no events row unless a filter needs
    one (locality, country, online)."""
    where, params = filters(query, days="t0", tags=False)
    needs_events = any(clause.startswith("e.") for clause in where)
    others = [
        f"EXISTS (SELECT 1 FROM event_tags AS t WHERE t.tag = %(tag{i})s AND {_SAME_EVENT})"
        for i in range(1, len(tags))
    ]
    clause = "WHERE " + " AND ".join(["t0.tag = %(tag0)s", *others, *where])
    params.update({f"tag{i}": tag for i, tag in enumerate(tags)})
    source = "event_tags AS t0 JOIN events AS e ON e.id = t0.id"
    count = (
        f"SELECT count(*) AS total FROM {source if needs_events else 'event_tags AS t0'} {clause}"
    )
    page = (
        f"SELECT {_QUALIFIED}, ({count}) AS total FROM {source} {clause} "
        "ORDER BY t0.start_day, t0.start_at, t0.id LIMIT %(limit)s OFFSET %(offset)s"
    )
    params.update(limit=query.limit, offset=query.offset)
    return page, count, params


def ranked_page_sql(query: SearchQuery) -> tuple[str, dict[str, Any]] | None:
    """The page of a one-word search, with no filter or one facet filter (country, locality or
    online), from the stored rankings (``pg_hot.PAGE``), if the query is one."""
    text = websearch_text(query.q)
    if text is None or " " in text:
        return None
    where, params = filters(query)
    facets = [facet for facet in pg_hot.FACETS if facet in params]
    if len(where) > 1 or len(where) != len(facets):
        return None
    params.update(q=text, offset=query.offset, limit=query.limit)
    if not facets:
        count, clause = "h.total", "true"
    else:
        value = params[facets[0]]
        params.update(facet=facets[0], value=str(value).lower() if facets[0] == "online" else value)
        count, clause = pg_hot.FACET_COUNT, where[0]
    return pg_hot.PAGE.format(columns=_QUALIFIED, count=count, clause=clause), params


def search_sql(query: SearchQuery) -> tuple[str, str, dict[str, Any]]:
    """The page query (each row carries the exact ``total``), the count query, and parameters.

    Never ``count(*) OVER ()``: a window materialises every matching row, wide, before the LIMIT.
    With text every match must be ranked anyway, so matches are ranked once into narrow rows
    that give both the count and the page; without text the page stops early on the index.
    The count query is for a page past the end, which has no row to carry the total.
    """
    text = websearch_text(query.q)
    if text is None and (tags := _tags(query)):
        return _tag_pages(query, tags)
    where, params = filters(query)
    if text is not None:
        where.insert(0, f"e.document @@ {_TSQUERY}")
        params["q"] = text
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    count = f"SELECT count(*) AS total FROM events AS e {clause}"
    page = _ranked_page(clause) if text is not None else _dated_page(clause, count)
    params.update(limit=query.limit, offset=query.offset)
    return page, count, params
