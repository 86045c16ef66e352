"""``eventchat search``: one events search without a model, with each hit's links.

With the events API embedded (``api_url`` empty) the search reads the store directly, as the
embedded API's routes would: a local lookup neither imports FastAPI nor builds an ASGI app, which
would cost it most of a second. With ``api_url`` set it goes through the events client.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from typing import cast

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

FORMATS = ("table", "json", "jsonl", "markdown")
_FLAG = {"start_after": "--from", "start_before": "--to", "q": "TEXT"}
MAX_OFFSET = SEARCH_OFFSET_MAX


@dataclass(frozen=True)
class Hit:
    """One search hit and its links (None when the enrichment endpoint has none)."""

    event: Event
    links: EventLinks | None


@dataclass(frozen=True)
class SearchResult:
    """A page of hits with the totals of the search."""

    total: int
    offset: int
    hits: list[Hit]


def join_links(page: SearchPage, links: list[EventLinks]) -> SearchResult:
    """Pair each event with its links."""
    by_id = {link.id: link for link in links}
    hits = [Hit(event, by_id.get(event.id)) for event in page.events]
    return SearchResult(total=page.total, offset=page.offset, hits=hits)


def search(settings: Settings, query: SearchQuery) -> SearchResult:
    """Search the store when the events API is embedded, else the events API at ``api_url``."""
    if not settings.api_url:
        return search_store(settings, query)
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


def search_store(settings: Settings, query: SearchQuery) -> SearchResult:
    """Search the store the embedded API would serve, read directly, with the hits' links.

    An unknown country raises the store's UnknownCountryError: a UsageError whose message is
    the detail of the API's 422, so both paths print the same line and exit 2.
    """
    from eventchat.store import open_store

    served = served_query(query)
    store = open_store(settings.database)
    try:
        page = store.search(served)
        ids = list(dict.fromkeys(event.id for event in page.events))
        return join_links(page, store.links(ids) if ids else [])
    finally:
        store.close()


async def search_events(settings: Settings, query: SearchQuery) -> SearchResult:
    """Search through the events client (in-process API when embedded), then fetch links."""
    from eventchat.runtime import open_events_client

    async with open_events_client(settings) as client:
        try:
            page = await client.search(query)
        except EventsAPIStatusError as exc:
            if exc.status_code == 422 and exc.detail:
                raise UsageError(exc.detail) from exc  # the person's input, not the API, is wrong
            raise
        ids = list(dict.fromkeys(event.id for event in page.events))
        return join_links(page, await client.links(ids))


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
) -> SearchQuery:
    """A validated SearchQuery; bad values become a UsageError naming the flag."""
    try:
        return SearchQuery(
            q=text,
            country=country,
            locality=locality,
            tags=tags,
            start_after=start_after or today,
            start_before=start_before,
            online=online,
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
    result = search(settings, query)
    console = None
    if chosen == "table":
        from rich.console import Console

        console = Console(no_color=settings.no_color)
    write_result(result, cast("ListFormat", chosen), sys.stdout, console)
