"""Searching the index: a SearchQuery in, the exact total and one page of event ids out.

User text never reaches a query parser. Each whitespace-separated word is analyzed into terms by
the index's own analyzer; a word of one term must match in some text field, a word of several
("node.js") as a phrase in one field, and every word must match. Filters are exact terms and
ranges on fast fields, so no input can make a search fail or slow.

Order: by relevance (BM25 summed over the fields, each weighted) when there are words, else by
start. Ties keep the index's document order, which tantivy breaks by document address: the index
is sorted by start and built from rows in (start, id) order, so in a freshly built index ties
go by start and then id, the same on every backend; events written since sit in later
segments, still in one fixed order, so pages never overlap or skip. Resolving ties exactly
in Python instead cost 30 ms when ten thousand events share a score (a name like "X Summit").

A recurring series (events sharing ``series``) shows its first two matches in that order and
the total counts what is shown, so one monthly meetup never fills a page; a narrower date range
reaches its later occurrences. An index without series pays one empty range lookup for this.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import tantivy

from eventchat.models import SearchQuery
from eventchat.store.countries import resolve_country
from eventchat.store.index.schema import (
    EXACT_FIELD,
    EXACT_WEIGHT,
    TEXT_FIELDS,
    build_schema,
    day_number,
)
from eventchat.store.text import clean_text, fold

# A cap on the number of words keeps a 10 kB paste from becoming a 2,000-clause query.
MAX_WORDS = 32
# Past this offset the total is counted first, so a huge offset never sizes a huge collector.
_DEEP = 10_000

Analyze = Callable[[str], "Word | None"]


@dataclass(frozen=True)
class Word:
    """One word of the text as index terms: stemmed, and as written (unstemmed)."""

    stems: list[str]
    exact: list[str]


@dataclass(frozen=True)
class Plan:
    """A query ready for a searcher: the tantivy query, its order, and for the deadline order
    the bounds a deadline counts within."""

    query: tantivy.Query
    order: str  # relevance, date or deadline
    deadlines: tuple[int | None, int | None] = (None, None)


def words(text: str) -> list[str]:
    """The words of ``text``: whitespace-separated, control characters removed, MAX_WORDS."""
    return [word for word in clean_text(text).split() if any(ch.isalnum() for ch in word)][
        :MAX_WORDS
    ]


def _term(schema: tantivy.Schema, field: str, terms: list[str], weight: float) -> tantivy.Query:
    if len(terms) == 1:
        inner = tantivy.Query.term_query(schema, field, terms[0])
    else:
        inner = tantivy.Query.phrase_query(schema, field, list[str | tuple[int, str]](terms))
    return tantivy.Query.boost_query(inner, weight)


def _word_query(schema: tantivy.Schema, word: Word) -> tantivy.Query:
    """One word: its term (or its terms as a phrase) in any text field, weighted by field; the
    word as written, in the name, adds to the score but matches nothing more."""
    should = tantivy.Occur.Should
    found = [(should, _term(schema, f, word.stems, w)) for f, w in TEXT_FIELDS.items()]
    matched = tantivy.Query.boolean_query(found)
    if not word.exact:
        return matched
    exact = _term(schema, EXACT_FIELD, word.exact, EXACT_WEIGHT)
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, matched), (should, exact)])


def _filters(schema: tantivy.Schema, query: SearchQuery) -> list[tantivy.Query]:
    """Every filter of ``query`` as an exact query (UnknownCountryError for a bad country)."""
    found: list[tantivy.Query] = []
    if query.locality and (key := fold(query.locality.partition(",")[0])):
        found.append(tantivy.Query.term_query(schema, "locality_key", key))
    if query.country and query.country.strip():
        code = resolve_country(clean_text(query.country)).code
        found.append(tantivy.Query.term_query(schema, "country_code", code))
    tags = dict.fromkeys(t for tag in query.tags if (t := clean_text(tag).strip().lower()))
    found += [tantivy.Query.term_query(schema, "tag", tag) for tag in tags]
    integer = tantivy.FieldType.Integer
    if query.start_after is not None:  # still under way counts: it ends on or after the day
        after = day_number(query.start_after.isoformat())
        found.append(tantivy.Query.range_query(schema, "end_day", integer, after, None))
    if query.start_before is not None:
        before = day_number(query.start_before.isoformat())
        found.append(tantivy.Query.range_query(schema, "start_day", integer, None, before))
    if query.online is not None:
        found.append(tantivy.Query.term_query(schema, "online", query.online))
    if (deadline := _deadline_range(schema, query)) is not None and query.cfp_open is not False:
        found.append(deadline)
    return found


def _deadline_range(schema: tantivy.Schema, query: SearchQuery) -> tantivy.Query | None:
    """One range over the deadline days: one deadline must lie within both bounds."""
    after, before = _deadline_bounds(query)
    if after is None and before is None:
        return None
    integer = tantivy.FieldType.Integer
    return tantivy.Query.range_query(schema, "deadline_day", integer, after, before)


def _deadline_bounds(query: SearchQuery) -> tuple[int | None, int | None]:
    if query.cfp_open and query.deadline_after is None:  # not read by SearchQuery.on: the date
        query = query.on(dt.date.today())
    after = day_number(query.deadline_after.isoformat()) if query.deadline_after else None
    before = day_number(query.deadline_before.isoformat()) if query.deadline_before else None
    return after, before


def _excluded(schema: tantivy.Schema, query: SearchQuery) -> list[tantivy.Query]:
    """``cfp_open=false`` (read by ``SearchQuery.on``): no deadline on or after the day."""
    if query.cfp_open is not False or (deadline := _deadline_range(schema, query)) is None:
        return []
    return [deadline]


def plan(schema: tantivy.Schema, analyze: Analyze, query: SearchQuery) -> Plan:
    """The tantivy query for ``query``: every word, then every filter, all required."""
    analyzed = [found for word in words(query.q) if (found := analyze(word))]
    must = [_word_query(schema, word) for word in analyzed]
    filters, excluded = _filters(schema, query), _excluded(schema, query)
    order = query.sort or ("relevance" if must else "date")
    if order == "relevance" and not must:
        order = "date"
    bounds = _deadline_bounds(query)
    if not must and not filters and not excluded:
        return Plan(tantivy.Query.all_query(), order, bounds)
    scoring = [(tantivy.Occur.Must, clause) for clause in must]
    # Filters as const-score clauses add the same to every hit, so they never change the order.
    exact = [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
    if not must and not filters:
        exact.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    exact += [(tantivy.Occur.MustNot, clause) for clause in excluded]
    return Plan(tantivy.Query.boolean_query(scoring + exact), order, bounds)


def page(
    searcher: tantivy.Searcher, planned: Plan, offset: int, limit: int
) -> tuple[int, list[str]]:
    """The exact total and the ids of one page (see the module docstring for the order)."""
    if offset > _DEEP:
        total = _count(searcher.search(planned.query, 1, count=True))
        if offset >= total:
            return total, []
    extras = _series_extras(searcher, planned.query)
    if planned.order == "deadline":
        return _by_deadline(searcher, planned, offset, limit, extras)
    if not extras:
        result = _search(searcher, planned, limit, offset)
        return _count(result), [searcher.doc(address)["id"][0] for _, address in result.hits]
    # Some series match more than SERIES_SHOWN times: read far enough to drop their extras.
    dropped = sum(extras.values())
    result = _search(searcher, planned, min(offset + limit + dropped, MAX_SERIES_READ), 0)
    kept = _shown(searcher, [address for _, address in result.hits])
    page_of = kept[offset : offset + limit]
    return _count(result) - dropped, [searcher.doc(address)["id"][0] for address in page_of]


def _search(
    searcher: tantivy.Searcher, planned: Plan, limit: int, offset: int
) -> tantivy.SearchResult:
    if planned.order == "relevance":
        return searcher.search(planned.query, limit, count=True, offset=offset)
    return searcher.search(
        planned.query, limit, count=True, offset=offset, order_by_field="start",
        order=tantivy.Order.Asc,
    )  # fmt: skip


# A recurring series shows its first SERIES_SHOWN matches (the next ones, in date order): one
# monthly meetup does not fill a page. Its other occurrences are there for a narrower date range.
SERIES_SHOWN = 2
MAX_SERIES_READ = 20_000
_SERIES_MAX = 2**62


@functools.cache
def _in_series() -> tantivy.Query:
    """Every document of some series (the schema is fixed by its FORMAT)."""
    return tantivy.Query.range_query(
        build_schema(), "series", tantivy.FieldType.Integer, 1, _SERIES_MAX
    )


def _series_extras(searcher: tantivy.Searcher, query: tantivy.Query) -> dict[int, int]:
    """For each series matching more than SERIES_SHOWN times, how many matches it drops."""
    in_series = _in_series()
    if not _count(searcher.search(in_series, 1, count=True)):
        return {}  # no series in the index: the common case costs one empty range lookup
    both = tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, query), (tantivy.Occur.Must, in_series)]
    )
    terms = {"terms": {"field": "series", "size": 65_000, "min_doc_count": SERIES_SHOWN + 1}}
    buckets = searcher.aggregate(both, {"s": terms})["s"]["buckets"]
    return {int(b["key"]): int(b["doc_count"]) - SERIES_SHOWN for b in buckets}


def _shown(
    searcher: tantivy.Searcher, addresses: list[tantivy.DocAddress]
) -> list[tantivy.DocAddress]:
    """``addresses`` in order, without each series' matches past its first SERIES_SHOWN."""
    seen: dict[int, int] = {}
    kept = []
    for address, key in zip(
        addresses, searcher.fast_field_values("series", addresses), strict=True
    ):
        if key:
            seen[int(key)] = seen.get(int(key), 0) + 1
            if seen[int(key)] > SERIES_SHOWN:
                continue
        kept.append(address)
    return kept


# sort=deadline orders in Python the first MAX_DEADLINE_SORTED matches by start; a search that
# sorts by deadline is almost always one with a deadline filter, which leaves a few hundred.
MAX_DEADLINE_SORTED = 5_000
_NO_DEADLINE = 10**9


def _by_deadline(
    searcher: tantivy.Searcher, planned: Plan, offset: int, limit: int, extras: dict[int, int]
) -> tuple[int, list[str]]:
    """Matches by their first deadline within the bounds (none: last), then start, then id."""
    result = searcher.search(
        planned.query, MAX_DEADLINE_SORTED, count=True, order_by_field="start",
        order=tantivy.Order.Asc,
    )  # fmt: skip
    after, before = planned.deadlines
    hits = result.hits
    if extras:
        shown = set(map(_address_key, _shown(searcher, [address for _, address in hits])))
        hits = [(start, address) for start, address in hits if _address_key(address) in shown]
    keyed = []
    for start, address in hits:
        doc = searcher.doc(address)
        days = [
            d for d in doc.to_dict().get("deadline_day", [])
            if (after is None or d >= after) and (before is None or d <= before)
        ]  # fmt: skip
        keyed.append(((min(days, default=_NO_DEADLINE), start, doc["id"][0].encode()), doc))
    keyed.sort(key=lambda item: item[0])
    total = _count(result) - sum(extras.values())
    return total, [doc["id"][0] for _, doc in keyed[offset : offset + limit]]


def _address_key(address: tantivy.DocAddress) -> tuple[int, int]:
    return (address.segment_ord, address.doc)


def _count(result: tantivy.SearchResult) -> int:
    """The exact number of matches (asked for with ``count=True``; missing from the stubs)."""
    return int(result.count)  # type: ignore[attr-defined]
