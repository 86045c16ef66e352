"""The routes of REST API v1: thin functions from query parameters to store calls."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, BeforeValidator

from eventchat.models import (
    SEARCH_LIMIT_DEFAULT,
    SEARCH_LIMIT_MAX,
    SEARCH_OFFSET_MAX,
    EventDetail,
    LinksResponse,
    SearchPage,
    SearchQuery,
    split_tags,
)
from eventchat.service.schemas import ErrorBody, Health, ParameterError
from eventchat.store.base import Store

MAX_LINK_IDS = 100
MAX_OFFSET = SEARCH_OFFSET_MAX
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

router = APIRouter()
A = TypeVar("A")
R = TypeVar("R")
_ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorBody, "description": "A parameter is invalid; `detail` names it."},
    503: {"model": ErrorBody, "description": "The events database failed."},
}


async def get_store(request: Request) -> Store:
    """The store the app was created with (async: FastAPI would run a plain function in its
    thread pool, a thread hop per request for reading an attribute)."""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


async def get_today(request: Request) -> dt.date:
    """The app's today: the pinned ``today`` setting, else the server's date at this request."""
    pinned: dt.date | None = request.app.state.today
    return pinned or dt.date.today()


TodayDep = Annotated[dt.date, Depends(get_today)]


async def _run(store: Store, call: Callable[[A], R], arg: A) -> R:
    """``call(arg)`` on the event loop when the store answers locally in well under a
    millisecond (SQLite: ``runs_inline``), else in the thread pool (PostgreSQL waits on the
    network). At 100k events on one worker, SQLite searches inline serve 894 req/s against
    367 through the pool, where the thread hop and the GIL handover cost more than the search
    (``python -m bench serve_throughput``)."""
    if getattr(store, "runs_inline", False):
        return call(arg)
    return await run_in_threadpool(call, arg)


def _json(body: BaseModel) -> Response:
    """``body`` serialised once by pydantic: the store already returns the response model, so
    FastAPI's own pass (validate against response_model, then encode) would only repeat it —
    at 100k events that pass was most of a search request's time in the API."""
    return Response(body.model_dump_json(), media_type="application/json")


def _iso_date(value: object) -> object:
    """Accept only YYYY-MM-DD text: pydantic's lax mode would read "0" as a Unix timestamp."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date, YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


_split = split_tags


@router.get(
    "/v1/events/search",
    response_model=SearchPage,
    responses=_ERRORS,
    summary="Search events",
    tags=["events"],
)
async def search(
    *,
    store: StoreDep,
    today: TodayDep,
    q: Annotated[
        str,
        Query(
            description="Free text; every word must match name, tags, place or description "
            "(stemmed: 'conference' matches 'conferences'). Operators are plain words.",
            examples=["python"],
            openapi_examples={
                "topic": {"summary": "a topic", "value": "python"},
                "phrase": {"summary": "words from a name", "value": "node.js conference"},
            },
        ),
    ] = "",
    locality: Annotated[
        str | None,
        Query(description="City, case- and accent-insensitive.", examples=["Berlin"]),
    ] = None,
    country: Annotated[
        str | None,
        Query(
            description="Country name, alias (UK, U.S.A., Deutschland) or ISO 3166 code.",
            examples=["DE"],
            openapi_examples={
                "code": {"summary": "ISO code", "value": "DE"},
                "alias": {"summary": "an alias", "value": "U.K."},
            },
        ),
    ] = None,
    tags: Annotated[
        list[str],
        Query(
            description="Topic tags; repeat or comma-separate. Every tag must be present.",
            examples=[["javascript"]],
        ),
    ] = [],  # noqa: B006 - FastAPI copies the default per request
    start_after: Annotated[
        IsoDate | None,
        Query(description="Events ending on or after this date (under way counts)."),
    ] = None,
    start_before: Annotated[
        IsoDate | None, Query(description="Events starting on or before this date.")
    ] = None,
    online: Annotated[
        bool | None,
        Query(description="true: can be attended online (incl. hybrid); false: in person only."),
    ] = None,
    cfp_open: Annotated[
        bool | None,
        Query(description="true: a deadline (CfP, paper, …) on or after today; false: none."),
    ] = None,
    deadline_after: Annotated[
        IsoDate | None, Query(description="A deadline on or after this date (its local day).")
    ] = None,
    deadline_before: Annotated[
        IsoDate | None, Query(description="A deadline on or before this date (its local day).")
    ] = None,
    sort: Annotated[
        Literal["relevance", "date", "deadline"] | None,
        Query(
            description="relevance (the default with q), date (without), or deadline: the "
            "first deadline within the deadline filters, soonest first."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=SEARCH_LIMIT_MAX)] = SEARCH_LIMIT_DEFAULT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Events matching the text and filters: by relevance (BM25) with `q`, else by start date."""
    query = SearchQuery(
        q=q,
        locality=locality,
        country=country,
        tags=_split(tags),
        start_after=start_after,
        start_before=start_before,
        online=online,
        cfp_open=cfp_open,
        deadline_after=deadline_after,
        deadline_before=deadline_before,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return _json(await _run(store, store.search, query.on(today)))


@router.get(
    "/v1/events/links",
    response_model=LinksResponse,
    responses=_ERRORS,
    summary="Links and images for events",
    tags=["events"],
)
async def links(
    store: StoreDep,
    ids: Annotated[
        str,
        Query(
            description=f"Comma-separated event ids (at most {MAX_LINK_IDS}); unknown ids are "
            "absent from the result.",
            examples=["9e2aae00f20d,198b7f45ce4a"],
        ),
    ],
) -> LinksResponse | JSONResponse:
    """The enrichment endpoint: url, images, CfP and social links per event."""
    wanted = _split([ids])
    if len(wanted) > MAX_LINK_IDS:
        message = f"at most {MAX_LINK_IDS} ids per request, got {len(wanted)}"
        body = ErrorBody(
            detail=f"query parameter 'ids': {message}",
            errors=[ParameterError(parameter="ids", message=message)],
        )
        return JSONResponse(status_code=422, content=body.model_dump())
    return LinksResponse(links=await _run(store, store.links, wanted))


@router.get(
    "/v1/events/{event_id}",
    response_model=EventDetail,
    responses={404: {"model": ErrorBody, "description": "No event has this id."}, **_ERRORS},
    summary="One event with its links",
    tags=["events"],
)
def get_event(store: StoreDep, event_id: str) -> EventDetail | JSONResponse:
    """One event by id, with its links."""
    event = store.get(event_id)
    if event is None:
        body = ErrorBody(detail=f"no event with id {event_id!r}")
        return JSONResponse(status_code=404, content=body.model_dump(exclude={"errors"}))
    return event


@router.get("/healthz", response_model=Health, summary="Liveness and event count", tags=["meta"])
def healthz(store: StoreDep) -> Health:
    """The API is up; `events` is how many events the store holds."""
    return Health(events=store.count())
