"""``eventchat data update``: fetch this year's and next year's confs.tech topic files.

The files live at ``{base_url}/{year}/{topic}.json`` (the layout of tech-conferences/
conference-data); a topic with no file for a year answers 404 and is skipped. Rows are normalised
and merged exactly as the bundled dataset is, then upserted, so "upcoming" stays meaningful
between releases.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx2

from eventchat.errors import StoreError
from eventchat.models import EventDetail
from eventchat.store.sources.confstech import merge_events, normalise_row

# The topic files of conference-data; a missing one is skipped, so the list may run ahead.
TOPICS = (
    "accessibility",
    "android",
    "api",
    "clojure",
    "cpp",
    "css",
    "data",
    "devops",
    "dotnet",
    "elixir",
    "general",
    "golang",
    "graphql",
    "groovy",
    "ios",
    "iot",
    "java",
    "javascript",
    "kotlin",
    "leadership",
    "networking",
    "opensource",
    "performance",
    "php",
    "product",
    "python",
    "ruby",
    "rust",
    "scala",
    "security",
    "sre",
    "tech-comm",
    "testing",
    "typescript",
    "ux",
)
CONCURRENCY = 6


@dataclass
class UpdateReport:
    """What an update fetched: files found, files missing, events read, bad files."""

    files: int = 0
    missing: int = 0
    events: list[EventDetail] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def _fetch_one(
    http: httpx2.AsyncClient, url: str, topic: str, report: UpdateReport
) -> list[EventDetail]:
    try:
        response = await http.get(url)
    except httpx2.TransportError as exc:
        raise StoreError(
            f"cannot download {url} ({exc or type(exc).__name__}) — are you online? "
            "The bundled data still works."
        ) from exc
    if response.status_code == 404:
        report.missing += 1
        return []
    if response.is_error:
        raise StoreError(f"{url} answered {response.status_code} — try again later")
    try:
        rows = json.loads(response.content)
        events = [normalise_row(row, topic) for row in rows]
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"{url}: not a confs.tech topic file ({exc})")
        return []
    report.files += 1
    return events


async def fetch_confs_tech(
    http: httpx2.AsyncClient,
    base_url: str,
    years: Sequence[int],
    *,
    topics: Sequence[str] = TOPICS,
    advance: Callable[[], None] = lambda: None,
) -> UpdateReport:
    """Download every topic file of ``years``, a few at a time; merge duplicates across topics."""
    report = UpdateReport()
    limit = asyncio.Semaphore(CONCURRENCY)
    base = base_url.rstrip("/")

    async def one(year: int, topic: str) -> list[EventDetail]:
        async with limit:
            events = await _fetch_one(http, f"{base}/{year}/{topic}.json", topic, report)
        advance()
        return events

    batches = await asyncio.gather(*(one(y, t) for y in years for t in topics))
    report.events = merge_events(e for batch in batches for e in batch)
    return report
