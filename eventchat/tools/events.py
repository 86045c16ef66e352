"""The event tools: ``event_search`` and ``event_details``, over the EventsClient protocol.

``event_search`` runs one search and then one enrichment request for the de-duplicated hit ids,
so the model gets every event with its url, images and CfP in one call. Results are compact JSON
(no nulls, short descriptions, every field capped, ``total`` and ``count``) between the data
markers, capped in size. When nothing matches, the search is relaxed once and the result says how;
when still nothing upcoming matches, the result adds how far the data reaches and the latest past
matches, marked past (see :mod:`eventchat.horizon`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from eventchat import horizon
from eventchat.client.base import EventsClient
from eventchat.errors import EventchatError
from eventchat.models import SEARCH_LIMIT_MAX, Event, EventLinks, SearchPage, SearchQuery
from eventchat.tools.base import DATA_BEGIN, DATA_END, Tool, ToolOutput

MAX_RESULT_CHARS = 12_000
MAX_DETAIL_IDS = 10
MAX_FIELD_CHARS = 300  # names, venues, places, tags: longer is no name but a flood
MAX_LIST_ITEMS = 20  # tags, images
MAX_URL_CHARS = 2_000
MAX_PAST_EVENTS = 5  # the latest past matches shown when nothing upcoming matches


def _as_list(value: Any) -> Any:
    # Models often send "python, web" or "python" where a list is expected.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class SearchArgs(BaseModel):
    """Find events by keywords, place, tags and dates."""

    model_config = ConfigDict(extra="ignore")

    search: str = Field(
        default="",
        description="Keywords to match in names, descriptions and tags, e.g. 'python' or "
        "'javascript'. May be empty when filtering by place, tags or dates only.",
    )
    locality: str | None = Field(default=None, description="City, e.g. 'Berlin'.")
    country: str | None = Field(
        default=None, description="Country name, common alias or ISO code, e.g. 'Germany', 'UK'."
    )
    tags: list[str] = Field(default_factory=list, description="Topic tags, e.g. ['python'].")
    start_after: dt.date | None = Field(
        default=None,
        description="Events starting on or after this date (YYYY-MM-DD); default today.",
    )
    start_before: dt.date | None = Field(
        default=None, description="Events starting on or before this date (YYYY-MM-DD)."
    )
    online: bool | None = Field(
        default=None, description="true: online only; false: in person only."
    )
    cfp_open: bool | None = Field(
        default=None,
        description="true: only events with a call for papers or another deadline still open "
        "(on or after today).",
    )
    deadline_before: dt.date | None = Field(
        default=None,
        description="Only events with a deadline on or before this date (YYYY-MM-DD), e.g. "
        "'CfPs closing in the next two weeks' with cfp_open=true.",
    )
    sort: Literal["relevance", "date", "deadline"] | None = Field(
        default=None,
        description="deadline: soonest deadline first (with cfp_open); default relevance.",
    )
    limit: int | None = Field(
        default=None, ge=1, le=SEARCH_LIMIT_MAX, description="How many events to return."
    )

    _lists = field_validator("tags", mode="before")(_as_list)


class DetailsArgs(BaseModel):
    """Full details and links of events already found, by id."""

    model_config = ConfigDict(extra="ignore")

    ids: list[str] = Field(
        min_length=1, max_length=MAX_DETAIL_IDS, description="Event ids from earlier results."
    )

    _lists = field_validator("ids", mode="before")(_as_list)


def _short(text: str | None, limit: int) -> str | None:
    if not text or limit <= 0:
        return None
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def event_record(event: Event, links: EventLinks | None) -> dict[str, Any]:
    """An event and its links as a dict without nulls (the ToolResult ``events`` entry)."""
    record = event.model_dump(exclude_none=True)
    if links is not None:
        record["links"] = links.model_dump(exclude_none=True, exclude={"id"})
    return record


def _capped(value: Any) -> Any:
    """A text field cut to :data:`MAX_FIELD_CHARS`; a list to :data:`MAX_LIST_ITEMS` such."""
    if isinstance(value, str):
        return _short(value, MAX_FIELD_CHARS)
    if isinstance(value, list):
        return [c for c in map(_capped, value[:MAX_LIST_ITEMS]) if c not in (None, "")]
    return value


def _sane_url(value: Any) -> Any:
    """A URL as it is, or None when absurdly long: a cut URL would be a wrong link."""
    return value if isinstance(value, str) and len(value) <= MAX_URL_CHARS else None


def compact(record: dict[str, Any], description_chars: int) -> dict[str, Any]:
    """What the model sees of one event: links flattened, empty values and sources dropped.

    Every text field is capped (descriptions at ``description_chars``, the rest at
    :data:`MAX_FIELD_CHARS`) and absurdly long URLs are dropped, so one hostile field cannot
    take the whole result's size and leave the model no events.
    """
    skip = {"links", "source", "description"}
    out = {k: _capped(v) for k, v in record.items() if k not in skip}
    description = _short(record.get("description"), description_chars)
    if description:
        out["description"] = description
    links = record.get("links") or {}
    for key in ("url", "cfp_url"):
        out[key] = _sane_url(links.get(key))
    images = [i for i in links.get("images") or [] if _sane_url(i)]
    out["images"] = images[:MAX_LIST_ITEMS]
    out["cfp_end_date"] = _capped(links.get("cfp_end_date"))
    out["deadlines"] = [
        {k: _capped(v) for k, v in d.items() if k in ("kind", "at", "timezone") and v}
        for d in (links.get("deadlines") or [])[:MAX_LIST_ITEMS]
        if isinstance(d, dict)
    ]
    return {k: v for k, v in out.items() if v not in (None, [], "") and v is not False}


def render(
    payload: dict[str, Any], events: list[dict[str, Any]], max_chars: int, key: str = "events"
) -> str:
    """The payload with ``events`` under ``key`` as JSON between the data markers, cut to fit.

    Events are dropped from the end until the text fits ``max_chars``; ``count`` follows the
    list under ``"events"``.
    """
    kept = list(events)
    while True:
        body = {**payload, key: kept}
        if key == "events" and "count" in body:
            body["count"] = len(kept)
        if len(kept) < len(events):
            body["note"] = (
                f"cut to {len(kept)} of {len(events)} events to fit; "
                "ask for fewer or narrow the search"
            )
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        # '<' and '>' only occur inside JSON strings; escaped, data can never spell a marker.
        text = text.replace("<", "\\u003c").replace(">", "\\u003e")
        if len(text) <= max_chars or not kept:
            return f"{DATA_BEGIN}\n{text}\n{DATA_END}"
        kept.pop()


class EventTools:
    """The event tools bound to one events client and the settings they need."""

    def __init__(
        self,
        events: EventsClient,
        *,
        today: Callable[[], dt.date],
        search_limit: int = 10,
        description_chars: int = 280,
        max_chars: int = MAX_RESULT_CHARS,
    ) -> None:
        self.events = events
        self.today = today
        self.search_limit = search_limit
        self.description_chars = description_chars
        self.max_chars = max_chars

    def tools(self) -> list[Tool]:
        """The tools to register."""
        return [
            Tool("event_search", _SEARCH_DOC, SearchArgs, self.search),
            Tool("event_details", _DETAILS_DOC, DetailsArgs, self.details),
        ]

    def _query(self, args: SearchArgs, today: dt.date) -> SearchQuery:
        return SearchQuery(
            q=args.search.strip(),
            locality=args.locality or None,
            country=args.country or None,
            tags=args.tags,
            start_after=args.start_after or today,
            start_before=args.start_before,
            online=args.online,
            cfp_open=args.cfp_open,
            deadline_before=args.deadline_before,
            sort=args.sort,
            limit=args.limit or self.search_limit,
        )

    async def search(self, args: SearchArgs) -> ToolOutput:
        """Run event_search: search, relax once if empty, enrich with one links request."""
        today = self.today()
        asked = self._query(args, today)
        query, page = asked, await self.events.search(asked)
        payload: dict[str, Any] = {}
        if page.total == 0:
            relaxed = _relax(query)
            if relaxed is not None:
                query, payload["relaxed"] = relaxed
                page = await self.events.search(query)
        if page.total == 0 and asked.start_after is not None and asked.start_after >= today:
            return await self._nothing_from(asked, asked.start_after, today)
        # A server that ignores the limit must not flood the model.
        page = page.model_copy(update={"events": page.events[: query.limit]})
        records, note = await self._enrich(page)
        if note:
            payload["links_note"] = note
        if not records:
            payload["message"] = NO_MATCH
        payload = {"total": page.total, "count": len(records), **payload}
        shown = [compact(r, self.description_chars) for r in records]
        return ToolOutput(render(payload, shown, self.max_chars), records)

    async def _nothing_from(
        self, query: SearchQuery, start_after: dt.date, today: dt.date
    ) -> ToolOutput:
        """Nothing matches from ``start_after`` on: the data's reach and the latest past matches.

        The past matches are those of the search as asked, not as relaxed: the last PyCon DE
        answers "PyCon DE this year?" better than any other event in Germany.
        """
        try:
            span, earlier = await self._look_back(query)
        except EventchatError as exc:  # still an answer: nothing matches
            payload = {"total": 0, "count": 0, "message": NO_MATCH}
            payload["past_note"] = f"past matches unavailable: {exc.message}"
            return ToolOutput(render(payload, [], self.max_chars))
        latest = SearchPage(total=earlier.total, count=0, offset=0, events=earlier.latest)
        records, note = await self._enrich(latest)
        for record in records:
            record["past"] = horizon.ended_before(record["start"], record.get("end"), today)
        result: dict[str, Any] = {
            "total": 0,
            "count": 0,
            "message": _nothing_from_text(start_after, today, earlier.total, len(records), span),
        }
        if span is not None:
            result["data_until"] = span.last.isoformat()
        result["past_matches"] = earlier.total
        if note:
            result["links_note"] = note
        result["events"] = []
        # Past events are context, not answers: no descriptions.
        shown = [{**compact(r, 0), "past": r["past"]} for r in records]
        return ToolOutput(render(result, shown, self.max_chars, key="past_events"), records)

    async def _look_back(self, query: SearchQuery) -> tuple[horizon.Span | None, horizon.Earlier]:
        """The data's span and the latest matches before ``start_after``, asked concurrently."""
        search = self.events.search
        span, earlier = await asyncio.gather(
            horizon.adrive(horizon.span(), search),
            horizon.adrive(horizon.earlier(query, MAX_PAST_EVENTS), search),
            return_exceptions=True,  # both finish: neither is left running past this call
        )
        if isinstance(span, BaseException):
            raise span
        if isinstance(earlier, BaseException):
            raise earlier
        return span, earlier

    async def _enrich(self, page: SearchPage) -> tuple[list[dict[str, Any]], str | None]:
        ids = list(dict.fromkeys(e.id for e in page.events))
        try:
            links = {link.id: link for link in await self.events.links(ids)}
        except EventchatError as exc:
            # The events are still worth showing; the model must not invent the missing links.
            return [event_record(e, None) for e in page.events], f"links unavailable: {exc.message}"
        seen: set[str] = set()
        records = []
        for event in page.events:
            if event.id not in seen:  # one row per event even when a backend repeats ids
                seen.add(event.id)
                records.append(event_record(event, links.get(event.id)))
        return records, None

    async def details(self, args: DetailsArgs) -> ToolOutput:
        """Run event_details: each id looked up concurrently."""
        ids = list(dict.fromkeys(args.ids))
        found = await asyncio.gather(*(self.events.get(i) for i in ids))
        records = [event_record(d, d.links) for d in found if d is not None]
        unknown = [i for i, d in zip(ids, found, strict=True) if d is None]
        payload: dict[str, Any] = {"count": len(records)}
        if unknown:
            payload["unknown_ids"] = unknown
        shown = [compact(r, self.description_chars * 4) for r in records]
        return ToolOutput(render(payload, shown, self.max_chars), records)


NO_MATCH = "No events match. Say so plainly; do not suggest invented events."


def _nothing_from_text(
    start_after: dt.date, today: dt.date, earlier: int, shown: int, span: horizon.Span | None
) -> str:
    """The message of a search with nothing from ``start_after`` on; ``earlier`` matches before."""
    if not earlier:
        return "No events match, upcoming or past. Say so plainly; do not suggest invented events."
    if start_after == today:
        none, nothing, before = "No upcoming event matches.", "nothing upcoming", "past"
    else:
        day = start_after.isoformat()
        none, nothing, before = f"No event matches from {day} on.", f"nothing from {day}", "earlier"
    reach = f" The data lists events starting up to {span.last.isoformat()}." if span else ""
    return (
        f"{none}{reach} past_events are the latest {shown} of {earlier} {before} matches, most "
        f"recent first. Say plainly that {nothing} is listed yet, mention the latest {before} "
        "edition with its dates and place, and never invent a future date."
    )


def _relax(query: SearchQuery) -> tuple[SearchQuery, str] | None:
    """The query once relaxed, and what was dropped; None when nothing can be dropped."""
    place = ", ".join(p for p in (query.locality, query.country) if p)
    if query.q and (place or query.tags):
        note = f"nothing matched {query.q!r}; these match the other filters without those keywords"
        return query.model_copy(update={"q": ""}), note
    if place:
        note = f"nothing matched in {place}; these match the other filters anywhere"
        return query.model_copy(update={"locality": None, "country": None}), note
    return None


_SEARCH_DOC = (
    "Search tech events (conferences, meetups). Returns events with their url, images and "
    "call-for-papers links, plus total (all matches) and count (returned). By default only "
    "upcoming events: not yet ended (start_after defaults to today). When nothing upcoming "
    "matches, it adds the latest past matches, marked past, and how far the data reaches."
)
_DETAILS_DOC = (
    "Full details, description and links of events already returned by event_search, by id."
)


def make_event_tools(
    events: EventsClient,
    *,
    today: Callable[[], dt.date],
    search_limit: int = 10,
    description_chars: int = 280,
) -> Sequence[Tool]:
    """The event tools over ``events``."""
    return EventTools(
        events, today=today, search_limit=search_limit, description_chars=description_chars
    ).tools()
