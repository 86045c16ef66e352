"""Pydantic models shared by the events API, its store and its client.

These are the REST contract (DESIGN.md "REST API v1"): the service serialises them, the client
validates responses against them, and the store returns them. Fields the data lacks are ``None``,
never invented.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SEARCH_LIMIT_MAX = 50
SEARCH_OFFSET_MAX = 1_000_000  # the API's bound on ``offset`` (422 past it)


def split_tags(values: list[str]) -> list[str]:
    """Repeated tag values, each of which may also be a comma-separated list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


SEARCH_LIMIT_DEFAULT = 10


class Event(BaseModel):
    """One event, as the search endpoint returns it."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(description="Stable id derived from the source data.")
    name: str
    start: str = Field(description="ISO 8601 date or date-time.")
    end: str | None = Field(default=None, description="ISO 8601 date or date-time.")
    venue: str | None = None
    address: str | None = None
    locality: str | None = None
    region: str | None = None
    country: str | None = Field(default=None, description="Display name of the country.")
    country_code: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code.")
    online: bool = False
    tags: list[str] = Field(default_factory=list)
    description: str | None = None
    source: str | None = None
    timezone: str | None = Field(
        default=None,
        description="The IANA zone where it happens (Europe/Berlin), when known: start and end "
        "are local times there, so their date is the local day.",
    )
    series: str | None = Field(
        default=None,
        description="The recurring series this occurrence belongs to (one key per series).",
    )


class Deadline(BaseModel):
    """One deadline of an event: a call for papers, an abstract, a workshop proposal, …"""

    model_config = ConfigDict(extra="ignore")

    kind: str = Field(description="cfp, abstract, paper, workshop, tutorial, notification, …")
    at: str = Field(
        description="ISO 8601: a date-time with its UTC offset (AoE is -12:00), or a date."
    )
    timezone: str | None = Field(
        default=None, description="The zone as the source names it: AoE, UTC+8, Europe/Berlin."
    )
    label: str | None = None


class EventLinks(BaseModel):
    """Links and images for one event, as the enrichment endpoint returns them."""

    model_config = ConfigDict(extra="ignore")

    id: str
    url: str | None = None
    images: list[str] = Field(default_factory=list)
    cfp_url: str | None = None
    cfp_end_date: str | None = None
    social: list[str] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)


class EventDetail(Event):
    """One event with its links: ``GET /v1/events/{id}`` and the unit of import."""

    links: EventLinks | None = None


class SearchQuery(BaseModel):
    """The parameters of ``GET /v1/events/search``."""

    q: str = ""
    locality: str | None = None
    country: str | None = Field(
        default=None, description="A country name, a common alias, or an ISO 3166 alpha-2 code."
    )
    tags: list[str] = Field(default_factory=list)
    start_after: dt.date | None = None
    start_before: dt.date | None = None
    online: bool | None = None
    cfp_open: bool | None = Field(
        default=None, description="true: a deadline on or after today; false: none ahead."
    )
    deadline_after: dt.date | None = Field(
        default=None, description="A deadline on or after this date (its local day)."
    )
    deadline_before: dt.date | None = Field(
        default=None, description="A deadline on or before this date (its local day)."
    )
    sort: Literal["relevance", "date", "deadline"] | None = Field(
        default=None, description="Default: relevance with text, else date."
    )
    limit: int = Field(default=SEARCH_LIMIT_DEFAULT, ge=1, le=SEARCH_LIMIT_MAX)
    offset: int = Field(default=0, ge=0)

    def on(self, today: dt.date) -> SearchQuery:
        """This query with ``cfp_open`` read against ``today``, so that a store never needs to
        know what day it is: true becomes a deadline on or after today (``deadline_after``);
        false stays, with ``deadline_after`` = today, meaning "no deadline on or after it"."""
        if self.cfp_open is None:
            return self
        if self.cfp_open is False:
            return self.model_copy(update={"deadline_after": today})
        after = max(today, self.deadline_after) if self.deadline_after else today
        return self.model_copy(update={"cfp_open": None, "deadline_after": after})


class SearchPage(BaseModel):
    """One page of search results; ``total`` counts every match, ``count`` this page."""

    total: int
    count: int
    offset: int
    events: list[Event]


class LinksResponse(BaseModel):
    """The body of ``GET /v1/events/links``; unknown ids are absent."""

    links: list[EventLinks]


def stable_id(name: str, start: str, url: str | None) -> str:
    """A stable event id from the source data: the same (name, start, url), the same id.

    Twelve hex digits of SHA-1 over the normalised fields: short enough for a model to copy, and
    with about 6,000 bundled events a collision is vanishingly unlikely (~1e-10).
    """
    import hashlib

    key = "\x1f".join(
        part.strip().casefold() for part in (name, start[:10], (url or "").rstrip("/"))
    )
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
