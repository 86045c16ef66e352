"""Downloading the sources for ``eventchat data update``: one cached HTTP client, one fetcher each.

Every request goes through hishel's RFC 9111 cache (a SQLite file in the user's cache directory)
and asks for revalidation (``Cache-Control: no-cache``), so a file that has not changed since the
last update costs one conditional request (``If-None-Match`` / ``If-Modified-Since``) answered by
a bodiless 304, and its body comes from the cache.

Each source's data is read by the same reader as its bundled copy, from the same layout:
confs.tech's topic files (``{url}/{year}/{topic}.json``, this year and next), python-deadlines'
``_data/conferences.yml`` and ``archive.yml``, ccf-deadlines' and ai-deadlines' branch archives
(``.tar.gz``; only the YAML files of their data folders are unpacked, into a temporary folder),
developers.events' ``all-events.json`` and ``all-cfps.json``, and a person's feed (iCalendar,
schema.org JSON-LD or eventchat JSON at one URL). A fetcher raises :class:`SourceFailed` with
one line saying why when the source cannot be used; the caller keeps its last good data.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx2

from eventchat.models import EventDetail

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
MAX_BYTES = 64 * 1024 * 1024  # no source comes near; a response beyond it is not a source file


class SourceFailed(Exception):
    """A source could not be downloaded or read; the message says why in one line."""


@dataclass
class Download:
    """What fetching one source produced."""

    events: list[EventDetail] = field(default_factory=list)
    requests: int = 0
    not_modified: int = 0  # answered from the cache after revalidation (or still fresh)
    missing: int = 0  # optional files the source does not publish (confs.tech topics)
    skipped: int = 0  # records that could not be read
    problems: list[str] = field(default_factory=list)
    known: str | None = None  # the digest of the bodies the kept copy was read from
    reused: bool = False  # the bodies are those: the kept copy stands, nothing was read
    _hash: Any = field(default_factory=hashlib.sha256, repr=False)

    @property
    def digest(self) -> str:
        """A digest of every URL and body downloaded so far."""
        return str(self._hash.hexdigest())

    def settled(self) -> bool:
        """Whether the bodies are the ones the kept copy was read from (so reading is skipped)."""
        self.reused = self.known is not None and self.known == self.digest
        return self.reused


Advance = Callable[[], None]
Fetcher = Callable[[httpx2.AsyncClient, str, dt.date, Download, Advance], Awaitable[None]]


def cache_file() -> Path:
    """Where the HTTP cache lives: ``<user cache dir>/eventchat/http-cache.sqlite``."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("eventchat")) / "http-cache.sqlite"


@contextlib.asynccontextmanager
async def cached_client(seconds: float, cache: Path) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client whose GETs are revalidated against the cache at ``cache``."""
    from hishel import AsyncSqliteStorage, CacheOptions
    from hishel.httpx2 import AsyncCacheTransport

    from eventchat import __version__

    cache.parent.mkdir(parents=True, exist_ok=True)
    transport = AsyncCacheTransport(
        httpx2.AsyncHTTPTransport(),
        storage=AsyncSqliteStorage(database_path=cache),
        rfc=CacheOptions(shared=False),
    )
    headers = {"User-Agent": f"eventchat/{__version__}", "Cache-Control": "no-cache"}
    async with httpx2.AsyncClient(
        transport=transport,
        timeout=httpx2.Timeout(seconds),
        follow_redirects=True,
        headers=headers,
    ) as http:
        yield http


async def get(
    http: httpx2.AsyncClient, url: str, download: Download, *, optional: bool = False
) -> bytes | None:
    """The body at ``url``; None when ``optional`` and it answers 404. Raises SourceFailed."""
    host = urlsplit(url).netloc or url
    try:
        response = await http.get(url)
    except httpx2.TimeoutException:
        raise SourceFailed(f"{host} did not answer in time — try again later") from None
    except httpx2.TransportError as exc:
        why = str(exc) or type(exc).__name__
        raise SourceFailed(f"cannot reach {host} ({why}) — are you online?") from None
    download.requests += 1
    status = response.extensions.get("caching")
    cached = status is not None and (status.get("from_cache") or status.get("revalidated"))
    if cached and response.is_success:
        download.not_modified += 1
    if response.status_code == 404 and optional:
        download.missing += 1
        return None
    if response.is_error:
        raise SourceFailed(f"{url} answered HTTP {response.status_code}")
    if len(response.content) > MAX_BYTES:
        raise SourceFailed(f"{url} sent over {MAX_BYTES // 2**20} MB — not a source file")
    download._hash.update(url.encode() + b"\0" + response.content + b"\0")
    return response.content


async def _read_in_thread(
    read: Callable[[Path], list[EventDetail]], root: Path
) -> list[EventDetail]:
    try:
        return await asyncio.to_thread(read, root)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SourceFailed(f"its files are not in the layout eventchat reads ({exc})") from None


async def confs_tech(
    http: httpx2.AsyncClient, url: str, today: dt.date, download: Download, advance: Advance
) -> None:
    """This year's and next year's topic files; a topic without a file for a year is skipped."""
    from eventchat.store.sources.confstech import merge_events, normalise_row

    limit = asyncio.Semaphore(CONCURRENCY)
    base = url.rstrip("/")

    async def one(year: int, topic: str) -> list[EventDetail]:
        file = f"{base}/{year}/{topic}.json"
        async with limit:
            body = await get(http, file, download, optional=True)
        advance()
        if body is None:
            return []
        try:
            return [normalise_row(row, topic) for row in json.loads(body)]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            download.problems.append(f"{file}: not a confs.tech topic file ({exc})")
            return []

    years = (today.year, today.year + 1)
    batches = await asyncio.gather(*(one(year, topic) for year in years for topic in TOPICS))
    if download.requests == download.missing:
        raise SourceFailed(f"{base} has no topic file for {years[0]} or {years[1]}")
    download.events = merge_events(event for batch in batches for event in batch)


async def python_deadlines(
    http: httpx2.AsyncClient, url: str, today: dt.date, download: Download, advance: Advance
) -> None:
    """``_data/conferences.yml`` (current and upcoming) and ``_data/archive.yml``."""
    from eventchat.store.sources.python_deadlines import read_directory

    base = url.rstrip("/")
    with tempfile.TemporaryDirectory(prefix="eventchat-") as tmp:
        (Path(tmp) / "_data").mkdir()
        for name, optional in (("conferences.yml", False), ("archive.yml", True)):
            body = await get(http, f"{base}/_data/{name}", download, optional=optional)
            advance()
            if body is not None:
                (Path(tmp) / "_data" / name).write_bytes(body)
        if not download.settled():
            download.events = await _read_in_thread(read_directory, Path(tmp))


def unpack_archive(payload: bytes, folder: str, into: Path) -> int:
    """Write the ``*.yml`` files under ``<top>/<folder>/`` of a .tar.gz into ``into/<folder>``.

    Only regular files with plain relative names are written, so no member can land outside
    ``into``; returns how many were.
    """
    wanted = PurePosixPath(folder).parts
    written = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
            for member in archive:
                parts = PurePosixPath(member.name).parts[1:]  # below the archive's top folder
                inside = parts[: len(wanted)] == wanted and len(parts) > len(wanted)
                plain = all(part not in ("", ".", "..") for part in parts)
                if not (member.isfile() and inside and plain and parts[-1].endswith(".yml")):
                    continue
                source = archive.extractfile(member)
                if source is None:
                    continue
                target = into.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
                written += 1
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SourceFailed(f"the archive cannot be unpacked ({exc})") from None
    return written


def _archive_fetcher(folder: str, reader: str) -> Fetcher:
    async def fetch(
        http: httpx2.AsyncClient, url: str, today: dt.date, download: Download, advance: Advance
    ) -> None:
        import importlib

        module, _, function = reader.partition(":")
        read: Callable[[Path], list[EventDetail]] = getattr(
            importlib.import_module(module), function
        )
        body = await get(http, url, download)
        advance()
        assert body is not None
        if download.settled():
            return
        with tempfile.TemporaryDirectory(prefix="eventchat-") as tmp:
            if not await asyncio.to_thread(unpack_archive, body, folder, Path(tmp)):
                raise SourceFailed(f"the archive at {url} holds no {folder}/*.yml")
            download.events = await _read_in_thread(read, Path(tmp))

    return fetch


ccf_deadlines = _archive_fetcher("conference", "eventchat.store.sources.ccf:read_directory")
ai_deadlines = _archive_fetcher(
    "src/data/conferences", "eventchat.store.sources.ai_deadlines:read_directory"
)


async def developers_events(
    http: httpx2.AsyncClient, url: str, today: dt.date, download: Download, advance: Advance
) -> None:
    """``all-events.json``, with the deadlines of ``all-cfps.json`` (optional)."""
    from eventchat.store.sources import devevents

    base = url.rstrip("/")
    events = await get(http, f"{base}/all-events.json", download)
    advance()
    cfps = await get(http, f"{base}/all-cfps.json", download, optional=True)
    advance()
    assert events is not None
    try:
        download.events, download.skipped = devevents.parse(events, cfps)
    except ValueError as exc:
        raise SourceFailed(f"all-events.json is not the developers.events list ({exc})") from None


def feed(name: str) -> Fetcher:
    """A person's feed at one URL, read as ``eventchat data import`` reads a file."""

    async def fetch(
        http: httpx2.AsyncClient, url: str, today: dt.date, download: Download, advance: Advance
    ) -> None:
        from eventchat.errors import UsageError
        from eventchat.store.importers import parse_text

        body = await get(http, url, download)
        advance()
        assert body is not None
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SourceFailed(f"{url} is not UTF-8 text") from None
        file = PurePosixPath(urlsplit(url).path).name or f"{name}.ics"
        try:
            batch = await asyncio.to_thread(parse_text, text, Path(file), today=today)
        except UsageError as exc:
            raise SourceFailed(exc.message) from None
        if not batch.events and batch.errors:
            raise SourceFailed(f"no event in {url} could be read ({batch.errors[0]})")
        download.skipped = len(batch.errors)
        download.events = [e.model_copy(update={"source": name}) for e in batch.events]

    return fetch


def planned_requests(fetcher: Fetcher) -> int:
    """How many requests ``fetcher`` makes, for the progress bar."""
    if fetcher is confs_tech:
        return 2 * len(TOPICS)
    if fetcher in (python_deadlines, developers_events):
        return 2
    return 1
