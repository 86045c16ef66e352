"""eventchat's own format: EventDetail-shaped objects, as JSON or JSON Lines.

An object's ``id`` is kept, so exporting events and importing them again updates the same
events; without one the id is :func:`~eventchat.models.stable_id` of (name, start, url). The
``source`` is the object's own, else ``"import:eventchat"``. A ``country`` without a
``country_code`` is resolved to one (and its display name) when the name is known; a
``country`` (or ``locality``) of "Online", "Virtual" or "Remote" marks the event online and
names no place. ``links.cfp_end_date`` and each ``links.deadlines[].at`` are checked like
``start``: "TBD" or "2026-13-45" is a bad record naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from eventchat.models import EventDetail, stable_id
from eventchat.store.importers.batch import RecordProblem, RecordRef
from eventchat.store.importers.fields import (
    check_order,
    country_fields,
    finish,
    iso_date,
    online_word,
    text,
)

SOURCE = "import:eventchat"
FORMAT = "eventchat"


def parse_record(record: Any) -> Iterator[EventDetail]:
    """One EventDetail-shaped object as an event."""
    if not isinstance(record, dict):
        raise RecordProblem("record", "is not a JSON object")
    name = text(record.get("name"))
    if name is None:
        raise RecordProblem("name", "is missing")
    start = iso_date(record.get("start"), "start", required=True)
    assert start is not None  # required=True raised otherwise
    end = iso_date(record.get("end"), "end")
    check_order(start, end, "end")
    links = record.get("links")
    url = text(links.get("url")) if isinstance(links, dict) else None
    event_id = text(record.get("id")) or stable_id(name, start, url)
    data = {**record, "id": event_id, "name": name, "start": start, "end": end}
    data["source"] = text(record.get("source")) or SOURCE
    if online_word(record.get("locality")):
        data.update({"locality": None, "online": True})
    if online_word(record.get("country")):
        data.update({"country": None, "country_code": None, "online": True})
    elif text(record.get("country")) and not text(record.get("country_code")):
        data.update(country_fields(record["country"]))
    if isinstance(links, dict):
        data["links"] = {**_dated_links(links), "id": event_id}
    yield finish(EventDetail.model_validate(data))


def _dated_links(links: dict[str, Any]) -> dict[str, Any]:
    """``links`` with its CFP end date and deadline dates checked and normalised like ``start``."""
    checked = {**links, "cfp_end_date": iso_date(links.get("cfp_end_date"), "links.cfp_end_date")}
    deadlines = links.get("deadlines")
    if isinstance(deadlines, list):
        checked["deadlines"] = [
            {**item, "at": iso_date(item.get("at"), f"links.deadlines.{index}.at", required=True)}
            if isinstance(item, dict)
            else item
            for index, item in enumerate(deadlines)
        ]
    return checked


def json_records(file: str, payload: Any) -> Iterator[tuple[RecordRef, Any]]:
    """Records of a JSON document: a list, ``{"events": [...]}`` or one object."""
    if isinstance(payload, dict) and isinstance(payload.get("events"), list):
        payload = payload["events"]
    items = payload if isinstance(payload, list) else [payload]
    for index, item in enumerate(items, start=1):
        yield RecordRef(file, index, _name(item)), item


def jsonl_records(file: str, lines: list[str]) -> Iterator[tuple[RecordRef, Any]]:
    """Records of a JSON Lines file, numbered by line; a line that is not JSON is a bad record."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item: Any = json.loads(line)
        except (ValueError, RecursionError):
            item = _NotJSON()
        yield RecordRef(file, number, _name(item), unit="line"), item


class _NotJSON:
    """Stands in for a line that did not parse, so the line is reported like any bad record."""


def _name(item: Any) -> str | None:
    value = item.get("name") if isinstance(item, dict) else None
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None
