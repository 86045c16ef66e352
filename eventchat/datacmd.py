"""The cores of ``eventchat data import|stats|update``: each opens the store, works, reports."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from eventchat.settings import Settings

if TYPE_CHECKING:
    from eventchat.store.stats import StoreStats


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def run_update(settings: Settings, *, years: list[int] | None = None) -> int:
    """Download this year's and next year's confs.tech files and upsert them; return the count."""
    import httpx2
    from rich.console import Console
    from rich.progress import Progress

    from eventchat.store import open_store
    from eventchat.store.sources.update import TOPICS, UpdateReport, fetch_confs_tech

    today = settings.effective_today()
    wanted = years or [today.year, today.year + 1]
    console = Console(stderr=True, no_color=settings.no_color)

    async def download() -> UpdateReport:
        timeout = httpx2.Timeout(settings.api_timeout)
        async with httpx2.AsyncClient(timeout=timeout, follow_redirects=True) as http:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("Downloading confs.tech", total=len(wanted) * len(TOPICS))
                report = await fetch_confs_tech(
                    http,
                    settings.data_update_url,
                    wanted,
                    advance=lambda: progress.advance(task),
                )
        return report

    report = asyncio.run(download())
    for problem in report.problems:
        _err(f"eventchat: warning: {problem}")
    store = open_store(settings.database)
    try:
        written = store.upsert(report.events)
        if report.files:
            from eventchat.freshness import UPDATED_KEY

            store.set_meta(UPDATED_KEY.format("confs.tech"), today.isoformat())
    finally:
        store.close()
    years_text = ", ".join(str(y) for y in wanted)
    _err(
        f"updated {written:,} events from {report.files} files for {years_text}"
        f" ({report.missing} topic files not published)"
    )
    return written


def database_label(settings: Settings) -> str:
    """The database a data command works on, for messages."""
    if settings.database:
        return settings.database
    from eventchat.store import default_database_path

    return str(default_database_path())


def run_import(settings: Settings, paths: list[Path]) -> int:
    """Import every file; one line per bad record or unusable file, one summary per file.

    Returns the number of unusable files (the CLI exits 1 when any file could not be read).
    """
    from eventchat.errors import UsageError
    from eventchat.store import open_store
    from eventchat.store.importers import ImportBatch, parse_file

    today = settings.effective_today()
    batches: list[ImportBatch] = []
    failed = 0
    for path in resolve_files(paths):
        try:
            batches.append(parse_file(path, today=today))
        except UsageError as exc:
            failed += 1
            _err(f"eventchat: skipped file: {exc}")
    skipped = 0
    for batch in batches:
        for error in batch.errors:
            _err(f"eventchat: skipped: {error}")
        skipped += len(batch.errors)
        _err(batch.summary())
    store = open_store(settings.database)
    try:  # one write, so a large SQLite database ranks its frequent terms once, not per file
        imported = store.upsert([event for batch in batches for event in batch.events])
    finally:
        store.close()
    _err(f"imported {imported:,} events, skipped {skipped:,} bad records from {len(batches)} files")
    return failed


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
    """List the bundled sources: licence, home, the date of their data, events, upcoming."""
    from eventchat.freshness import source_dates, stale_line
    from eventchat.store import open_store
    from eventchat.store.sources.bundled import dataset_meta, read_dataset

    today = settings.effective_today()
    store = open_store(settings.database)
    try:
        dates = {d.name: d for d in source_dates(store.meta)}
    finally:
        store.close()
    events = list(read_dataset())
    for source in dataset_meta()["sources"]:
        mine = [e for e in events if source["name"] in (e.source or "").split(", ")]
        soon = sum((e.end or e.start)[:10] >= today.isoformat() for e in mine)
        date = dates[source["name"]]
        how = "updated" if date.updated else "bundled"
        sys.stdout.write(
            f"{source['name']:<17} {source['licence']} (c) {source['copyright']} · "
            f"{source['home']}\n    data of {date.day.isoformat()} ({how}) · "
            f"{len(mine):,} events · {soon} upcoming on {today.isoformat()}\n"
        )
    if line := stale_line(list(dates.values()), today):
        _err(line)
