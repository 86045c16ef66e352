"""Store fixtures parametrised over both backends: each test runs on SQLite and on PostgreSQL.

``empty_store`` and ``small`` are private to a test; ``store_backend`` is the bundled dataset,
shared by the session (read-only). The PostgreSQL cases carry the ``postgres`` marker and skip
(or, under CI, fail) when the server is unreachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventchat.models import EventDetail, EventLinks
from eventchat.store import SQLiteStore

try:
    import psycopg  # noqa: F401
except ImportError:  # without the driver, the postgres cases below skip (or fail under CI)
    collect_ignore = ["test_postgres.py", "test_postgres_serving.py"]

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def make(event_id: str, name: str, start: str, **fields: Any) -> EventDetail:
    links = fields.pop("links", None) or EventLinks(id=event_id, url=f"https://{event_id}.test")
    return EventDetail(id=event_id, name=name, start=start, links=links, **fields)


EVENTS = [
    make("pycon", "PyCon DE", "2026-04-14", end="2026-04-17", locality="Darmstadt",
         country="Germany", country_code="DE", tags=["Python"]),
    make("jsconf", "JSConf Budapest", "2026-06-10", locality="Budapest", country="Hungary",
         tags=["javascript"], description="Talks about python interop too"),
    make("berlin", "Berlin Data Conferences", "2026-03-30", end="2026-04-02",
         locality="Berlin", country_code="DE", country="Germany", tags=["data", "python"]),
    make("zurich", "Swiss Python Summit", "2026-09-01", locality="Zürich",
         country="Switzerland", tags=["python"]),
    make("online", "Remote Python Day", "2026-05-05", online=True, tags=["python"]),
    make("nyc", "Python NYC", "2025-11-01", locality="New York", region="NY",
         country="United States", tags=["python"]),
]  # fmt: skip


@pytest.fixture(params=BACKENDS)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An empty store of each backend, private to the test."""
    if request.param == "sqlite":
        opened: Any = SQLiteStore(tmp_path / "small.sqlite3")
    else:
        url = request.getfixturevalue("postgres_url")  # skips (or fails under CI) first
        from eventchat.store.postgres import PostgresStore

        opened = PostgresStore(url)
    yield opened
    opened.close()


@pytest.fixture
def small(empty_store: Any) -> Any:
    """A store of each backend holding the six EVENTS."""
    empty_store.upsert(EVENTS)
    return empty_store


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest) -> Any:
    """The bundled dataset in each backend (shared by the session: do not write)."""
    name = "store" if request.param == "sqlite" else "postgres_bundled_store"
    return request.getfixturevalue(name)
