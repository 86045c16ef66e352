"""A recurring series takes at most two rows of a result: its next matches, not a page of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from eventchat.models import Deadline, EventLinks, SearchQuery
from tests.store.conftest import make


def _monthly(count: int) -> list[Any]:
    return [
        make(f"meetup-{m:02}", "Berlin Python Meetup", f"2027-{m:02}-14T19:00:00+01:00",
             locality="Berlin", country_code="DE", series="ical:bpm@example", tags=["python"],
             timezone="Europe/Berlin")
        for m in range(1, count + 1)
    ]  # fmt: skip


def test_a_series_shows_its_next_two_occurrences_and_the_total_counts_rows(
    empty_store: Any,
) -> None:
    others = [
        make("conf-a", "Python Conference Berlin", "2027-03-01", locality="Berlin",
             tags=["python"]),
        make("conf-b", "PyData Berlin", "2027-06-01", locality="Berlin", tags=["python"]),
    ]  # fmt: skip
    empty_store.upsert(_monthly(12) + others)
    by_date = empty_store.search(SearchQuery(tags=["python"], start_after=dt.date(2026, 12, 3)))
    assert [e.id for e in by_date.events] == ["meetup-01", "meetup-02", "conf-a", "conf-b"]
    assert by_date.total == 4
    assert by_date.events[0].series == "ical:bpm@example"
    assert by_date.events[0].timezone == "Europe/Berlin"
    # pages never overlap or skip
    first = empty_store.search(SearchQuery(tags=["python"], limit=3))
    second = empty_store.search(SearchQuery(tags=["python"], limit=3, offset=3))
    assert [e.id for e in first.events + second.events] == [e.id for e in by_date.events]
    # with words, by relevance: still two of the series
    words = empty_store.search(SearchQuery(q="berlin python"))
    assert sum(e.series is not None for e in words.events) == 2
    assert words.total == 2 + sum(e.series is None for e in words.events)
    # a narrower window reaches the later occurrences
    later = empty_store.search(
        SearchQuery(q="meetup", start_after=dt.date(2027, 9, 1), start_before=dt.date(2027, 12, 31))
    )
    assert [e.id for e in later.events] == ["meetup-09", "meetup-10"]


def test_sorting_by_deadline_shows_a_series_twice_too(empty_store: Any) -> None:
    events = _monthly(5)
    for event in events:
        event.links = EventLinks(id=event.id, deadlines=[Deadline(kind="cfp", at="2027-01-05")])
    empty_store.upsert(events)
    found = empty_store.search(SearchQuery(sort="deadline", deadline_after=dt.date(2027, 1, 1)))
    assert [e.id for e in found.events] == ["meetup-01", "meetup-02"]
    assert found.total == 2
