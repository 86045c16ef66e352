"""Normalise ccf-deadlines (ccfddl/ccf-deadlines) conference series into EventDetail.

Where: ``conference/<SUB>/<series>.yml``, one YAML list per series with its yearly editions
(``confs``). Live: the raw files or the branch archive on GitHub (see SOURCE.md).

An edition becomes "<title> <year>" ("ICML 2026"); its free-text ``date`` and ``place`` are read
by :mod:`.dates` and :mod:`.places`; the series' full name is the description; the CCF
category (``sub``) becomes readable tags; each ``timeline`` entry's ``abstract_deadline`` and
``deadline`` are "abstract" and "paper" deadlines in the edition's ``timezone``, labelled with
its comment. What it cannot say: an edition dated only by month or year ("November, 2026") has
no day and is skipped and counted; "TBD" deadlines are counted, not kept. The CCF rank is not
carried.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from eventchat.models import Deadline, EventDetail
from eventchat.store.sources.dates import NoDate, parse_date_range
from eventchat.store.sources.places import parse_place
from eventchat.store.sources.reading import (
    SourceRead,
    build_event,
    edition_name,
    load_records,
    make_deadline,
    text,
    with_unique_ids,
)

SOURCE = "ccf-deadlines"

# The CCF categories (conference/types.yml) as the words people search for.
SUB_TAGS: dict[str, tuple[str, ...]] = {
    "AI": ("ai",),
    "CG": ("graphics", "multimedia"),
    "CT": ("theory",),
    "DB": ("databases", "data-mining", "information-retrieval"),
    "DS": ("systems", "computer-architecture", "parallel-computing", "storage"),
    "HI": ("hci", "ubiquitous-computing"),
    "MX": ("interdisciplinary",),
    "NW": ("networking",),
    "SC": ("security",),
    "SE": ("software-engineering", "programming-languages", "operating-systems"),
}
_KINDS = {"abstract_deadline": "abstract", "deadline": "paper"}


def _deadlines(edition: dict[str, Any], skipped: Counter[str]) -> list[Deadline]:
    """The abstract and paper deadlines of every timeline entry (rounds) of one edition."""
    zone = text(edition, "timezone")
    found: list[Deadline] = []
    for raw in edition.get("timeline") or []:
        # One entry spells it "abstract deadline"; the key is the same field.
        entry = {str(key).replace(" ", "_"): value for key, value in raw.items()}
        for key, kind in _KINDS.items():
            if key in entry:
                made = make_deadline(kind, entry[key], zone, text(entry, "comment"), skipped)
                if made is not None:
                    found.append(made)
    return found


def normalise_edition(
    series: dict[str, Any], edition: dict[str, Any], read: SourceRead
) -> EventDetail | None:
    """One edition of a series as an EventDetail; ``None`` (counted) when it has no day."""
    year = int(edition["year"])
    try:
        start, end = parse_date_range(str(edition.get("date") or ""), year)
    except NoDate as error:
        read.skipped[error.reason] += 1
        return None
    sub = text(series, "sub") or ""
    return build_event(
        edition_name(str(series["title"]).strip(), year),
        start.isoformat(),
        end.isoformat(),
        text(edition, "link"),
        SOURCE,
        deadlines=_deadlines(edition, read.deadlines_skipped),
        description=text(series, "description"),
        tags=list(SUB_TAGS.get(sub.upper(), (sub.lower(),) if sub else ())),
        **parse_place(text(edition, "place")),
    )


def read_file(path: Path, read: SourceRead) -> None:
    """Add every edition of the series in one ``<series>.yml`` file to ``read``."""
    for series in load_records(path):
        for edition in series.get("confs") or []:
            event = normalise_edition(series, edition, read)
            if event is not None:
                read.events.append(event)


def read_source(root: Path) -> SourceRead:
    """Every edition under ``root/conference/*/*.yml`` with what was skipped, by reason."""
    files = sorted(p for p in root.glob("conference/*/*.yml") if p.name != "types.yml")
    if not files:
        raise FileNotFoundError(f"no conference/*/*.yml under {root}")
    read = SourceRead()
    for path in files:
        read_file(path, read)
    read.events = sorted(with_unique_ids(read.events), key=lambda e: (e.start, e.id))
    return read


def read_directory(root: Path) -> list[EventDetail]:
    """Every edition under ``root/conference/*/*.yml`` as an EventDetail, by start date."""
    return read_source(root).events
