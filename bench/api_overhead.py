"""What the REST API adds to a store call: in-process ASGI against loopback HTTP, same requests.

Per size, one search and one links request (ten ids) are timed three ways, interleaved so that
noise from other work on the machine falls on all three alike: the direct store call (the
baseline), the app in-process through ``httpx2.ASGITransport`` (the embedded default), and
``eventchat serve`` in a subprocess over a real loopback socket (keep-alive, one connection).
Sizes follow ``EVENTCHAT_BENCH_SIZES`` as in ``bench.store_search``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2

from bench.generate import build
from bench.report import Row
from bench.store_search import label, ms, percentile, selected_sizes
from eventchat.models import SearchQuery
from eventchat.service import create_app
from eventchat.store import SQLiteStore

RUNS = 300
WARMUP = 30
# A selective query (a Rust topic word): the store's share stays small, so overhead shows.
SEARCH = {"q": "tokio", "start_after": "2026-06-01", "limit": "10"}
Timer = Callable[[], Awaitable[Any]]
BASELINE = "direct store call"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(database: Path) -> Iterator[str]:
    """``eventchat serve`` on a free loopback port; yields its base URL."""
    port = _free_port()
    argv = [sys.executable, "-m", "eventchat", "serve", "--port", str(port)]
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryFile() as log:
        # An empty config directory: a user's config file must not change what is measured.
        env = {**os.environ, "XDG_CONFIG_HOME": home}
        argv += ["--database", str(database)]
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, proc, log)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Any) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"eventchat serve exited: {log.read().decode(errors='replace')}")
        try:
            if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"eventchat serve did not answer on {url} within 30 s")


async def _interleaved(timers: dict[str, Timer]) -> dict[str, list[float]]:
    """Each timer RUNS times after WARMUP, taking turns so drift hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in timers}
    for turn in range(WARMUP + RUNS):
        for name, timer in timers.items():
            began = time.perf_counter()
            await timer()
            if turn >= WARMUP:
                times[name].append(time.perf_counter() - began)
    return times


def _checked(client: httpx2.AsyncClient, path: str, params: dict[str, str]) -> Timer:
    async def call() -> Any:
        response = await client.get(path, params=params)
        response.raise_for_status()
        return response

    return call


async def _measure(store: SQLiteStore, url: str) -> dict[str, dict[str, list[float]]]:
    """Search and links times: direct, in-process and loopback."""
    query = SearchQuery.model_validate(SEARCH)
    ids = [event.id for event in store.search(query).events]
    links = {"ids": ",".join(ids)}

    async def direct_search() -> Any:
        return store.search(query)

    async def direct_links() -> Any:
        return store.links(ids)

    transport = httpx2.ASGITransport(app=create_app(store))
    async with (
        httpx2.AsyncClient(transport=transport, base_url="http://eventchat.test") as local,
        httpx2.AsyncClient(base_url=url) as remote,
    ):
        path_search, path_links = "/v1/events/search", "/v1/events/links"
        search = await _interleaved({
            BASELINE: direct_search,
            "in-process ASGI": _checked(local, path_search, SEARCH),
            "loopback HTTP": _checked(remote, path_search, SEARCH),
        })  # fmt: skip
        link = await _interleaved({
            BASELINE: direct_links,
            "in-process ASGI": _checked(local, path_links, links),
            "loopback HTTP": _checked(remote, path_links, links),
        })  # fmt: skip
    return {"search": search, f"links ({len(ids)} ids)": link}


def _rows(group: str, request: str, times: dict[str, list[float]]) -> list[Row]:
    p50 = {name: percentile(t, 50) for name, t in times.items()}
    base, local = p50[BASELINE], p50["in-process ASGI"]
    rows = []
    for name, value in p50.items():
        extra = f" (+{ms(value - base)})" if name != BASELINE else ""
        ratio = f"{value / base:.1f}× direct"
        if name == "loopback HTTP":
            ratio += f" · {value / local:.2f}× in-process"
        p99 = ms(percentile(times[name], 99))
        rows.append(Row(group, f"{request}: {name}", f"p50 {ms(value)}{extra} · p99 {p99}", ratio))
    return rows


def run_size(size: int) -> list[Row]:
    """Rows for one database size."""
    path = build(size).path
    store = SQLiteStore(path)
    try:
        with _server(path) as url:
            measured = asyncio.run(_measure(store, url))
    finally:
        store.close()
    group = f"api {label(size)}"
    return [row for request, times in measured.items() for row in _rows(group, request, times)]


def run() -> list[Row]:
    """Every selected size."""
    return [row for size in selected_sizes() for row in run_size(size)]


if __name__ == "__main__":
    from bench.report import render

    print(render(run()))
