"""Schemathesis: requests generated from /openapi.json get answers that match the document.

The app is served by uvicorn on a loopback port for the module, because schemathesis sends
its requests with ``requests`` (its in-process ASGI path needs httpx, which eventchat does not
use).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from schemathesis.specs.openapi.checks import positive_data_acceptance

from eventchat.service import create_app
from eventchat.store import SQLiteStore


@pytest.fixture(scope="module")
def served_api(bundled_database_file: Path) -> Iterator[str]:
    store = SQLiteStore(bundled_database_file)
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def _openapi_document() -> dict[str, Any]:
    """The app's own OpenAPI document; building it touches no data, so an empty store serves."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "schema.sqlite3")
        try:
            return create_app(store).openapi()
        finally:
            store.close()


# Loaded at collection from the document itself (not through a fixture: schemathesis's lazy
# fixture loader relies on a pytest internal that pytest 9.2 removed).
schema = schemathesis.openapi.from_dict(_openapi_document())


# A schema-valid request may still be refused for what a schema cannot say: a country the alias
# table does not know, or more than 100 ids. Those are the only 422s allowed for valid data.
REFUSABLE = {"country", "ids"}


@schema.parametrize()
def test_every_operation_honours_its_openapi_document(case: Any, served_api: str) -> None:
    response = case.call_and_validate(
        base_url=served_api, excluded_checks=[positive_data_acceptance]
    )
    if response.status_code == 422 and case.meta.generation.mode.name == "POSITIVE":
        assert response.json()["errors"][0]["parameter"] in REFUSABLE
