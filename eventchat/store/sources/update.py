"""``eventchat data update``: every enabled source downloaded at once, merged, written in one go.

The sources are the four bundled ones, developers.events once a person enables it (its licence
forbids bundling it) and a person's own feeds; the ones enabled or added are recorded in the
store's meta (``sources``, JSON). Each is fetched concurrently (:mod:`.fetch`). A source that
fails keeps its last good data; the others go on.

Each source's events are compared with what the store last had from it: its last good download
(kept in meta as ``copy:<name>``) over its bundled events. The fresh events then replace those
in their group, all groups are merged into one event per real event exactly as the bundled
dataset was, and only the merged events touched by something new or changed are written, with
the ids merged away removed, each source's new copy and its date (``updated:<name>``), in one
transaction: a run cut short, before or during the write, changes nothing.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventchat.errors import EventchatError, ExitStatus, UsageError
from eventchat.freshness import UPDATED_KEY
from eventchat.models import EventDetail
from eventchat.store.sources import fetch
from eventchat.store.sources.fetch import Download, Fetcher, SourceFailed

if TYPE_CHECKING:
    from eventchat.store.base import Store

SOURCES_KEY = "sources"
COPY_KEY = "copy:{}"
DIGEST_KEY = "digest:{}"  # of the bodies the copy was read from
DEVELOPERS_EVENTS = "developers.events"

DEFAULT_URLS = {
    "confs.tech": "https://raw.githubusercontent.com/tech-conferences/conference-data/main/conferences",
    "python-deadlines": "https://raw.githubusercontent.com/JesperDramsch/python-deadlines/main",
    "ccf-deadlines": "https://codeload.github.com/ccfddl/ccf-deadlines/tar.gz/refs/heads/main",
    "ai-deadlines": "https://codeload.github.com/huggingface/ai-deadlines/tar.gz/refs/heads/main",
    DEVELOPERS_EVENTS: "https://developers.events",
}
_FETCHERS: dict[str, Fetcher] = {
    "confs.tech": fetch.confs_tech,
    "python-deadlines": fetch.python_deadlines,
    "ccf-deadlines": fetch.ccf_deadlines,
    "ai-deadlines": fetch.ai_deadlines,
    DEVELOPERS_EVENTS: fetch.developers_events,
}
BUNDLED = ("confs.tech", "python-deadlines", "ccf-deadlines", "ai-deadlines")

Meta = Callable[[str], "str | None"]


class UpdateInterrupted(EventchatError):
    """The person stopped the update before anything was written."""

    exit_status = ExitStatus.INTERRUPTED


@dataclass(frozen=True)
class Enabled:
    """One source ``data update`` fetches: ``kind`` is bundled, developers.events or feed."""

    name: str
    kind: str
    url: str | None = None  # a feed's URL
    since: str | None = None  # when a person enabled or added it


def extra_sources(meta: Meta) -> dict[str, dict[str, str]]:
    """The sources a person enabled or added, by name (from the store's meta)."""
    try:
        found = json.loads(meta(SOURCES_KEY) or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def enabled_sources(meta: Meta) -> list[Enabled]:
    """Every source ``data update`` fetches, bundled ones first."""
    extra = [
        Enabled(name, str(entry.get("kind")), entry.get("url"), entry.get("since"))
        for name, entry in extra_sources(meta).items()
    ]
    return [Enabled(name, "bundled") for name in BUNDLED] + extra


def record_source(store: Store, name: str, entry: dict[str, str] | None) -> None:
    """Add (``entry``) or drop (None) one of the person's sources in the store's meta."""
    extra = extra_sources(store.meta)
    if entry is None:
        extra.pop(name, None)
    else:
        extra[name] = entry
    store.set_meta(SOURCES_KEY, json.dumps(extra, sort_keys=True))


def url_for(source: Enabled, urls: Mapping[str, str]) -> str:
    """Where ``source`` is downloaded from: the configured URL, a feed's own, or the default."""
    return urls.get(source.name) or source.url or DEFAULT_URLS[source.name]


def fetcher_for(source: Enabled) -> Fetcher:
    """The function that downloads and reads ``source``."""
    return fetch.feed(source.name) if source.kind == "feed" else _FETCHERS[source.name]


@dataclass
class SourceReport:
    """How one source's update went, for its line in the output."""

    name: str
    download: Download | None = None
    error: str | None = None  # why it failed: its last good data is kept
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def failed(self) -> bool:
        """Whether the source could not be updated."""
        return self.error is not None

    def line(self) -> str:
        """One line: what changed, or why it failed."""
        if self.error is not None:
            return f"{self.name + ':':<18} failed — {self.error}; its last good data is kept"
        assert self.download is not None
        got = self.download
        if self.new or self.changed:
            what = (
                f"{self.new:,} new, {self.changed:,} changed, {self.unchanged:,} unchanged events"
            )
        else:
            what = f"unchanged, {self.unchanged:,} events"
        asked = [f"{got.requests:,} request{'s' * (got.requests != 1)}"]
        if got.not_modified:
            asked.append(f"{got.not_modified:,} not modified")
        if got.missing:
            asked.append(f"{got.missing:,} not published")
        if got.skipped:
            asked.append(f"{got.skipped:,} records unreadable")
        return f"{self.name + ':':<18} {what} · {', '.join(asked)}"


@dataclass
class UpdateResult:
    """Every source's report and what was written."""

    reports: list[SourceReport] = field(default_factory=list)
    written: int = 0
    removed: int = 0

    @property
    def failed(self) -> list[SourceReport]:
        """The sources that could not be updated."""
        return [report for report in self.reports if report.failed]

    def summary(self) -> str:
        """One line for the whole run."""
        fine = [r.name for r in self.reports if not r.failed]
        text = f"wrote {self.written:,} events"
        if self.removed:
            text += f" ({self.removed:,} merged into others)"
        if fine:
            text += f"; updated {', '.join(fine)}"
        if self.failed:
            text += f"; failed: {', '.join(r.name for r in self.failed)}"
        return text


# What a progress display hands each source: called with the source and its request count, it
# returns the function to call after each request.
Tracker = Callable[[str, int], Callable[[], None]]


def choose(meta: Meta, names: Sequence[str]) -> list[Enabled]:
    """The enabled sources named (all when none is); UsageError for a name that is not one."""
    enabled = enabled_sources(meta)
    if not names:
        return enabled
    by_name = {source.name: source for source in enabled}
    for name in names:
        if name not in by_name:
            known = ", ".join(by_name)
            hint = (
                f" — enable it first: eventchat data sources enable {name}"
                if name == DEVELOPERS_EVENTS
                else ""
            )
            raise UsageError(f"no source named {name!r}{hint} (sources: {known})")
    return [by_name[name] for name in dict.fromkeys(names)]


async def download_all(
    chosen: Sequence[Enabled],
    *,
    today: dt.date,
    urls: Mapping[str, str],
    seconds: float,
    cache: Path,
    known: Mapping[str, str] | None = None,
    track: Tracker | None = None,
) -> dict[str, Download | str]:
    """Each chosen source's download, or the one line saying why it failed; ``known`` holds the
    digest of each source's kept copy, so identical bodies are not read again."""
    known = known or {}

    async def one(http: Any, source: Enabled) -> Download | str:
        fetcher = fetcher_for(source)
        advance = track(source.name, fetch.planned_requests(fetcher)) if track else _nothing
        got = Download(known=known.get(source.name))
        try:
            await fetcher(http, url_for(source, urls), today, got, advance)
        except SourceFailed as exc:
            return str(exc)
        return got

    async with fetch.cached_client(seconds, cache) as http:
        results = await asyncio.gather(*(one(http, source) for source in chosen))
    return {source.name: result for source, result in zip(chosen, results, strict=True)}


def _nothing() -> None:
    return None


def load_copy(meta: Meta, name: str) -> list[EventDetail]:
    """The last good download of source ``name`` kept in the store ([] if none or unreadable)."""
    from eventchat.store.sources.bundled import unpack

    packed = meta(COPY_KEY.format(name))
    if not packed:
        return []
    try:
        return unpack(base64.b64decode(packed))
    except ValueError:
        return []


def write_update(
    store: Store, results: Mapping[str, Download | str], today: dt.date
) -> UpdateResult:
    """Merge the downloads with what the store had from each source, write what they change."""
    from eventchat.store.sources.bundled import bundled_groups, pack
    from eventchat.store.sources.merge import merge_sources

    meta: Meta = store.meta
    # A database built without the bundled events (``--database`` a new file) starts from none.
    bundled = bundled_groups() if meta("dataset_version") else {}
    result = UpdateResult()
    groups: list[list[EventDetail]] = []
    touched: set[str] = set()
    new_meta: dict[str, str] = {}
    for source in enabled_sources(meta):
        known = {event.id: event for event in bundled.get(source.name, [])}
        known.update((event.id, event) for event in load_copy(meta, source.name))
        got = results.get(source.name)
        if isinstance(got, str):
            result.reports.append(SourceReport(source.name, error=got))
        elif got is not None:
            if got.reused:
                got.events = load_copy(meta, source.name)
            report = SourceReport(source.name, download=got)
            for event in got.events:
                before = known.get(event.id)
                if before is None:
                    report.new += 1
                elif before != event:
                    report.changed += 1
                else:
                    report.unchanged += 1
                    continue
                touched.add(event.id)
            known.update((event.id, event) for event in got.events)
            result.reports.append(report)
            new_meta[COPY_KEY.format(source.name)] = base64.b64encode(pack(got.events)[0]).decode(
                "ascii"
            )
            new_meta[UPDATED_KEY.format(source.name)] = today.isoformat()
            new_meta[DIGEST_KEY.format(source.name)] = got.digest
        groups.append(list(known.values()))
    merged, pairs = merge_sources(groups)
    members: dict[str, list[str]] = {}
    for kept, into in pairs:
        members.setdefault(kept, []).append(into)
    write = [e for e in merged if touched.intersection([e.id, *members.get(e.id, [])])]
    kept_ids = {event.id for event in write}
    remove = [m for e in write for m in members.get(e.id, []) if m not in kept_ids]
    result.written = store.upsert(write, remove=remove, meta=new_meta) if new_meta else 0
    result.removed = len(remove) if new_meta else 0
    return result


def update_sources(
    store: Store,
    names: Sequence[str] = (),
    *,
    today: dt.date,
    urls: Mapping[str, str],
    timeout: float,
    cache: Path,
    track: Tracker | None = None,
) -> UpdateResult:
    """Download the named sources (every enabled one when none is) and write what changed."""
    chosen = choose(store.meta, names)
    known = {
        source.name: digest
        for source in chosen
        if (digest := store.meta(DIGEST_KEY.format(source.name)))
        and store.meta(COPY_KEY.format(source.name))
    }
    try:
        results = asyncio.run(
            download_all(
                chosen,
                today=today,
                urls=urls,
                seconds=timeout,
                cache=cache,
                known=known,
                track=track,
            )
        )
    except KeyboardInterrupt:
        raise UpdateInterrupted("interrupted while downloading — nothing was written") from None
    return write_update(store, results, today)
