"""Schemathesis: requests generated from /openapi.json get answers that match the document.

The app is served by uvicorn on a loopback port for the module, because schemathesis sends
its requests with ``requests`` (its in-process ASGI path needs httpx, which eventchat does not
use).
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import schemathesis
import uvicorn
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
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
DOCUMENT = _openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


# A schema-valid request may still be refused for what a schema cannot say: a country the alias
# table does not know, or more than 100 ids. Those are the only 422s allowed for valid data.
REFUSABLE = {"country", "ids"}


_NOT_ON_THE_WIRE = object()


def _from_the_wire(values: list[str], schema: dict[str, Any]) -> Any:
    """The value a query parameter's text stands for under its schema (or _NOT_ON_THE_WIRE)."""
    for option in schema.get("anyOf", [schema]):
        kind = option.get("type")
        if kind == "array":
            return values
        if len(values) != 1:
            continue
        if kind == "string":
            return values[0]
        if kind == "boolean" and values[0] in {"true", "false"}:
            return values[0] == "true"
        if kind == "integer" and re.fullmatch(r"-?[0-9]+", values[0]):
            return int(values[0])
    return _NOT_ON_THE_WIRE


def _valid_on_the_wire(case: Any, response: Any) -> bool:
    """Whether the query the server received is valid for the operation's parameters.

    Schemathesis mutates values before it serialises them, so a "negative" case can arrive
    valid: ``tags=false`` (an array made a boolean) is a tag named "false", ``online=[false]``
    (null made an array) is ``online=false``. Its own exemptions miss some of these, two
    mutations at once among them (see schemathesis issues #2312, #3962).
    """
    operation = DOCUMENT["paths"][case.operation.path][case.method.lower()]
    sent = parse_qs(urlsplit(response.request.url).query, keep_blank_values=True)
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            return False  # only query strings are judged here
        name, schema = parameter["name"], parameter["schema"]
        if name not in sent:
            if parameter.get("required"):
                return False
            continue
        value = _from_the_wire(sent[name], schema)
        checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        if value is _NOT_ON_THE_WIRE or not jsonschema.Draft202012Validator(
            schema, format_checker=checker
        ).is_valid(value):
            return False
    return True


@schema.parametrize()
def test_every_operation_honours_its_openapi_document(case: Any, served_api: str) -> None:
    response = case.call(base_url=served_api)
    try:
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
    except FailureGroup as failures:
        accepted = all(isinstance(f, AcceptedNegativeData) for f in failures.exceptions)
        if not (accepted and _valid_on_the_wire(case, response)):
            raise
    if response.status_code == 422 and case.meta.generation.mode.name == "POSITIVE":
        assert response.json()["errors"][0]["parameter"] in REFUSABLE


def test_a_negative_case_that_arrives_valid_is_told_from_one_that_does_not() -> None:
    class Sent:
        def __init__(self, query: str) -> None:
            self.request = type("Request", (), {"url": f"http://api/v1/events/search?{query}"})

    case = schema["/v1/events/search"]["GET"].Case(query={})
    assert _valid_on_the_wire(case, Sent("online=false&tags=false"))
    assert _valid_on_the_wire(case, Sent("q=x&tags=a&tags=b&limit=50&start_after=2026-01-02"))
    assert not _valid_on_the_wire(case, Sent("online=null"))
    assert not _valid_on_the_wire(case, Sent("limit=51"))
    assert not _valid_on_the_wire(case, Sent("limit=1&limit=2"))
    assert not _valid_on_the_wire(case, Sent("start_after=2026-13-01"))
