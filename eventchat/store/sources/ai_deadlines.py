"""Normalise ai-deadlines (huggingface/ai-deadlines) AI/ML conference editions into EventDetail.

Where: ``src/data/conferences/<series>.yml``, one YAML list of editions per series. Live: the raw
files on GitHub (see SOURCE.md).

An edition becomes "<title> <year>" ("NeurIPS 2026"); ``start``/``end`` give its days, or the
free-text ``date`` when they are missing or belong to another year (one edition carries last
year's); ``city`` and ``country`` give the place, where ``country`` is sometimes a US state
("Pennsylvania") or a region ("Tuscany") and is read as such; the venue loses the city and
country it repeats. ``full_name`` is the description; the tags are the source's, plus "ai" (the
source's scope, as confs.tech's topic file is a tag). Deadlines come from the ``deadlines`` list
(``type`` is the kind, as the source says: abstract, paper, submission, notification, …); older
editions have flat ``abstract_deadline``/``deadline`` fields in ``timezone`` instead.

What it cannot say: an edition with no day anywhere is skipped and counted; ``rankings``,
``era_rating`` and ``hindex`` are not carried.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

from eventchat.models import Deadline, EventDetail
from eventchat.store.sources.dates import NoDate, parse_date_range
from eventchat.store.sources.places import resolve_country, split_place, us_state
from eventchat.store.sources.reading import (
    SourceRead,
    build_event,
    edition_name,
    make_deadline,
    read_records,
    tag,
    text,
)

SOURCE = "ai-deadlines"
_FLAT_KINDS = {"abstract_deadline": "abstract", "deadline": "paper"}


def _day(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def _dates(record: dict[str, Any], year: int) -> tuple[dt.date, dt.date]:
    """The first and last day: ``start``/``end`` if in the edition's year, else ``date``."""
    start, end = _day(record.get("start")), _day(record.get("end"))
    if start is not None and start.year == year:
        return start, end or start
    text_dates = text(record, "date")
    if text_dates is None:
        raise NoDate("no day" if start is None else "date outside the edition's year", "")
    return parse_date_range(text_dates, year)


def _kind(value: str) -> str:
    """The source's deadline type as a kind: "camera-ready" and "camera_ready" are one."""
    return re.sub(r"[\s-]+", "_", value.strip().casefold())


def _deadlines(record: dict[str, Any], skipped: Counter[str]) -> list[Deadline]:
    """The ``deadlines`` list, or the flat fields of older editions when there is no list."""
    made: list[Deadline | None] = []
    listed = record.get("deadlines") or []
    for entry in listed:
        kind = _kind(str(entry.get("type") or "deadline"))
        made.append(
            make_deadline(
                kind, entry.get("date"), text(entry, "timezone"), text(entry, "label"), skipped
            )
        )
    if not listed:
        zone = text(record, "timezone")
        for key, kind in _FLAT_KINDS.items():
            if key in record:
                made.append(make_deadline(kind, record[key], zone, None, skipped))
    return [deadline for deadline in made if deadline is not None]


def _venue(venue: str | None, place: dict[str, Any]) -> str | None:
    """The venue without the city and country it ends with ("COEX, Seoul, South Korea" → "COEX")."""
    if venue is None:
        return None
    parts = [part.strip() for part in venue.split(",")]
    while len(parts) > 1 and _repeats_place(parts[-1], place):
        parts.pop()
    kept = ", ".join(parts)
    return None if _repeats_place(kept, place) else kept


def _repeats_place(part: str, place: dict[str, Any]) -> bool:
    folded = part.casefold()
    if folded in {str(place.get(k) or "").casefold() for k in ("locality", "region")}:
        return True
    country = resolve_country(part)
    if country is not None:
        return country.code == place.get("country_code")
    return place.get("country_code") == "US" and us_state(part)


def _place(record: dict[str, Any]) -> dict[str, Any]:
    """The place from ``city`` ("Tucson, Arizona" at times) and ``country`` (or a state)."""
    city = [part.strip() for part in (text(record, "city") or "").split(",") if part.strip()]
    country = text(record, "country")
    place = split_place([*city, *([country] if country else [])])
    if city:
        # The field is the city: "Palma, Mallorca" is Palma, whatever follows it.
        place["locality"] = city[0]
        place["region"] = place.get("region") or ", ".join(city[1:]) or None
    place["venue"] = _venue(text(record, "venue"), place)
    place["online"] = any(word in " ".join(city).casefold() for word in ("online", "virtual"))
    return place


def _tags(record: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(["ai", *(tag(str(t)) for t in record.get("tags") or [])]))


def normalise_edition(record: dict[str, Any], read: SourceRead) -> EventDetail | None:
    """One edition as an EventDetail; ``None`` (counted) when no day is known."""
    year = int(record["year"])
    try:
        start, end = _dates(record, year)
    except NoDate as error:
        read.skipped[error.reason] += 1
        return None
    return build_event(
        edition_name(str(record["title"]).strip(), year),
        start.isoformat(),
        end.isoformat(),
        text(record, "link"),
        SOURCE,
        deadlines=_deadlines(record, read.deadlines_skipped),
        description=text(record, "full_name"),
        tags=_tags(record),
        **_place(record),
    )


def read_source(root: Path) -> SourceRead:
    """Every edition under ``root/src/data/conferences/*.yml`` with what was skipped."""
    files = sorted(root.glob("src/data/conferences/*.yml"))
    if not files:
        raise FileNotFoundError(f"no src/data/conferences/*.yml under {root}")
    return read_records(files, normalise_edition)


def read_directory(root: Path) -> list[EventDetail]:
    """Every ai-deadlines edition under ``root`` as an EventDetail, by start date."""
    return read_source(root).events
