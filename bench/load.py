"""A bounded load test: 100 concurrent clients for 20 s against ``eventchat serve`` on loopback.

``eventchat serve`` runs in a subprocess over the 100k benchmark database (``bench.generate``
builds and caches it). The baseline, measured in the same run with the same concurrency, is
``/healthz``: the server's floor (HTTP, routing, JSON) without a store call. Then a mix of
realistic requests: searches by words, place, tags and dates, and links lookups. Every request
must answer 200 with a body; any error is counted and reported. Bounded on every side: loopback
only, ``SECONDS`` per phase, at most ``MAX_REQUESTS`` requests per phase, a timeout per request.

Environment: ``EVENTCHAT_BENCH_LOAD_CLIENTS`` (100), ``EVENTCHAT_BENCH_LOAD_SECONDS`` (20),
``EVENTCHAT_BENCH_LOAD_WORKERS`` (1, ``serve --workers``). One asyncio client process drives the
load, so requests per second are a lower bound on what the server can do.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from bench.api_overhead import _free_port, _wait_ready
from bench.generate import build
from bench.report import Row
from bench.store_search import label, ms, percentile

SIZE = 100_000
MAX_REQUESTS = 200_000
REQUEST_TIMEOUT = 10.0
BASELINE_SHARE = 0.25  # the /healthz phase runs this share of SECONDS (at least 3 s)

# Searches a chat sends: words, places, tags, dates, paging; all start after a fixed day so the
# answers (and their cost) do not drift with the calendar.
SEARCHES: list[dict[str, str]] = [
    {"q": "python", "start_after": "2026-01-01", "limit": "10"},
    {"q": "kubernetes", "country": "DE", "start_after": "2026-01-01", "limit": "10"},
    {"q": "", "locality": "Berlin", "start_after": "2026-01-01", "limit": "10"},
    {"q": "react conference", "start_after": "2026-01-01", "limit": "10"},
    {"q": "", "tags": "javascript", "country": "US", "start_after": "2026-03-01", "limit": "10"},
    {"q": "security", "start_after": "2026-01-01", "start_before": "2026-06-30", "limit": "10"},
    {"q": "data", "online": "true", "start_after": "2026-01-01", "limit": "10"},
    {"q": "rust tokio", "start_after": "2026-01-01", "limit": "20", "offset": "10"},
]


@dataclass
class Phase:
    """What one phase of load measured."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def setting(name: str, default: float) -> float:
    """A number from ``EVENTCHAT_BENCH_LOAD_<NAME>``, or ``default``."""
    raw = os.environ.get(f"EVENTCHAT_BENCH_LOAD_{name}", "").strip()
    return float(raw) if raw else default


@contextmanager
def serving(database: Path, workers: int) -> Iterator[str]:
    """``eventchat serve`` on a free loopback port over ``database``; yields its base URL."""
    port = _free_port()
    argv = [sys.executable, "-m", "eventchat", "serve", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--database", str(database), "--workers", str(workers)]
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryFile() as log:
        env = {**os.environ, "XDG_CONFIG_HOME": home}
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, proc, log)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def requests_for(ids: list[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """The endless request mix: the searches in turn, every third request a links lookup."""
    links = [{"ids": ",".join(ids[i : i + 10])} for i in range(0, max(len(ids), 1), 10)]
    searches = itertools.cycle(SEARCHES)
    lookups = itertools.cycle(links)
    for n in itertools.count():
        if n % 3 == 2:
            yield "/v1/events/links", next(lookups)
        else:
            yield "/v1/events/search", next(searches)


async def _client(
    http: httpx2.AsyncClient,
    mix: Iterator[tuple[str, dict[str, str]]],
    phase: Phase,
    deadline: float,
    budget: list[int],
) -> None:
    while time.perf_counter() < deadline and budget[0] > 0:
        budget[0] -= 1
        path, params = next(mix)
        began = time.perf_counter()
        try:
            response = await http.get(path, params=params)
            ok = response.status_code == 200 and bool(response.content)
            problem = f"{path}: {response.status_code}"
        except httpx2.HTTPError as exc:
            ok, problem = False, f"{path}: {type(exc).__name__}"
        if ok:
            phase.latencies.append(time.perf_counter() - began)
        else:
            phase.errors.append(problem)


async def _phase(
    url: str, name: str, mix: Iterator[tuple[str, dict[str, str]]], clients: int, seconds: float
) -> Phase:
    phase = Phase(name)
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx2.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT) as http:
        # Warm every connection first so the phase measures requests, not TCP handshakes.
        await asyncio.gather(*(http.get("/healthz") for _ in range(clients)))
        began = time.perf_counter()
        budget = [MAX_REQUESTS]
        await asyncio.gather(
            *(_client(http, mix, phase, began + seconds, budget) for _ in range(clients))
        )
        phase.seconds = time.perf_counter() - began
    return phase


async def _measure(url: str, ids: list[str], clients: int, seconds: float) -> list[Phase]:
    health: Iterator[tuple[str, dict[str, str]]] = itertools.repeat(("/healthz", {}))
    baseline = await _phase(url, "/healthz", health, clients, max(3.0, seconds * BASELINE_SHARE))
    mixed = await _phase(url, "search + links mix", requests_for(ids), clients, seconds)
    return [baseline, mixed]


def _sample_ids(database: Path) -> list[str]:
    from eventchat.models import SearchQuery
    from eventchat.store import SQLiteStore

    store = SQLiteStore(database)
    try:
        page = store.search(SearchQuery(q="", limit=50))
        return [event.id for event in page.events]
    finally:
        store.close()


def _rows(phases: list[Phase], clients: int, workers: int) -> list[Row]:
    baseline = phases[0]
    base_p50 = percentile(baseline.latencies, 50) if baseline.latencies else 0.0
    group = f"load {label(SIZE)} · {clients} clients · {workers} worker(s)"
    rows = []
    for phase in phases:
        if not phase.latencies:
            rows.append(Row(group, phase.name, f"no answers · {len(phase.errors)} errors", "-"))
            continue
        p50, p99 = percentile(phase.latencies, 50), percentile(phase.latencies, 99)
        value = (
            f"{phase.rps:,.0f} req/s · p50 {ms(p50)} · p99 {ms(p99)} · "
            f"{phase.requests:,} requests in {phase.seconds:.1f} s · {len(phase.errors)} errors"
        )
        ratio = "baseline"
        if phase is not baseline and base_p50 and baseline.rps:
            ratio = f"p50 {p50 / base_p50:.1f}× · req/s {phase.rps / baseline.rps:.2f}× healthz"
        rows.append(Row(group, phase.name, value, ratio, "0 errors"))
    errors = sorted({e for phase in phases for e in phase.errors})
    if errors:
        shown = "; ".join(errors[:3])
        rows.append(Row(group, "ERRORS", shown, "FAIL", "0 errors"))
    return rows


def run() -> list[Row]:
    """One load run over the 100k database."""
    clients = int(setting("CLIENTS", 100))
    seconds = setting("SECONDS", 20)
    workers = int(setting("WORKERS", 1))
    database = build(SIZE).path
    ids = _sample_ids(database)
    with serving(database, workers) as url:
        phases = asyncio.run(_measure(url, ids, clients, seconds))
    return _rows(phases, clients, workers)


if __name__ == "__main__":
    from bench.report import render

    print(render(run()))
