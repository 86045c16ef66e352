"""Importers for ``eventchat data import``: files in, EventDetail records and per-record errors out.

A pure parsing layer, no database: :func:`parse_file` reads one file, detects its format from
the content (the extension only breaks no ties), and returns an :class:`ImportBatch` with the
good events and one :class:`~eventchat.errors.ImportRecordError` per bad record, whose message
names the file, the record and the field (``events.json record 3 ("PyCon X"): 'start' is not a
date``). The caller upserts ``batch.events``, prints each error on a line and the counts.

:func:`stream_file` does the same but hands the events on ``chunk`` at a time as it goes, so that
the caller can write each chunk and let it go: eventchat JSON Lines is read line by line (memory
for one chunk, plus the ids read so far to catch repeats, whatever the file's size); the other
formats (one JSON document, iCalendar, HTML) are read whole, once, then handed on in chunks.

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
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from eventchat.errors import UsageError
from eventchat.models import EventDetail
from eventchat.store.importers import confs, html, ical, jsonld, native
from eventchat.store.importers.batch import (
    ImportBatch,
    RecordProblem,
    RecordRef,
    collect,
    record_name,
)
from eventchat.store.importers.privacy import scrub

__all__ = [
    "CHUNK",
    "FORMATS",
    "ImportBatch",
    "RecordRef",
    "parse_file",
    "parse_text",
    "scrub",
    "stream_file",
]

FORMATS = ("eventchat", "confs.tech", "schema.org", "icalendar")
_KNOWN = "eventchat JSON or JSONL, confs.tech JSON, schema.org JSON-LD (or HTML with it), iCalendar"


CHUNK = 5_000  # events stream_file hands on at a time: one store write each
_PROGRESS_EVERY = 1 << 20  # bytes read between two progress reports
_BOM = b"\xef\xbb\xbf"

Write = Callable[[list[EventDetail]], None]
"""Takes one chunk of a file's events (the caller's store write)."""
Progress = Callable[[int], None]
"""Told how many bytes of the file have been read so far."""


def parse_file(path: Path, *, today: dt.date | None = None) -> ImportBatch:
    """Parse one import file; ``today`` centres the window recurring events expand in."""
    return stream_file(path, today=today)


def stream_file(
    path: Path,
    *,
    today: dt.date | None = None,
    write: Write | None = None,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> ImportBatch:
    """Parse one import file, handing its events to ``write`` ``chunk`` at a time, in file order.

    JSON Lines (a first line that is a JSON object, then more) is read line by line; any other
    file is read whole. Without ``write`` the events stay in ``batch.events`` (what
    :func:`parse_file` returns); with it ``batch.events`` ends empty and the batch keeps the
    errors and counts. A ``write`` that raises stops the parsing: the chunks it took before stay
    taken. ``progress`` hears the bytes read so far now and then, and once at the end.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        try:
            return _stream(handle, path, today, write, chunk, progress)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _stream(
    handle: IO[bytes],
    path: Path,
    today: dt.date | None,
    write: Write | None,
    chunk: int,
    progress: Progress | None,
) -> ImportBatch:
    lines = _Lines(handle, progress)
    head, opening, more = _opening(lines)
    if more:
        return _stream_jsonl(path, itertools.chain(head, lines), write, chunk, lines)
    if opening is not None:  # one JSON object alone in the file: already read
        batch = _json(opening, path)
        lines.finish()
    else:
        batch = parse_text(_whole_text(handle, head, lines, path), path, today=today)
    if write is not None:
        events, batch.events = batch.events, []
        for start in range(0, len(events), chunk):
            write(events[start : start + chunk])
    return batch


def _opening(lines: _Lines) -> tuple[list[tuple[int, bytes]], dict[str, Any] | None, bool]:
    """Read up to a file's second record: the lines read, the first record when it is a JSON
    object, and whether another record follows it (then the file is JSON Lines).

    When the first record is no JSON object the file is read whole (see _whole_text).
    """
    head: list[tuple[int, bytes]] = []
    opening: dict[str, Any] | None = None
    for number, line in lines:
        head.append((number, line))
        if not line.strip():
            continue
        if opening is not None:
            return head, opening, True
        opening = _opening_object(line)
        if opening is None:
            return head, None, False
    return [], opening, False


def _opening_object(line: bytes) -> dict[str, Any] | None:
    """The first non-blank line as a JSON object, or None when it is anything else."""
    if not line.lstrip().startswith(b"{"):
        return None
    try:
        value = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return value if isinstance(value, dict) else None


def _whole_text(handle: IO[bytes], head: list[tuple[int, bytes]], lines: _Lines, path: Path) -> str:
    """The whole file's text, decoded once: its bytes, and the ``head`` lines already read
    (emptied here), are let go before anything parses it. A pipe is read on from ``head``."""
    if handle.seekable():
        head.clear()
        handle.seek(0)
        raw = handle.read()
    else:
        raw = b"".join(line for _, line in head) + handle.read()
        head.clear()
    lines.finish(len(raw))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text — save it as UTF-8 and import again") from None


class _Lines:
    """The lines of a file read in binary, numbered from 1, telling ``progress`` the bytes read."""

    def __init__(self, handle: IO[bytes], progress: Progress | None) -> None:
        self._lines = iter(handle)
        self._progress = progress
        self._number = 0
        self._read = 0
        self._told = 0

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return self

    def __next__(self) -> tuple[int, bytes]:
        line = next(self._lines)
        self._number += 1
        self._read += len(line)
        if self._number == 1 and line.startswith(_BOM):
            line = line[len(_BOM) :]
        if self._progress is not None and self._read - self._told >= _PROGRESS_EVERY:
            self._told = self._read
            self._progress(self._read)
        return self._number, line

    def finish(self, size: int | None = None) -> None:
        """Tell ``progress`` the whole file was read (``size`` bytes, when read otherwise)."""
        if self._progress is not None:
            self._progress(self._read if size is None else size)


class _Handed(list[EventDetail]):
    """``batch.events`` while a file streams: every ``size`` events appended go to ``write``
    and are let go, so the batch never holds more than one chunk."""

    def __init__(self, write: Write, size: int) -> None:
        super().__init__()
        self._write = write
        self._size = max(1, size)

    def append(self, event: EventDetail, /) -> None:
        super().append(event)
        if len(self) >= self._size:
            self.flush()

    def extend(self, events: Iterable[EventDetail], /) -> None:
        for event in events:
            self.append(event)

    def flush(self) -> None:
        """Hand on what is held."""
        if self:
            events = list(self)
            self.clear()
            self._write(events)


def _stream_jsonl(
    path: Path,
    lines: Iterable[tuple[int, bytes]],
    write: Write | None,
    chunk: int,
    reader: _Lines,
) -> ImportBatch:
    """A JSON Lines file, one line at a time, its events handed to ``write`` as they come."""
    sink = _Handed(write, chunk) if write is not None else None
    batch = ImportBatch(path, native.FORMAT, events=sink if sink is not None else [])
    once = _Once(batch)
    records = _line_records(path.name, lines)
    # collect remembers every id it read: given one chunk of records at a time it forgets them
    # after each, and _Once alone (a few bytes an event) keeps each id once across the file.
    for first in records:
        collect(batch, itertools.chain((first,), itertools.islice(records, chunk - 1)), once)
    reader.finish()
    if sink is not None:
        sink.flush()
        batch.events = []
    return batch


def parse_text(content: str, path: Path, *, today: dt.date | None = None) -> ImportBatch:
    """Parse a file's text; ``path`` names it in messages and gives confs.tech its topic."""
    file = path.name
    if ical.looks_like_ical(content):
        when = today or dt.date.today()
        batch = ImportBatch(path, ical.FORMAT)
        return collect(
            batch, ical.records(file, content, batch), lambda s: ical.parse_series(s, when)
        )
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
        return jsonld.collect_nodes(ImportBatch(path, jsonld.FORMAT), file, jsonld.nodes(payload))
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
    items = _line_records(path.name, enumerate(lines, start=1))
    batch = ImportBatch(path, native.FORMAT)
    return collect(batch, items, _Once(batch))


_Line = tuple[RecordRef, Any]
"""A JSON line's place in its file and its value (or a stand-in for a line that is none)."""


def _line_records(
    file: str, lines: Iterable[tuple[int, str | bytes]]
) -> Iterator[tuple[RecordRef, _Line]]:
    """Records of a JSON Lines file, numbered by line; a line that is not JSON (or not UTF-8)
    is a bad record, blank lines are no record. Each record carries its place for _Once."""
    for number, line in lines:
        if not line.strip():
            continue
        item = _json_line(line)
        ref = RecordRef(file, number, record_name(item, "name"), unit="line")
        yield ref, (ref, item)


def _json_line(line: str | bytes) -> Any:
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            return _NotUTF8()
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return _NotJSON()


class _NotJSON:
    """Stands in for a line that did not parse, so the line is reported like any bad record."""


class _NotUTF8:
    """Stands in for a line that is not UTF-8 text."""


_DIGEST = (1 << 64) - 1


class _Once:
    """Parses JSON lines so that each id is imported once per file, remembering a few bytes an
    id (the line that gave it and a digest of its event) rather than the records.

    An event equal to one an earlier line gave is dropped, and a line that gives nothing new is
    counted in ``batch.duplicates`` (a line pasted twice, two exports joined); another event
    under an id already read is a bad record naming the line that had it first.
    """

    def __init__(self, batch: ImportBatch) -> None:
        self._batch = batch
        self._seen: dict[str, int] = {}  # id -> line << 64 | digest of the event

    def __call__(self, line: _Line) -> Iterator[EventDetail]:
        ref, record = line
        events = list(_jsonl_record(record))
        fresh = []
        for event in events:
            digest = hash(event.model_dump_json()) & _DIGEST
            earlier = self._seen.get(event.id)
            if earlier is None:
                self._seen[event.id] = ref.index << 64 | digest
                fresh.append(event)
            elif earlier & _DIGEST != digest:
                first = RecordRef(ref.file, earlier >> 64, unit=ref.unit)
                self._batch.errors.append(ref.error(f"same id as {first.label()}"))
                return iter(())
        if events and not fresh:
            self._batch.duplicates += 1
        return iter(fresh)


def _jsonl_record(record: Any) -> Iterator[EventDetail]:
    """A JSON line in whichever shape it has: eventchat, schema.org or a confs.tech row."""
    if isinstance(record, _NotUTF8):
        raise RecordProblem("line", "is not UTF-8 text")
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
    return jsonld.collect_nodes(batch, path.name, found, base=html.page_url(content))
