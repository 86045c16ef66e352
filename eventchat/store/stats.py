"""Summary statistics of a store: what ``eventchat data stats`` shows (each store computes them)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class StoreStats(BaseModel):
    """Counts by source, country, tag and year; the date range; upcoming events."""

    events: int
    upcoming: int = Field(description="Events ending on or after `today`.")
    today: dt.date
    online: int
    first_start: str | None = None
    last_start: str | None = None
    dataset_version: str | None = None
    by_source: dict[str, int] = Field(default_factory=dict)
    by_country: dict[str, int] = Field(default_factory=dict, description="ISO code → events.")
    by_tag: dict[str, int] = Field(default_factory=dict)
    by_year: dict[str, int] = Field(default_factory=dict)
