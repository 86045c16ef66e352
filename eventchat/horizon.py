"""What a search from a date finds before it, and how far the data reaches: for empty answers.

When nothing matches from a day on, a person still wants to hear that the data ends mid-2027 and
that the last edition ran in April. Both come from the search endpoint alone, in date order
(``sort=date``, oldest first): the data's span is the first event and the event at offset
``total - 1``; the latest earlier matches are the last page of the same search without its
``start_after``. Each costs two one-page searches (one when a single page holds every match).
:func:`reach` (the upcoming events and the latest start) costs as much, for the REPL's banner
and the footer of ``eventchat search``.

The steps are generators of the searches to run (no I/O here), so the store read directly and
the async events client share one implementation: :func:`drive` runs steps over a sync search,
:func:`adrive` over an async one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

from eventchat.models import SEARCH_OFFSET_MAX, Event, SearchPage, SearchQuery

T = TypeVar("T")
Steps = Generator[SearchQuery, SearchPage, T]


@dataclass(frozen=True)
class Span:
    """The first and the latest start date of any event in the data."""

    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class Reach:
    """How many events are upcoming on ``today`` and the latest start date in the data."""

    today: dt.date
    upcoming: int  # events ending on or after today, as ``data stats`` counts them
    last: dt.date | None  # None for an empty store or one too large to reach its last event


@dataclass(frozen=True)
class Earlier:
    """The matches of a search that end before its ``start_after``: how many, and the latest."""

    total: int
    latest: list[Event]  # latest start first


def start_day(event: Event) -> dt.date | None:
    """The event's start day, or None when its start is not an ISO date."""
    try:
        return dt.date.fromisoformat(event.start[:10])
    except ValueError:
        return None


def ended_before(start: str, end: str | None, day: dt.date) -> bool:
    """True when an event's last day is before ``day``: an event under way has not ended."""
    try:
        return dt.date.fromisoformat((end or start)[:10]) < day
    except ValueError:
        return False


def span() -> Steps[Span | None]:
    """The data's span; None for an empty store or one too large to reach its last event."""
    first_page = yield SearchQuery(limit=1, sort="date")
    if not first_page.events or first_page.total - 1 > SEARCH_OFFSET_MAX:
        return None
    last_page = yield SearchQuery(limit=1, offset=first_page.total - 1, sort="date")
    first = start_day(first_page.events[0])
    last = start_day(last_page.events[-1]) if last_page.events else None
    return Span(first, last) if first and last else None


def reach(today: dt.date) -> Steps[Reach]:
    """How far the data reaches from ``today``: the upcoming events, and the latest start.

    An event that starts on or after today is upcoming, so when the data's latest start is not
    before today, the last upcoming event in date order starts then: one one-event search counts
    the upcoming events, a second reads that last one (none when a single event is upcoming).
    When that event started before today (only events under way are upcoming, or none), the
    data's span gives the latest start.
    """
    page = yield SearchQuery(start_after=today, limit=1, sort="date")
    upcoming = page.total
    if upcoming - 1 > SEARCH_OFFSET_MAX:
        return Reach(today, upcoming, None)
    if upcoming > 1:
        page = yield SearchQuery(start_after=today, limit=1, offset=upcoming - 1, sort="date")
    last = start_day(page.events[-1]) if page.events else None
    if last is not None and last >= today:
        return Reach(today, upcoming, last)
    whole = yield from span()
    return Reach(today, upcoming, whole.last if whole else None)


def earlier(query: SearchQuery, limit: int) -> Steps[Earlier]:
    """``query`` without its ``start_after``: the total, and up to ``limit`` latest matches.

    Only the count is wanted when ``limit`` is 0. Asked when nothing matches from
    ``start_after`` on, so every match counted here ends before that day.
    """
    base = query.model_copy(
        update={"start_after": None, "sort": "date", "offset": 0, "limit": max(limit, 1)}
    )
    page = yield base
    if limit and page.total > limit and page.total - limit <= SEARCH_OFFSET_MAX:
        page = yield base.model_copy(update={"offset": page.total - limit})
    latest = sorted(page.events, key=lambda e: e.start, reverse=True)[:limit]
    return Earlier(total=page.total, latest=latest)


def drive(steps: Steps[T], search: Callable[[SearchQuery], SearchPage]) -> T:
    """Run ``steps`` with a sync ``search`` (a store)."""
    try:
        query = next(steps)
        while True:
            query = steps.send(search(query))
    except StopIteration as done:
        result: T = done.value
        return result


async def adrive(steps: Steps[T], search: Callable[[SearchQuery], Awaitable[SearchPage]]) -> T:
    """Run ``steps`` with an async ``search`` (an events client)."""
    try:
        query = next(steps)
        while True:
            query = steps.send(await search(query))
    except StopIteration as done:
        result: T = done.value
        return result
