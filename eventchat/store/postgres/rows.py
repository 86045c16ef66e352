"""Mapping between EventDetail and rows of the PostgreSQL ``events`` table.

Rows are built by the SQLite mapping (``rows.to_row``) so both stores derive the same day
columns, country code, tags and locality key; only the types differ here: ``online`` is a
boolean, ``tags`` a ``text[]`` and the link lists ``jsonb``. Rows read back map to events through
``rows.to_event``/``to_links``/``to_detail``, which take either store's types.
"""

from __future__ import annotations

import json
from typing import Any

from psycopg.types.json import Jsonb

from eventchat.models import EventDetail
from eventchat.store.rows import COLUMNS, to_row

EVENT_COLUMNS = (
    "id, name, start_at, end_at, venue, address, locality, region, country, country_code, "
    "online, tags, description, source, timezone, series"
)


def to_params(event: EventDetail, origin: str) -> dict[str, Any]:
    """The named parameters of :data:`INSERT` for ``event``."""
    params = dict(zip(COLUMNS, to_row(event, origin), strict=True))
    params["online"] = bool(params["online"])
    params["tags"] = json.loads(params["tags"])
    params["images"] = Jsonb(json.loads(params["images"]))
    params["social"] = Jsonb(json.loads(params["social"]))
    params["deadlines"] = Jsonb(json.loads(params["deadlines"]))
    return params
