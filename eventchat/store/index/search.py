"""Searching the index: a SearchQuery in, the exact total and one page of event ids out.

User text never reaches a query parser. Each whitespace-separated word is analyzed into terms by
the index's own analyzer; a word of one term must match in some text field, a word of several
("node.js") as a phrase in one field, and every word must match. Filters are exact terms and
ranges on fast fields, so no input can make a search fail or slow.

Order: by relevance (BM25 summed over the fields, each weighted) when there are words, else by
start; ties are broken by start (day, then clock time) and then by id, byte-wise, so a page is
the same on every backend and stable across offsets. Only the tie group at the page's edge is
ever resolved beyond tantivy's own order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tantivy

from eventchat.models import SearchQuery
from eventchat.store.countries import resolve_country
from eventchat.store.index.schema import EXACT_FIELD, EXACT_WEIGHT, TEXT_FIELDS, day_number
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
    """A query ready for a searcher: the tantivy query and whether it ranks by relevance."""

    query: tantivy.Query
    ranked: bool


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
    return found


def plan(schema: tantivy.Schema, analyze: Analyze, query: SearchQuery) -> Plan:
    """The tantivy query for ``query``: every word, then every filter, all required."""
    analyzed = [found for word in words(query.q) if (found := analyze(word))]
    must = [_word_query(schema, word) for word in analyzed]
    filters = _filters(schema, query)
    if not must and not filters:
        return Plan(tantivy.Query.all_query(), ranked=False)
    scoring = [(tantivy.Occur.Must, clause) for clause in must]
    # Filters as const-score clauses add the same to every hit, so they never change the order.
    exact = [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
    return Plan(tantivy.Query.boolean_query(scoring + exact), ranked=bool(must))


def page(
    searcher: tantivy.Searcher, planned: Plan, offset: int, limit: int
) -> tuple[int, list[str]]:
    """The exact total and the ids of one page (see the module docstring for the order)."""
    end = offset + limit
    if offset > _DEEP:
        total = _count(searcher.search(planned.query, 1, count=True))
        if offset >= total:
            return total, []
        end = min(end, total)
    wanted = end + 1
    while True:
        result = _collect(searcher, planned, wanted)
        hits = result.hits
        if len(hits) < wanted or _key(hits[wanted - 1]) != _key(hits[end - 1]):
            break  # every hit tied with the page's last one is in hand
        wanted *= 2
    if offset >= len(hits):
        return _count(result), []
    return _count(result), _settle(
        searcher, hits, offset, min(end, len(hits)), ranked=planned.ranked
    )


def _count(result: tantivy.SearchResult) -> int:
    """The exact number of matches (asked for with ``count=True``; missing from the stubs)."""
    return int(result.count)  # type: ignore[attr-defined]


def _collect(searcher: tantivy.Searcher, planned: Plan, n: int) -> tantivy.SearchResult:
    if planned.ranked:
        return searcher.search(planned.query, n, count=True)
    return searcher.search(
        planned.query, n, count=True, order_by_field="start", order=tantivy.Order.Asc
    )


def _key(hit: tuple[Any, Any]) -> Any:
    return hit[0]


def _settle(
    searcher: tantivy.Searcher, hits: list[Any], offset: int, end: int, *, ranked: bool
) -> list[str]:
    """The ids of hits[offset:end] once the tie groups at both edges are put in order.

    Ties sort by start, then by the id's first 8 bytes (the fast ``order`` field); the stored
    id itself is read only for the page and for hits whose keys are still equal.
    """
    first, last = _key(hits[offset]), _key(hits[end - 1])
    lo = offset
    while lo > 0 and _key(hits[lo - 1]) == first:
        lo -= 1
    hi = end
    while hi < len(hits) and _key(hits[hi]) == last:
        hi += 1
    window = hits[lo:hi]
    addresses = [address for _, address in window]
    starts = searcher.fast_field_values("start", addresses)
    orders = searcher.fast_field_values("order", addresses)
    keys = [  # scores are larger-is-better, starts smaller-is-better: both ascending here
        (-score if ranked else score, start, order)
        for (score, _), start, order in zip(window, starts, orders, strict=True)
    ]
    counts = Counter(keys)
    ids: dict[int, str] = {}

    def event_id(i: int) -> str:
        if i not in ids:
            ids[i] = searcher.doc(addresses[i])["id"][0]
        return ids[i]

    placed = sorted(
        range(len(window)),
        key=lambda i: (keys[i], event_id(i).encode() if counts[keys[i]] > 1 else b""),
    )
    return [event_id(i) for i in placed[offset - lo : end - lo]]
