"""What the YAML source adapters share: loading a file, building deadlines and events, counting.

Each adapter (``ccf``, ``python_deadlines``, ``ai_deadlines``) turns one record into an
:class:`~eventchat.models.EventDetail` with :func:`build_event`, and counts what it leaves out in
a :class:`SourceRead`: nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eventchat.models import Deadline, EventDetail, EventLinks, stable_id
from eventchat.store.sources.dates import find_zone, instant, local_time

# The kinds whose date is "the CfP closes" for clients that only read ``links.cfp_end_date``.
_CFP_KINDS = frozenset({"cfp", "paper", "submission"})


@dataclass
class SourceRead:
    """The events of one source and what was left out: editions and deadlines, by reason."""

    events: list[EventDetail] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    deadlines_skipped: Counter[str] = field(default_factory=Counter)


def load_records(path: Path) -> list[dict[str, Any]]:
    """The mappings of a YAML file that holds a list of them (``[]`` for an empty file)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a YAML list, found {type(data).__name__}")
    return [record for record in data if isinstance(record, dict)]


def text(record: dict[str, Any], key: str) -> str | None:
    """The stripped string at ``key``, ``None`` when absent, empty or not text."""
    value = record.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def edition_name(title: str, year: int) -> str:
    """The name people give an edition: "ICML 2027" (the year once, even if the title has it)."""
    return title if str(year) in title else f"{title} {year}"


def make_deadline(
    kind: str,
    value: object,
    zone_name: str | None,
    label: str | None,
    skipped: Counter[str],
) -> Deadline | None:
    """One deadline with its instant, or ``None`` (counted in ``skipped``) when there is none.

    "TBD", "None", "Cancelled" and dates without a time are not instants; they are counted by
    what they say, so a report can tell a cancelled CfP from a missing one.
    """
    local = local_time(value)
    if local is None:
        skipped[_not_a_moment(value)] += 1
        return None
    zone = find_zone(zone_name) if zone_name else None
    if zone is None:
        skipped[f"unknown zone {zone_name!r}"] += 1
        return None
    return Deadline(kind=kind, at=instant(local, zone), timezone=zone_name, label=label)


def _not_a_moment(value: object) -> str:
    """Why ``value`` is no deadline: the word it says ("TBA", "Cancelled"), or what it lacks."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z][A-Za-z ]*", value.strip()):
        return value.strip()
    if isinstance(value, dt.date) or re.match(r"\d{4}-\d\d-\d\d$", str(value).strip()):
        return "date without a time"
    return "not a date-time"


def unique_deadlines(deadlines: Iterable[Deadline]) -> list[Deadline]:
    """Deadlines without repeats, in time order; the first of equal ones is kept.

    Equal means the same instant and kind, where ai-deadlines' generic "submission" is the
    "paper" deadline another source names at the same instant.
    """
    seen: dict[tuple[str, dt.datetime], Deadline] = {}
    for deadline in deadlines:
        kind = "paper" if deadline.kind == "submission" else deadline.kind
        seen.setdefault((kind, _instant(deadline.at)), deadline)
    return sorted(seen.values(), key=lambda d: (_instant(d.at), d.kind))


def _instant(at: str) -> dt.datetime:
    """A deadline's instant; a plain date (confs.tech's CfP end) as the end of that day, AoE."""
    moment = dt.datetime.fromisoformat(at)
    if moment.tzinfo is None:
        end = dt.datetime.combine(moment.date(), dt.time(23, 59, 59))
        return end.replace(tzinfo=dt.timezone(dt.timedelta(hours=-12)))
    return moment


def cfp_end_date(deadlines: list[Deadline]) -> str | None:
    """The local date of the last call-for-papers deadline, for ``links.cfp_end_date``."""
    dates = [d.at[:10] for d in deadlines if d.kind in _CFP_KINDS]
    return max(dates) if dates else None


def build_event(
    name: str,
    start: str,
    end: str | None,
    url: str | None,
    source: str,
    *,
    deadlines: Iterable[Deadline] = (),
    cfp_url: str | None = None,
    social: Iterable[str] = (),
    **fields: Any,
) -> EventDetail:
    """An EventDetail with its stable id, links and deadlines; ``fields`` are the rest."""
    event_id = stable_id(name, start, url)
    kept = unique_deadlines(deadlines)
    links = EventLinks(
        id=event_id,
        url=url,
        cfp_url=cfp_url,
        cfp_end_date=cfp_end_date(kept),
        social=list(social),
        deadlines=kept,
    )
    return EventDetail(
        id=event_id, name=name, start=start, end=end, source=source, links=links, **fields
    )


def with_unique_ids(events: list[EventDetail]) -> list[EventDetail]:
    """Events with ids made unique: a shared id (same name, start and link) adds the place."""
    counts = Counter(event.id for event in events)
    return [_place_id(event) if counts[event.id] > 1 else event for event in events]


def _place_id(event: EventDetail) -> EventDetail:
    url = event.links.url if event.links else None
    new_id = stable_id(event.name, event.start, f"{url or ''}#{event.locality or ''}")
    links = event.links.model_copy(update={"id": new_id}) if event.links else None
    return event.model_copy(update={"id": new_id, "links": links})


def tag(value: str) -> str:
    """A source's topic as a tag: lower case, words joined by hyphens ("Machine learning")."""
    return "-".join(value.replace("_", " ").split()).casefold()


def read_records(
    files: list[Path], normalise: Callable[[dict[str, Any], SourceRead], EventDetail | None]
) -> SourceRead:
    """Every record of the YAML ``files`` through ``normalise``, ids unique, by start date."""
    read = SourceRead()
    for path in files:
        for record in load_records(path):
            event = normalise(record, read)
            if event is not None:
                read.events.append(event)
    read.events = sorted(with_unique_ids(read.events), key=lambda e: (e.start, e.id))
    return read
