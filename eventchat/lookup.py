"""``eventchat search``: one events search without a model, with each hit's links.

With the events API embedded (``api_url`` empty) the search reads the store directly, as the
embedded API's routes would: a local lookup neither imports FastAPI nor builds an ASGI app, which
would cost it most of a second. With ``api_url`` set it goes through the events client.

An empty answer to a search from a day (by default today) says how many events match before that
day and how far the data reaches (:class:`LookBack`): both paths drive the same steps. On the
store read directly, the table and markdown footers add one line on stderr: how many events are
upcoming and how far the data reaches (:func:`reach_line`), then the line saying the data is old.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

from pydantic import ValidationError

from eventchat.errors import EventsAPIStatusError, UsageError
from eventchat.models import (
    SEARCH_OFFSET_MAX,
    Event,
    EventLinks,
    SearchPage,
    SearchQuery,
    split_tags,
)
from eventchat.settings import Settings

if TYPE_CHECKING:
    from eventchat.horizon import Reach, Span, Steps

FORMATS = ("table", "json", "jsonl", "markdown")
_FLAG = {"start_after": "--from", "start_before": "--to", "q": "TEXT", "cfp_open": "--cfp-open"}


@dataclass(frozen=True)
class Deadlines:
    """The deadline flags of ``eventchat search``."""

    cfp_open: bool | None = None
    after: str | None = None
    before: str | None = None
    sort: str | None = None


MAX_OFFSET = SEARCH_OFFSET_MAX


@dataclass(frozen=True)
class Hit:
    """One search hit and its links (None when the enrichment endpoint has none)."""

    event: Event
    links: EventLinks | None


@dataclass(frozen=True)
class LookBack:
    """What a search from ``start_after`` on that matched nothing leaves out."""

    start_after: dt.date
    today: dt.date
    matches: int  # events that match but end before start_after
    span: Span | None  # the first and latest start in the data

    def hint(self) -> list[str]:
        """One or two lines: the earlier matches and the flag that shows them, the data's reach."""
        n = self.matches
        if self.start_after == self.today:
            which = "past event" if n == 1 else "past events"
        else:
            which = ("event" if n == 1 else "events") + f" before {self.start_after.isoformat()}"
        if not n:
            lines = [f"No {which} match either."]
        else:
            every = f" (--from {self.span.first.isoformat()} shows all)" if self.span else ""
            verb = "matches" if n == 1 else "match"
            lines = [f"{n} {which} {verb}: --from YYYY-MM-DD shows them{every}."]
        if self.span:
            lines.append(f"The data lists events starting up to {self.span.last.isoformat()}.")
        return lines


@dataclass(frozen=True)
class SearchResult:
    """A page of hits with the totals of the search; ``look_back`` when it matched nothing."""

    total: int
    offset: int
    hits: list[Hit]
    look_back: LookBack | None = None
    stale: str | None = None  # the line saying the data is old, when it is
    reach: Reach | None = None  # upcoming events and the latest start (the store read directly)


def join_links(page: SearchPage, links: list[EventLinks]) -> SearchResult:
    """Pair each event with its links."""
    by_id = {link.id: link for link in links}
    hits = [Hit(event, by_id.get(event.id)) for event in page.events]
    return SearchResult(total=page.total, offset=page.offset, hits=hits)


def search(settings: Settings, query: SearchQuery, *, reach: bool = False) -> SearchResult:
    """Search the store when the events API is embedded, else the events API at ``api_url``.

    ``reach``: also say how far the data reaches when the search found events (the store only).
    """
    if not settings.api_url:
        return search_store(settings, query, reach=reach)
    import asyncio

    return asyncio.run(search_events(settings, query))


def served_query(query: SearchQuery) -> SearchQuery:
    """``query`` as the API's search route rebuilds it from the events client's query string.

    The client leaves out an empty locality or country, and the route splits comma-separated
    tags, so ``--tag data,devops`` means both tags on either path. An offset past the route's
    bound is the 422 the API would answer, in the words of its detail.
    """
    if query.offset > MAX_OFFSET:
        message = f"Input should be less than or equal to {MAX_OFFSET}"
        raise UsageError(f"query parameter 'offset': {message}")
    tags = split_tags(query.tags)
    update = {"locality": query.locality or None, "country": query.country or None, "tags": tags}
    return query.model_copy(update=update)


def look_back(query: SearchQuery, today: dt.date) -> Steps[LookBack | None]:
    """The searches behind an empty answer's hint, as steps either path drives.

    None unless nothing matched from a ``start_after`` on: two one-event searches for the
    data's span and one count of the matches without ``start_after``.
    """
    from eventchat import horizon

    if query.start_after is None:
        return None
    span = yield from horizon.span()
    earlier = yield from horizon.earlier(query, 0)
    return LookBack(query.start_after, today, earlier.total, span)


def search_store(settings: Settings, query: SearchQuery, *, reach: bool = False) -> SearchResult:
    """Search the store the embedded API would serve, read directly, with the hits' links.

    With ``reach``, a page of hits also gets how far the data reaches (two one-event searches).
    An unknown country raises the store's UnknownCountryError: a UsageError whose message is
    the detail of the API's 422, so both paths print the same line and exit 2.
    """
    from eventchat import horizon
    from eventchat.freshness import source_dates, stale_line
    from eventchat.horizon import drive
    from eventchat.store import open_store

    served = served_query(query).on(settings.effective_today())
    store = open_store(settings.database)
    try:
        page = store.search(served)
        ids = list(dict.fromkeys(event.id for event in page.events))
        result = join_links(page, store.links(ids) if ids else [])
        stale = stale_line(source_dates(store.meta), settings.effective_today())
        result = replace(result, stale=stale)
        if page.total:
            if reach and page.events:
                today = settings.effective_today()
                result = replace(result, reach=drive(horizon.reach(today), store.search))
            return result
        back = drive(look_back(served, settings.effective_today()), store.search)
        return replace(result, look_back=back)
    finally:
        store.close()


async def search_events(settings: Settings, query: SearchQuery) -> SearchResult:
    """Search through the events client (in-process API when embedded), then fetch links."""
    from eventchat.horizon import adrive
    from eventchat.runtime import open_events_client

    async with open_events_client(settings) as client:
        try:
            page = await client.search(query)
        except EventsAPIStatusError as exc:
            if exc.status_code == 422 and exc.detail:
                raise UsageError(exc.detail) from exc  # the person's input, not the API, is wrong
            raise
        ids = list(dict.fromkeys(event.id for event in page.events))
        result = join_links(page, await client.links(ids))
        if page.total:
            return result
        back = await adrive(look_back(query, settings.effective_today()), client.search)
        return replace(result, look_back=back)


def build_query(
    text: str,
    country: str | None,
    locality: str | None,
    tags: list[str],
    start_after: str | None,
    start_before: str | None,
    online: bool | None,
    limit: int,
    offset: int,
    *,
    today: dt.date,
    deadlines: Deadlines | None = None,
) -> SearchQuery:
    """A validated SearchQuery; bad values become a UsageError naming the flag."""
    wanted = deadlines or Deadlines()
    try:
        return SearchQuery(
            q=text,
            country=country,
            locality=locality,
            tags=tags,
            start_after=start_after or today,
            start_before=start_before,
            online=online,
            cfp_open=wanted.cfp_open,
            deadline_after=wanted.after,
            deadline_before=wanted.before,
            sort=wanted.sort,
            limit=limit,
            offset=offset,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        flag = _FLAG.get(field, f"--{field.replace('_', '-')}")
        raise UsageError(f"invalid {flag}: {err['msg']}") from exc


def run(settings: Settings, query: SearchQuery, fmt: str | None) -> None:
    """Search and write the result to stdout in ``fmt`` (auto: table on a terminal, else json)."""
    from eventchat.render.event_list import ListFormat, write_result

    chosen = fmt or ("table" if sys.stdout.isatty() else "json")
    if chosen not in FORMATS:
        raise UsageError(f"invalid --format {chosen!r}: choose one of {', '.join(FORMATS)}")
    footer = chosen in ("table", "markdown")
    result = search(settings, query, reach=footer)
    console = None
    if chosen == "table":
        from rich.console import Console

        console = Console(no_color=settings.no_color)
    line = reach_line(result) if footer else None
    shown = replace(result, stale=None) if line else result  # the stale line follows this one
    write_result(shown, cast("ListFormat", chosen), sys.stdout, console, err=sys.stderr)
    if line:
        sys.stderr.write(line + "\n" + (result.stale + "\n" if result.stale else ""))


def reach_line(result: SearchResult) -> str | None:
    """The footer's line on how far the data reaches, when the search found events.

    ``135 upcoming events in the data, listed up to 2027-10-18.``
    """
    if result.reach is None or not result.hits:
        return None
    n = result.reach.upcoming
    line = f"{n:,} upcoming {'event' if n == 1 else 'events'} in the data"
    if result.reach.last is not None:
        line += f", listed up to {result.reach.last.isoformat()}"
    return line + "."
