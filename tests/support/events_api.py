"""Suite-wide fixtures for the real events API and store (loaded by ``tests/conftest.py``).

The bundled database is built once per test session (per xdist worker) and shared read-only:
``store``, ``events_app`` and ``events_http`` serve it in-process, and ``bundled_database``
points ``EVENTCHAT_DATABASE`` at it so chat and CLI tests skip the first-use build. A test that
writes must use ``writable_database`` (its own copy).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI

from eventchat.service import create_app
from eventchat.store import SQLiteStore, build_database


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Async tests (``@pytest.mark.anyio``) run on asyncio only."""
    return "asyncio"


@pytest.fixture(scope="session")
def bundled_database_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built from the bundled dataset, once per session; do not write to it."""
    path = tmp_path_factory.mktemp("bundled-db") / "events.sqlite3"
    build_database(path)
    return path


@pytest.fixture
def bundled_database(bundled_database_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The session-built database, also set as ``EVENTCHAT_DATABASE`` for this test."""
    monkeypatch.setenv("EVENTCHAT_DATABASE", str(bundled_database_file))
    return bundled_database_file


@pytest.fixture
def writable_database(bundled_database_file: Path, tmp_path: Path) -> Path:
    """A private copy of the bundled database that a test may change."""
    path = tmp_path / "events.sqlite3"
    shutil.copyfile(bundled_database_file, path)
    return path


@pytest.fixture
def store(bundled_database_file: Path) -> Iterator[SQLiteStore]:
    """A store over the session-built bundled database (read-only use)."""
    opened = SQLiteStore(bundled_database_file)
    yield opened
    opened.close()


@pytest.fixture
def events_app(store: SQLiteStore) -> FastAPI:
    """The real events API app over ``store``."""
    return create_app(store)


@pytest.fixture
async def events_http(events_app: FastAPI, anyio_backend: str) -> AsyncIterator[httpx2.AsyncClient]:
    """An httpx2 client that reaches ``events_app`` in-process, no socket."""
    transport = httpx2.ASGITransport(app=events_app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://events.test") as client:
        yield client
