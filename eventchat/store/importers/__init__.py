"""Importers for ``eventchat data import``: files in, EventDetail records and per-record errors out.

A pure parsing layer, no database: :func:`parse_file` reads one file, detects its format from
the content (the extension only breaks no ties), and returns an :class:`ImportBatch` with the
good events and one :class:`~eventchat.errors.ImportRecordError` per bad record, whose message
names the file, the record and the field (``events.json record 3 ("PyCon X"): 'start' is not a
date``). The caller upserts ``batch.events``, prints each error on a line and the counts.

Formats and the ``source`` each sets:

    eventchat JSON / JSONL   the record's own source, else "import:eventchat"; ids kept
                             (a JSON line may also be a schema.org node or a confs.tech row)
    confs.tech JSON          "confs.tech", the bundled dataset's ids (re-import updates them)
    schema.org JSON-LD/HTML  "import:schema.org"; ids from @id/identifier, else stable_id
    iCalendar .ics           "import:icalendar"; ids from UID (+ occurrence), else stable_id

Organizer e-mail addresses and phone numbers are never stored (:mod:`.privacy`).
A file that cannot be read or is no known format raises :class:`~eventchat.errors.UsageError`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eventchat.errors import UsageError
from eventchat.models import EventDetail
from eventchat.store.importers import confs, html, ical, jsonld, native
from eventchat.store.importers.batch import ImportBatch, RecordRef, collect
from eventchat.store.importers.privacy import scrub

__all__ = ["FORMATS", "ImportBatch", "RecordRef", "parse_file", "parse_text", "scrub"]

FORMATS = ("eventchat", "confs.tech", "schema.org", "icalendar")
_KNOWN = "eventchat JSON or JSONL, confs.tech JSON, schema.org JSON-LD (or HTML with it), iCalendar"


def parse_file(path: Path, *, today: dt.date | None = None) -> ImportBatch:
    """Parse one import file; ``today`` centres the window recurring events expand in."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text — save it as UTF-8 and import again") from None
    return parse_text(content, path, today=today)


def parse_text(content: str, path: Path, *, today: dt.date | None = None) -> ImportBatch:
    """Parse a file's text; ``path`` names it in messages and gives confs.tech its topic."""
    file = path.name
    if ical.looks_like_ical(content):
        when = today or dt.date.today()
        batch = ImportBatch(path, ical.FORMAT)
        return collect(batch, ical.records(file, content), lambda s: ical.parse_series(s, when))
    if html.looks_like_html(content):
        return _html(content, path)
    try:
        payload: Any = json.loads(content)
    except RecursionError:
        raise UsageError(f"{file}: JSON nested too deeply to import") from None
    except ValueError:
        return _jsonl(content, path)
    return _json(payload, path)


def _json(payload: Any, path: Path) -> ImportBatch:
    file = path.name
    if isinstance(payload, (dict, list)) and jsonld.looks_like_jsonld(payload):
        found = jsonld.nodes(payload)
        return collect(
            ImportBatch(path, jsonld.FORMAT), jsonld.records(file, found), jsonld.parse_node
        )
    if _looks_like_confs_tech(payload):
        topic = confs.topic_of(path)
        items = native.json_records(file, payload)
        return collect(ImportBatch(path, confs.FORMAT), items, lambda r: confs.parse_row(r, topic))
    if not isinstance(payload, (dict, list)):
        raise UsageError(f"{file}: a JSON {type(payload).__name__}, not events — expected {_KNOWN}")
    items = native.json_records(file, payload)
    return collect(ImportBatch(path, native.FORMAT), items, native.parse_record)


def _looks_like_confs_tech(payload: Any) -> bool:
    """A list whose objects carry confs.tech's ``startDate`` rather than eventchat's ``start``."""
    if not isinstance(payload, list):
        return False
    rows = [item for item in payload if isinstance(item, dict)]
    confs_rows = sum("startDate" in row and "start" not in row for row in rows)
    return confs_rows > 0 and confs_rows * 2 >= len(rows)


def _jsonl(content: str, path: Path) -> ImportBatch:
    lines = content.splitlines()
    first = next((line for line in lines if line.strip()), "")
    try:
        opening = json.loads(first)
    except (ValueError, RecursionError):
        opening = None
    if not isinstance(opening, dict):
        raise UsageError(f"{path.name} is not a format eventchat can import — expected {_KNOWN}")
    items = native.jsonl_records(path.name, lines)
    return collect(ImportBatch(path, native.FORMAT), items, _jsonl_record)


def _jsonl_record(record: Any) -> Iterator[EventDetail]:
    """A JSON line in whichever shape it has: eventchat, schema.org or a confs.tech row."""
    if isinstance(record, dict) and jsonld.looks_like_jsonld(record):
        return jsonld.parse_node(record)
    if _looks_like_confs_tech([record]):
        return confs.parse_row(record, None)
    return native.parse_record(record)


def _html(content: str, path: Path) -> ImportBatch:
    blocks = html.ld_json_blocks(content)
    if not blocks:
        raise UsageError(
            f"{path.name}: an HTML page without schema.org JSON-LD — nothing to import"
        )
    found: list[Any] = []
    batch = ImportBatch(path, jsonld.FORMAT)
    for number, block in enumerate(blocks, start=1):
        try:
            found.extend(jsonld.nodes(json.loads(block)))
        except (ValueError, RecursionError):
            ref = RecordRef(path.name, number, unit="JSON-LD block")
            batch.errors.append(ref.error("is not valid JSON"))
    return collect(batch, jsonld.records(path.name, found), jsonld.parse_node)
