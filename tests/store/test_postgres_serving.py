"""The events API over the PostgreSQL store: in-process, and as several uvicorn worker processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from eventchat.models import SearchQuery
from eventchat.service import create_app
from eventchat.store import Store
from eventchat.store.postgres import PostgresStore

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_http(
    postgres_bundled_store: PostgresStore, anyio_backend: str
) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=create_app(postgres_bundled_store))
    async with httpx2.AsyncClient(transport=transport, base_url="http://events.test") as client:
        yield client


@pytest.mark.anyio
async def test_the_api_serves_the_postgres_store(pg_http: httpx2.AsyncClient, store: Store) -> None:
    assert (await pg_http.get("/healthz")).json() == {"status": "ok", "events": 8252}
    params = {"country": "UK", "tags": "javascript", "limit": 50}
    body = (await pg_http.get("/v1/events/search", params=params)).json()
    expected = store.search(SearchQuery(country="UK", tags=["javascript"], limit=50))
    assert body["total"] == expected.total
    assert [e["id"] for e in body["events"]] == [e.id for e in expected.events]
    missing = await pg_http.get("/v1/events/doesnotexist")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "no event with id 'doesnotexist'"},
    )
    bad = await pg_http.get("/v1/events/search", params={"q": "\x00'; DROP TABLE events; --"})
    assert bad.status_code == 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def test_uvicorn_workers_share_one_database(postgres_url: str) -> None:
    port = _free_port()
    env = {**os.environ, "EVENTCHAT_DATABASE": postgres_url}
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "eventchat.service.asgi:app_from_environment",
        "--workers", "2", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        health = None
        while health is None:
            try:
                health = _get_json(f"http://127.0.0.1:{port}/healthz")
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.communicate()[1].decode()
                assert time.monotonic() < deadline, "uvicorn workers did not start in 60 s"
                time.sleep(0.2)
        assert health == {"status": "ok", "events": 8252}  # the bundled data, loaded once
        totals = {
            _get_json(f"http://127.0.0.1:{port}/v1/events/search?q=python&country=US")["total"]
            for _ in range(20)
        }
        assert len(totals) == 1
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert b"Traceback" not in err, err.decode()
