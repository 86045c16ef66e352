"""The cores of ``eventchat data import|stats|update``: each opens the store, works, reports."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eventchat.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from eventchat.models import EventDetail
    from eventchat.store.base import Store
    from eventchat.store.importers import ImportBatch
    from eventchat.store.sources.update import Tracker, UpdateResult
    from eventchat.store.stats import StoreStats


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _update(settings: Settings, names: Sequence[str], track: Tracker | None = None) -> UpdateResult:
    from eventchat.store import open_store
    from eventchat.store.sources.fetch import cache_file
    from eventchat.store.sources.update import update_sources

    urls = {"confs.tech": settings.data_update_url, **settings.source_urls}
    store = open_store(settings.database)
    try:
        return update_sources(
            store,
            names,
            today=settings.effective_today(),
            urls=urls,
            timeout=settings.api_timeout,
            cache=cache_file(),
            track=track,
        )
    finally:
        store.close()


def run_update(settings: Settings, names: Sequence[str] = ()) -> UpdateResult:
    """Update the named sources (every enabled one when none is): one line per source, a
    progress bar on a terminal, a summary; a failed source keeps its last good data."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True, no_color=settings.no_color)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:

        def track(name: str, requests: int) -> Callable[[], None]:
            task = progress.add_task(f"{name:<18}", total=requests)
            return lambda: progress.advance(task)

        result = _update(settings, names, track)
    for report in result.reports:
        for problem in report.download.problems if report.download else []:
            _err(f"eventchat: warning: {problem}")
        _err(report.line())
    _err(result.summary())
    return result


def update_quietly(settings: Settings) -> str:
    """Update every enabled source without writing to the terminal; return a one-line summary.

    For the REPL's background ``auto_update``. Raises EventchatError when no source could be
    updated.
    """
    from eventchat.errors import StoreError

    result = _update(settings, ())
    if result.reports and len(result.failed) == len(result.reports):
        raise StoreError(result.failed[0].line())
    return result.summary()


def database_label(settings: Settings) -> str:
    """The database a data command works on, for messages."""
    if settings.database:
        return settings.database
    from eventchat.store import default_database_path

    return str(default_database_path())


IMPORT_KEPT = (
    "they are kept (the import writes {chunk:,} at a time), and importing the same files again "
    "finishes the job, finding those unchanged"
)


@dataclass
class _Tally:
    """How the events of one file (or of all) compare with what the store held before."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def events(self) -> int:
        return self.new + self.updated + self.unchanged

    def changes(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged}

    def add(self, other: _Tally) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


def _write_chunk(store: Store, events: list[EventDetail], tally: _Tally) -> None:
    """Upsert one chunk of a file's events, counting each as new, updated or unchanged.

    Which ids the store holds comes from one ``links`` call per chunk; only an event it holds is
    read back (``get``) to tell an update from a repeat, compared as the row it would write.
    """
    from eventchat.store.rows import to_row

    held = {links.id for links in store.links([event.id for event in events])}
    for event in events:
        if event.id not in held:
            tally.new += 1
            continue
        before = store.get(event.id)
        if before is not None and to_row(before, "import") == to_row(event, "import"):
            tally.unchanged += 1
        else:
            tally.updated += 1
    store.upsert(events)


def run_import(
    settings: Settings,
    paths: list[Path],
    *,
    zone: str | None = None,
    chunk: int | None = None,
) -> int:
    """Import every file, streaming: each file's events are written ``chunk`` at a time as they
    are read (eventchat JSON Lines line by line), so memory stays flat at any size.

    One line per bad record or unusable file, each file's notes, one summary per file and one
    for all; a progress bar (bytes read) on a terminal. ``zone`` is the ``--tz`` zone that
    times without their own zone are read in. A stop (Ctrl-C, a failed write) keeps the chunks
    already written, and says so. Returns the number of unusable files (the CLI exits 1 then).
    """
    from rich.console import Console

    from eventchat.errors import EventchatError
    from eventchat.store import open_store
    from eventchat.store.importers import CHUNK
    from eventchat.store.importers.places import IMPORT_ZONE

    files = resolve_files(paths)
    console = Console(stderr=True, no_color=settings.no_color)
    store = open_store(settings.database)
    token = IMPORT_ZONE.set(zone)
    run = _Import(store, settings.effective_today(), chunk or CHUNK)
    try:
        with _progress(console) as progress:
            task = progress.add_task("importing", total=sum(map(_size_of, files)) or None, events=0)
            for path in files:
                run.file(path, progress, task)
    except (KeyboardInterrupt, EventchatError):
        if run.total.events:
            changes = ", ".join(f"{n:,} {what}" for what, n in run.total.changes().items())
            _err(
                f"eventchat: stopped after writing {_plural(run.total.events, 'event')} "
                f"({changes}); " + IMPORT_KEPT.format(chunk=run.chunk)
            )
        raise
    finally:
        store.close()
        IMPORT_ZONE.reset(token)
    _err(run.line())
    return run.failed


def _progress(console: Console) -> Progress:
    """The bar of ``data import``: the file, bytes read of all files, events, time left; on a
    terminal only."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[events]:>9,} events"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


class _Import:
    """One ``data import`` run: files read and written one after another, counts kept."""

    def __init__(self, store: Store, today: dt.date, chunk: int) -> None:
        self.store = store
        self.today = today
        self.chunk = chunk
        self.batches: list[ImportBatch] = []
        self.total = _Tally()
        self.failed = 0
        self._done = 0  # bytes of the files already read

    def file(self, path: Path, progress: Progress, task: TaskID) -> None:
        """Import one file, writing its events a chunk at a time; print its lines."""
        from eventchat.errors import UsageError
        from eventchat.store.importers import stream_file

        tally = _Tally()
        done = self._done
        progress.update(task, description=path.name[:30])

        def write(events: list[EventDetail]) -> None:
            _write_chunk(self.store, events, tally)
            progress.update(task, events=self.total.events + tally.events)

        def read(n: int) -> None:
            progress.update(task, completed=done + n)

        try:
            batch = stream_file(
                path, today=self.today, write=write, chunk=self.chunk, progress=read
            )
        except UsageError as exc:
            self.failed += 1
            _err(f"eventchat: skipped file: {exc}")
            return
        finally:
            self.total.add(tally)
            self._done += _size_of(path)
        self.batches.append(batch)
        if batch.incomplete is not None:
            self.failed += 1  # its complete events are kept; the exit status still says so
        for error in batch.errors:
            _err(f"eventchat: skipped: {error}")
        for note in batch.notes:
            _err(f"{path.name}: {note}")
        _err(batch.summary(events=tally.events, changes=tally.changes()))

    def line(self) -> str:
        """``imported 200,000 events from 1 file: 199,000 new, …; skipped 3 bad records, …``."""
        batches = self.batches
        bad = sum(len(batch.errors) for batch in batches)
        duplicates = sum(batch.duplicates for batch in batches)
        cancelled = sum(batch.cancelled for batch in batches)
        other = sum(batch.skipped for batch in batches)
        changes = ", ".join(f"{n:,} {what}" for what, n in self.total.changes().items())
        skipped = [
            _plural(bad, "bad record"),
            _plural(duplicates, "duplicate"),
            f"{cancelled:,} cancelled",
        ]
        if other:
            skipped.append(_plural(other, "non-event record"))
        return (
            f"imported {_plural(self.total.events, 'event')} from "
            f"{_plural(len(batches), 'file')}: {changes}; skipped {', '.join(skipped)}"
        )


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def resolve_files(paths: list[Path]) -> list[Path]:
    """Expand directories to the files in them (sorted), keep files as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        else:
            files.append(path)
    return files


def _top(counts: dict[str, int], n: int) -> str:
    items = list(counts.items())
    shown = " · ".join(f"{key} {value:,}" for key, value in items[:n])
    more = f" · … {len(items) - n} more" if len(items) > n else ""
    return (shown + more) or "-"


def format_stats(stats: StoreStats, *, top: int = 15) -> str:
    """The human summary of ``eventchat data stats``."""
    span = f"{stats.first_start} … {stats.last_start}" if stats.first_start else "no dates"
    return "\n".join(
        [
            f"{stats.events:,} events ({span}); {stats.upcoming:,} upcoming on {stats.today};"
            f" {stats.online:,} online",
            f"sources:   {_top(stats.by_source, top)}",
            f"years:     {_top(stats.by_year, 50)}",
            f"countries: {_top(stats.by_country, top)}",
            f"tags:      {_top(stats.by_tag, top)}",
        ]
    )


def run_stats(settings: Settings, *, as_json: bool) -> None:
    """Print the store's statistics, as text or one JSON document."""
    from eventchat.freshness import source_dates, stale_line
    from eventchat.store import open_store

    today = settings.effective_today()
    store = open_store(settings.database)
    try:
        stats = store.stats(today)
        dates = source_dates(store.meta)
    finally:
        store.close()
    if as_json:
        sys.stdout.write(stats.model_dump_json(indent=2) + "\n")
        return
    sys.stdout.write(format_stats(stats) + "\n")
    data = ", ".join(f"{d.name} {d.day.isoformat()}" for d in dates)
    sys.stdout.write(f"data of:   {data}\n")
    if line := stale_line(dates, today):
        _err(line)


def run_sources(settings: Settings) -> None:
    """List the sources: licence, home, the date of their data, events, upcoming; then the
    ones a person enabled or added."""
    from eventchat.freshness import UPDATED_KEY, source_dates, stale_line
    from eventchat.store import open_store
    from eventchat.store.sources.bundled import bundled_groups, dataset_meta
    from eventchat.store.sources.update import extra_sources, load_copy

    today = settings.effective_today()
    store = open_store(settings.database)
    try:
        dates = {d.name: d for d in source_dates(store.meta)}
        bundled = bundled_groups() if store.meta("dataset_version") else {}
        # Each source's events as it last gave them: its bundled ones, then its last download.
        mine = {
            name: list(
                (
                    {e.id: e for e in events} | {e.id: e for e in load_copy(store.meta, name)}
                ).values()
            )
            for name, events in bundled.items()
        }
        extra = extra_sources(store.meta)
        extra_rows = [
            (name, entry, load_copy(store.meta, name), store.meta(UPDATED_KEY.format(name)))
            for name, entry in extra.items()
        ]
    finally:
        store.close()
    for source in dataset_meta()["sources"]:
        events = mine.get(source["name"], [])
        date = dates[source["name"]]
        how = "updated" if date.updated else "bundled"
        sys.stdout.write(
            f"{source['name']:<17} {source['licence']} (c) {source['copyright']} · "
            f"{source['home']}\n    data of {date.day.isoformat()} ({how}) · "
            f"{len(events):,} events · {_upcoming(events, today)} upcoming on {today.isoformat()}\n"
        )
    for name, entry, copy, updated in extra_rows:
        what = DEVELOPERS_EVENTS_LICENCE if entry.get("kind") == "developers.events" else "feed"
        where = entry.get("url") or "https://developers.events"
        data = f"data of {updated}" if updated else "not downloaded yet: run eventchat data update"
        sys.stdout.write(
            f"{name:<17} {what} · {where}\n    {data} · {len(copy):,} events · "
            f"{_upcoming(copy, today)} upcoming on {today.isoformat()}\n"
        )
    if line := stale_line(list(dates.values()), today):
        _err(line)


def _upcoming(events: Sequence[EventDetail], today: dt.date) -> int:
    return sum((e.end or e.start)[:10] >= today.isoformat() for e in events)


DEVELOPERS_EVENTS_LICENCE = "CC BY-NC 4.0 (non-commercial use only)"
_DEVELOPERS_EVENTS_TERMS = (
    "developers.events (https://developers.events, github scraly/developers-conferences-agenda)\n"
    "lists thousands of developer conferences. Its data is licensed CC BY-NC 4.0\n"
    "(https://creativecommons.org/licenses/by-nc/4.0/): you may use it for non-commercial\n"
    "purposes only, and must credit developers.events. eventchat never bundles it: once enabled,\n"
    "`eventchat data update` downloads it into your events database."
)
_FEED_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")


def run_enable(settings: Settings, name: str, *, accept: bool) -> None:
    """Enable developers.events after showing its licence and asking once."""
    from eventchat.errors import UsageError
    from eventchat.store import open_store
    from eventchat.store.sources.update import DEVELOPERS_EVENTS, extra_sources, record_source

    if name != DEVELOPERS_EVENTS:
        raise UsageError(
            f"{name!r} cannot be enabled: the bundled sources always are, and your own feeds "
            "are added with `eventchat data sources add NAME URL`"
        )
    store = open_store(settings.database)
    try:
        if name in extra_sources(store.meta):
            _err(f"{name} is already enabled; `eventchat data update {name}` refreshes it")
            return
        _err(_DEVELOPERS_EVENTS_TERMS)
        if not accept:
            if not sys.stdin.isatty():
                raise UsageError("to accept its licence without a prompt, add --yes")
            import typer

            if not typer.confirm("Accept its licence and enable it?", default=False, err=True):
                _err("not enabled")
                return
        today = settings.effective_today().isoformat()
        record_source(store, name, {"kind": name, "since": today})
    finally:
        store.close()
    _err(f"enabled {name}: run `eventchat data update {name}` to download it now")


def run_add(settings: Settings, name: str, url: str) -> None:
    """Add a person's feed and download it; a feed whose first download fails is not kept."""
    from urllib.parse import urlsplit

    from eventchat.errors import UsageError
    from eventchat.store import open_store
    from eventchat.store.sources.update import DEFAULT_URLS, extra_sources, record_source

    if not _FEED_NAME.fullmatch(name):
        raise UsageError(
            f"invalid source name {name!r}: use up to 40 lower-case letters, digits, '.', '-', '_'"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"invalid feed URL {url!r}: give an http:// or https:// address")
    store = open_store(settings.database)
    try:
        if name in DEFAULT_URLS or name in extra_sources(store.meta):
            raise UsageError(f"a source named {name!r} exists — pick another name")
        since = settings.effective_today().isoformat()
        record_source(store, name, {"kind": "feed", "url": url, "since": since})
    finally:
        store.close()
    result = run_update(settings, [name])
    if result.failed:
        store = open_store(settings.database)
        try:
            record_source(store, name, None)
        finally:
            store.close()
        raise UsageError(f"{name} was not added: check the URL, then add it again")


def run_remove(settings: Settings, name: str) -> None:
    """Remove a person's feed (or developers.events) and delete the events only it gave."""
    import json

    from eventchat.errors import UsageError
    from eventchat.store import open_store
    from eventchat.store.sources.update import (
        BUNDLED,
        COPY_KEY,
        SOURCES_KEY,
        extra_sources,
    )

    if name in BUNDLED:
        raise UsageError(f"{name} is bundled with eventchat and cannot be removed")
    store = open_store(settings.database)
    try:
        extra = extra_sources(store.meta)
        if name not in extra:
            known = ", ".join(extra) or "none"
            raise UsageError(f"no source named {name!r} was added (added: {known})")
        del extra[name]
        ids = store.ids_from(name)
        meta = {SOURCES_KEY: json.dumps(extra, sort_keys=True), COPY_KEY.format(name): ""}
        store.upsert([], remove=ids, meta=meta)
    finally:
        store.close()
    _err(f"removed {name} and its {len(ids):,} events")
