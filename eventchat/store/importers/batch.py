"""What parsing one import file produces: good events, one error per bad record, and counts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from eventchat.errors import ImportRecordError
from eventchat.models import EventDetail


class RecordProblem(Exception):
    """One field of one record is unusable; the driver turns it into an ImportRecordError."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field!r} {problem}")
        self.field = field
        self.problem = problem


class NotAnEvent(Exception):
    """The record is not an event (a ``WebPage`` node in an ``@graph``): skip and count it."""


@dataclass
class ImportBatch:
    """The events parsed from one file, and the records that could not be imported.

    ``format`` names the detected format ("eventchat", "confs.tech", "schema.org", "icalendar");
    ``skipped`` counts records that are not events (a ``WebPage`` node in an ``@graph``).
    """

    path: Path
    format: str
    events: list[EventDetail] = field(default_factory=list)
    errors: list[ImportRecordError] = field(default_factory=list)
    skipped: int = 0
    cancelled: int = 0  # cancelled events, left out (counted, never imported)
    duplicates: int = 0  # records repeating one already read from the file
    # One line each for the person importing: a series cut short, a place not resolved.
    notes: list[str] = field(default_factory=list)
    # Why the file broke off (a cut download): its complete records were read, the import fails.
    incomplete: str | None = None

    def summary(self, *, events: int | None = None, changes: dict[str, int] | None = None) -> str:
        """One line for the person importing: file, format and counts.

        ``events`` is how many events the file gave when they were handed on as it was read
        (a streamed import leaves ``events`` empty), ``changes`` how they compare with what the
        store held (``{"new": 3, "updated": 1, "unchanged": 0}``), shown after the count.
        """
        parts = [_count(len(self.events) if events is None else events, "event")]
        if changes:
            parts[0] += " (" + ", ".join(f"{n:,} {what}" for what, n in changes.items()) + ")"
        if self.errors:
            parts.append(_count(len(self.errors), "bad record"))
        if self.duplicates:
            parts.append(_count(self.duplicates, "duplicate"))
        if self.cancelled:
            parts.append(f"{self.cancelled:,} cancelled")
        if self.skipped:
            parts.append(_count(self.skipped, "non-event record") + " skipped")
        return f"{self.path.name} ({self.format}): " + ", ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


@dataclass(frozen=True)
class RecordRef:
    """Where a record sits in its file, for messages: ``events.json record 3 ("PyCon X")``."""

    file: str
    index: int
    name: str | None = None
    unit: str = "record"

    def label(self) -> str:
        """The record's place in its file, and its name when it has one."""
        named = f' ("{self.name[:60]}")' if self.name else ""
        return f"{self.file} {self.unit} {self.index}{named}"

    def error(self, problem: str) -> ImportRecordError:
        """An ImportRecordError for this record."""
        return ImportRecordError(f"{self.label()}: {problem}")


def record_name(record: Any, *keys: str) -> str | None:
    """A record's name for messages, when it has a usable one."""
    if not isinstance(record, dict):
        return None
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _validation_problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "record"
    return f"{where!r} {first['msg'].lower()}"


def collect(
    batch: ImportBatch,
    items: Iterable[tuple[RecordRef, Any]],
    parse: Callable[[Any], Iterator[EventDetail]],
) -> ImportBatch:
    """Parse each record with ``parse``; keep its events or one error naming record and field.

    Events whose id an earlier record already produced are reported, not silently merged: two
    records of one file claiming one id is a mistake in the file.
    """
    seen: dict[str, RecordRef] = {}
    for ref, record in items:
        try:
            events = list(parse(record))
        except NotAnEvent:
            batch.skipped += 1
            continue
        except RecordProblem as exc:
            batch.errors.append(ref.error(str(exc)))
            continue
        except ValidationError as exc:
            batch.errors.append(ref.error(_validation_problem(exc)))
            continue
        for event in events:
            if event.id in seen:
                if seen[event.id] != ref:
                    batch.errors.append(ref.error(f"same id as {seen[event.id].label()}"))
                continue
            seen[event.id] = ref
            batch.events.append(event)
    return batch
