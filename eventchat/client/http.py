"""One GET with eventchat's error mapping, shared by every REST backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, TypeAdapter, ValidationError

from eventchat.errors import EventsAPIConnectError, EventsAPIResponseError, EventsAPIStatusError

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=BaseModel)


async def get(
    http: httpx2.AsyncClient, label: str, path: str, params: Sequence[tuple[str, str]]
) -> httpx2.Response:
    """GET ``path``; transport failures and error statuses become EventsAPIError."""
    try:
        response = await http.get(path, params=tuple(params))
    except httpx2.TimeoutException as exc:
        raise EventsAPIConnectError(
            f"events API at {label} timed out — raise api_timeout or try again"
        ) from exc
    except httpx2.TransportError as exc:
        raise EventsAPIConnectError(
            f"events API at {label} could not be reached ({exc or type(exc).__name__}) — "
            "is `eventchat serve` running, and is api_url right?"
        ) from exc
    if response.is_error:
        detail = _detail(response)
        raise EventsAPIStatusError(
            f"events API at {label} answered {response.status_code} for {path}"
            + (f": {detail}" if detail else ""),
            response.status_code,
            detail,
        )
    return response


def parse(adapter: TypeAdapter[T], response: httpx2.Response, label: str) -> T:
    """Validate a response body; a non-JSON or wrongly shaped body is EventsAPIResponseError."""
    try:
        return adapter.validate_json(response.content)
    except ValidationError as exc:
        raise EventsAPIResponseError(
            f"events API at {label} sent an unexpected body for {response.request.url.path} "
            f"({_first_problem(exc)}) — is api_url/api_kind right?"
        ) from exc


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "body"
    return f"{where}: {err['msg']}"


def _detail(response: httpx2.Response) -> str | None:
    """The one-line ``detail`` of an eventchat error body, if the body is one."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail[:200] if isinstance(detail, str) else None
