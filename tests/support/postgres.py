"""PostgreSQL for the test suite: the local server, a private schema per xdist worker and per test.

Tests marked ``postgres`` use the server at ``postgresql://postgres@127.0.0.1:5432/test`` (or
``EVENTCHAT_TEST_POSTGRES_URL``). When it cannot be reached they skip with the reason, except
under CI (``CI`` set), where they fail: CI must not pass by skipping. Every schema is named
``ect_<worker>_<random>_<n>`` so concurrent runs and workers never meet, and is dropped when its
test (or, for the bundled one, the session) ends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import quote

import pytest

if TYPE_CHECKING:
    import psycopg

    from eventchat.store.postgres import PostgresStore

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
# Read at import: the suite's autouse fixture clears EVENTCHAT_* variables for each test.
SERVER_URL = os.environ.get("EVENTCHAT_TEST_POSTGRES_URL") or DEFAULT_URL


def with_schema(url: str, schema: str) -> str:
    """``url`` with ``search_path`` set to ``schema`` (tables are created in it)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}', safe='')}"


def _unavailable(reason: str) -> NoReturn:
    message = f"PostgreSQL at {SERVER_URL} is not available: {reason}"
    if os.environ.get("CI"):
        pytest.fail(
            f"{message} — CI runs the postgres tests against the local server", pytrace=False
        )
    pytest.skip(message)


class Schemas:
    """Creates uniquely named schemas on the test server and drops them."""

    def __init__(self, admin: psycopg.Connection[tuple[object, ...]], prefix: str) -> None:
        self.admin = admin
        self.prefix = prefix
        self.made: dict[str, str] = {}  # URL -> schema
        self.count = 0

    def create(self) -> str:
        """A new empty schema; returns a URL whose ``search_path`` is that schema."""
        self.count += 1
        schema = f"{self.prefix}_{self.count}"
        self.admin.execute(f"CREATE SCHEMA {schema}")
        url = with_schema(SERVER_URL, schema)
        self.made[url] = schema
        return url

    def drop(self, url: str) -> None:
        """Drop the schema ``url`` points into, and everything in it."""
        self.admin.execute(f"DROP SCHEMA IF EXISTS {self.made.pop(url)} CASCADE")

    def drop_all(self) -> None:
        """Drop every schema this session made and has not dropped yet."""
        for url in list(self.made):
            self.drop(url)


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[Schemas]:
    """The schema maker of this session (one per xdist worker); its schemas go at the end."""
    try:
        import psycopg
    except ImportError as exc:
        _unavailable(f"psycopg is not installed ({exc})")
    try:
        admin = psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        _unavailable(str(exc).strip().splitlines()[0])
    prefix = f"ect_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    schemas = Schemas(admin, prefix)
    try:
        yield schemas
    finally:
        schemas.drop_all()
        admin.close()


@pytest.fixture
def postgres_url(postgres_schemas: Schemas) -> Iterator[str]:
    """A URL into a new, empty schema of the test server, dropped after this test."""
    url = postgres_schemas.create()
    yield url
    postgres_schemas.drop(url)


@pytest.fixture(scope="session")
def postgres_bundled_store(postgres_schemas: Schemas) -> Iterator[PostgresStore]:
    """A PostgreSQL store loaded with the bundled dataset once per session; do not write to it."""
    from eventchat.store.postgres import PostgresStore
    from eventchat.store.sources.bundled import dataset_version, read_dataset

    store = PostgresStore(postgres_schemas.create())
    store.load_bundled(read_dataset(), dataset_version())
    yield store
    store.close()
