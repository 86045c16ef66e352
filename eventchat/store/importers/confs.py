"""confs.tech files (tech-conferences/conference-data): a JSON list of conference rows.

The normalisation is the bundled dataset's own
(:func:`eventchat.store.sources.confstech.normalise_row`), so an imported confs.tech file gets
the bundled ids and updates those events rather than adding copies. The topic comes from the
file name when it is a confs.tech topic (``python.json``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eventchat.models import EventDetail
from eventchat.store.importers.batch import RecordProblem
from eventchat.store.importers.fields import check_order, finish, iso_date, text
from eventchat.store.sources.confstech import normalise_row

FORMAT = "confs.tech"


def topic_of(path: Path) -> str | None:
    """The topic a confs.tech file name stands for, or None for any other name."""
    from eventchat.store.sources.fetch import TOPICS

    stem = path.stem.lower()
    return stem if stem in TOPICS else None


def parse_row(row: Any, topic: str | None) -> Iterator[EventDetail]:
    """One confs.tech row as an event."""
    if not isinstance(row, dict):
        raise RecordProblem("record", "is not a JSON object")
    name = text(row.get("name"))
    if name is None:
        raise RecordProblem("name", "is missing")
    start = iso_date(row.get("startDate"), "startDate", required=True)
    assert start is not None  # required=True raised otherwise
    end = iso_date(row.get("endDate"), "endDate")
    check_order(start, end, "endDate")
    cleaned = {**row, "name": name, "startDate": start, "endDate": end}
    yield finish(normalise_row(cleaned, topic))
