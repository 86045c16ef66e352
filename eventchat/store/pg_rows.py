"""Mapping between EventDetail and rows of the PostgreSQL ``events`` table.

Rows are built by the SQLite mapping (``rows.to_row``) so both stores derive the same day
columns, country code, tags and locality key; only the types differ here: ``online`` is a
boolean, ``tags`` a ``text[]`` and the link lists ``jsonb``. Rows read back map to events through
``rows.to_event``/``to_links``/``to_detail``, which take either store's types.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from psycopg.types.json import Jsonb

from eventchat.models import EventDetail
from eventchat.store.rows import COLUMNS, to_row

EVENT_COLUMNS = (
    "id, name, start_at, end_at, venue, address, locality, region, country, country_code, "
    "online, tags, description, source"
)


def to_params(event: EventDetail, origin: str) -> dict[str, Any]:
    """The named parameters of :data:`INSERT` for ``event``."""
    params = dict(zip(COLUMNS, to_row(event, origin), strict=True))
    params["online"] = bool(params["online"])
    params["tags"] = json.loads(params["tags"])
    params["images"] = Jsonb(json.loads(params["images"]))
    params["social"] = Jsonb(json.loads(params["social"]))
    return params


UNKNOWN_SPAN = 36_500  # days: a bound that bounds nothing, for days that do not parse


def longest_span(rows: Iterable[dict[str, Any]]) -> int:
    """The most days any of ``rows`` lasts (end day minus start day), 0 for none."""
    longest = 0
    for row in rows:
        try:
            days = dt.date.fromisoformat(row["end_day"]) - dt.date.fromisoformat(row["start_day"])
        except ValueError:
            return UNKNOWN_SPAN
        longest = max(longest, days.days)
    return longest
