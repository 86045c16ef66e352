"""Normalise confs.tech conference rows (tech-conferences/conference-data) into EventDetail.

Normalise, never invent: the id is :func:`eventchat.models.stable_id` of (name, startDate, url);
"City, ST" becomes locality and region; the country becomes a display name and an ISO code; the
topic (the file name) becomes a tag. The data has no description, venue or image, so those stay
``None``. The importers and ``scripts/build_dataset.py`` both use this module.

A row repeated in several topic files is one event: rows merge when name (case-insensitively),
start date and place agree, even if their URLs differ. Rows with the same name and date in
different places ("GDG DevFest" in Lima and Novosibirsk) stay separate events.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from eventchat.models import Deadline, EventDetail, EventLinks, stable_id
from eventchat.store.countries import REGION_ALIASES, find_country

SOURCE = "confs.tech"
_ONLINE_WORDS = frozenset({"online", "remote", "virtual"})
_SOCIAL_FIELDS = ("twitter", "mastodon", "bluesky")

Row = Mapping[str, Any]


def _text(row: Row, field: str) -> str | None:
    value = row.get(field)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _url(value: str | None) -> str | None:
    if value is None:
        return None
    return value if "://" in value else f"https://{value}"


def _place(row: Row) -> dict[str, Any]:
    """locality, region, country, country_code and online from city/country/online."""
    city, country_text = _text(row, "city"), _text(row, "country")
    online = row.get("online") is True
    if country_text and country_text.casefold() in _ONLINE_WORDS:
        country_text, online = None, True
    if city and city.casefold() in _ONLINE_WORDS:
        city, online = None, True
    locality, _, region = (city or "").partition(",")
    place: dict[str, Any] = {
        "locality": locality.strip() or None,
        "region": region.strip() or None,
        "online": online,
    }
    if country_text:
        country = find_country(country_text)
        place["country"] = country.name if country else country_text
        place["country_code"] = country.code if country else None
        if country and country_text.casefold() in REGION_ALIASES and not place["region"]:
            place["region"] = country_text
    return place


def normalise_row(row: Row, topic: str | None = None) -> EventDetail:
    """One confs.tech row as an EventDetail; ``topic`` (the file name) becomes a tag."""
    name, start = str(row["name"]).strip(), str(row["startDate"]).strip()
    url = _url(_text(row, "url"))
    end = _text(row, "endDate")
    social = [value for field in _SOCIAL_FIELDS if (value := _text(row, field))]
    cfp_end = _text(row, "cfpEndDate")
    links = EventLinks(
        id="",
        url=url,
        cfp_url=_url(_text(row, "cfpUrl")),
        cfp_end_date=cfp_end,
        social=social,
        deadlines=_deadlines(cfp_end),
    )
    event = EventDetail(
        id=stable_id(name, start, url),
        name=name,
        start=start,
        end=end,
        tags=[topic.lower()] if topic else [],
        source=SOURCE,
        links=links,
        **_place(row),
    )
    links.id = event.id
    return event


def _deadlines(cfp_end: str | None) -> list[Deadline]:
    """The CfP's last day as a deadline: a date, its zone unknown (the data names none)."""
    try:
        day = dt.date.fromisoformat(cfp_end or "")
    except ValueError:
        return []
    return [Deadline(kind="cfp", at=day.isoformat())]


def _group_key(event: EventDetail) -> tuple[str, ...]:
    return (
        event.name.casefold(),
        event.start[:10],
        (event.locality or "").casefold(),
        event.country_code or (event.country or "").casefold(),
    )


def _merge(first: EventDetail, other: EventDetail) -> EventDetail:
    """``first`` wins field by field; ``other`` fills its gaps and adds its tags and handles."""
    data = first.model_dump()
    for field, value in other.model_dump(exclude={"links", "tags"}).items():
        if data.get(field) is None:
            data[field] = value
    data["tags"] = sorted({*first.tags, *other.tags})
    if first.links and other.links:
        links = first.links.model_dump()
        for field, value in other.links.model_dump(exclude={"social"}).items():
            if links.get(field) in (None, []):
                links[field] = value
        links["social"] = list(dict.fromkeys([*first.links.social, *other.links.social]))
        data["links"] = links
    return EventDetail.model_validate(data)


def _disambiguate(events: list[EventDetail]) -> list[EventDetail]:
    """Give events that share a stable id (one URL, several places) an id that adds the place."""
    seen: dict[str, int] = {}
    for event in events:
        seen[event.id] = seen.get(event.id, 0) + 1
    return [_with_place_id(event) if seen[event.id] > 1 else event for event in events]


def _with_place_id(event: EventDetail) -> EventDetail:
    url = event.links.url if event.links else None
    new_id = stable_id(event.name, event.start, f"{url or ''}#{event.locality or ''}")
    links = event.links.model_copy(update={"id": new_id}) if event.links else None
    return event.model_copy(update={"id": new_id, "links": links})


def merge_events(events: Iterable[EventDetail]) -> list[EventDetail]:
    """Merge duplicate rows into single events, ordered by start date then id."""
    merged: dict[tuple[str, ...], EventDetail] = {}
    for event in events:
        key = _group_key(event)
        merged[key] = _merge(merged[key], event) if key in merged else event
    return sorted(_disambiguate(list(merged.values())), key=lambda e: (e.start, e.id))


def read_file(path: Path) -> list[EventDetail]:
    """Every row of one confs.tech ``<year>/<topic>.json`` file, the topic as a tag."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [normalise_row(row, path.stem) for row in rows]


def read_directory(root: Path) -> list[EventDetail]:
    """Every event under ``root/conferences/*/*.json``, duplicates merged."""
    files = sorted(root.glob("conferences/*/*.json"))
    if not files:
        raise FileNotFoundError(f"no conferences/*/*.json under {root}")
    return merge_events(event for path in files for event in read_file(path))
