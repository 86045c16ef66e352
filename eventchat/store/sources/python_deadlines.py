"""Normalise python-deadlines (JesperDramsch/python-deadlines, pythondeadlin.es) into EventDetail.

Where: ``_data/conferences.yml`` (current and upcoming), ``archive.yml`` and ``legacy.yml``
(past), one YAML list each. Live: the raw ``conferences.yml`` on GitHub (see SOURCE.md).

A record becomes "<conference> <year>" ("PyCon Lithuania 2027") with its ISO ``start`` and
``end``; "City, Country" and "Online" become the place; the ``sub`` codes (PY, DATA, WEB, …)
become tags beside "python"; the ``note`` is the description; ``cfp`` and ``cfp_ext`` are "cfp"
deadlines (the extension labelled so), ``tutorial_deadline`` and ``workshop_deadline`` are
"tutorial" and "workshop". Deadlines are local times in the record's IANA ``timezone``; a record
without one is in AoE, the source's documented default, and its deadlines say "AoE".

What it cannot say: "TBA", "None" and "Cancelled" are not deadlines and are counted by what they
say ("Cancelled" usually means the event did not take place, but the data has no field that says
so for certain, so the event is kept). A deadline given as a date without a time is counted, not
kept. Coordinates (``location``) and sponsor links are not carried.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from eventchat.models import Deadline, EventDetail
from eventchat.store.sources.places import parse_place
from eventchat.store.sources.reading import (
    SourceRead,
    build_event,
    edition_name,
    make_deadline,
    read_records,
    tag,
    text,
)

SOURCE = "python-deadlines"
FILES = ("conferences.yml", "archive.yml", "legacy.yml")
DEFAULT_ZONE = "AoE"  # the source's default when a record names no timezone

# The ``sub`` codes as tags; every event is also tagged "python".
SUB_TAGS = {
    "PY": "python",
    "DATA": "data",
    "WEB": "web",
    "SCIPY": "scientific-python",
    "BIZ": "business",
    "GEO": "geospatial",
    "CAMP": "sprint-camp",
    "DAY": "python-day",
    "EDU": "education",
}
# (field, kind, label): the deadlines a record can carry.
_DEADLINES = (
    ("cfp", "cfp", None),
    ("cfp_ext", "cfp", "Extended CfP deadline"),
    ("tutorial_deadline", "tutorial", None),
    ("workshop_deadline", "workshop", None),
)


def _iso_date(value: object) -> str | None:
    """A YAML date (PyYAML reads unquoted ones as ``date``) or ISO string as "YYYY-MM-DD"."""
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            return None
    return None


def _tags(record: dict[str, Any]) -> list[str]:
    codes = [code.strip().upper() for code in str(record.get("sub") or "").split(",")]
    tags = ["python", *(SUB_TAGS.get(code, tag(code)) for code in codes if code)]
    return list(dict.fromkeys(tags))


def _social(record: dict[str, Any]) -> list[str]:
    """Twitter handles as "@name" (as confs.tech writes them); Mastodon and Bluesky as URLs."""
    found = []
    if (handle := text(record, "twitter")) is not None:
        found.append(handle if "/" in handle or handle.startswith("@") else f"@{handle}")
    found += [value for key in ("mastodon", "bluesky") if (value := text(record, key))]
    return found


def _deadlines(record: dict[str, Any], skipped: Counter[str]) -> list[Deadline]:
    zone = text(record, "timezone") or DEFAULT_ZONE
    found = []
    for key, kind, label in _DEADLINES:
        if key in record:
            made = make_deadline(kind, record[key], zone, label, skipped)
            if made is not None:
                found.append(made)
    return found


def _online(record: dict[str, Any], place: dict[str, Any]) -> bool:
    extra = record.get("extra_places") or []
    return bool(place.get("online")) or any("online" in str(p).casefold() for p in extra)


def normalise_record(record: dict[str, Any], read: SourceRead) -> EventDetail | None:
    """One record as an EventDetail; ``None`` (counted) when it has no start date."""
    start, end = _iso_date(record.get("start")), _iso_date(record.get("end"))
    if start is None:
        read.skipped["no start date"] += 1
        return None
    place = parse_place(text(record, "place"))
    place["online"] = _online(record, place)
    return build_event(
        edition_name(str(record["conference"]).strip(), int(record["year"])),
        start,
        end,
        text(record, "link"),
        SOURCE,
        deadlines=_deadlines(record, read.deadlines_skipped),
        cfp_url=text(record, "cfp_link"),
        social=_social(record),
        description=text(record, "note"),
        tags=_tags(record),
        **place,
    )


def read_source(root: Path) -> SourceRead:
    """Every record of ``root/_data/{conferences,archive,legacy}.yml`` with what was skipped."""
    files = [root / "_data" / name for name in FILES if (root / "_data" / name).is_file()]
    if not files:
        raise FileNotFoundError(f"none of _data/{', '.join(FILES)} under {root}")
    return read_records(files, normalise_record)


def read_directory(root: Path) -> list[EventDetail]:
    """Every python-deadlines record under ``root/_data`` as an EventDetail, by start date."""
    return read_source(root).events
