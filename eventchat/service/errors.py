"""Exception handlers: every error is a JSON ErrorBody with a one-line ``detail``.

Validation errors become 422 naming the parameter and what was expected; an unknown country is
a 422 too (the alias table could not resolve it); a failing store is a 503, never a 500 with a
traceback.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from eventchat.errors import StoreError
from eventchat.service.schemas import ErrorBody, ParameterError
from eventchat.store import UnknownCountryError

_HINTS = {
    "online": " (expected true or false)",
}


def _hint(name: str, message: str) -> str:
    if name in {"start_after", "start_before"} and "YYYY-MM-DD" not in message:
        return " (expected a date, YYYY-MM-DD)"
    return _HINTS.get(name, "")


def _parameter_error(error: dict[str, Any]) -> ParameterError:
    loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
    name = loc[-1] if len(loc) > 1 else ".".join(loc) or "request"
    message = str(error.get("msg", "invalid value"))
    message += _hint(name, message)
    return ParameterError(parameter=name, message=message)


def _body(status: int, detail: str, errors: list[ParameterError] | None = None) -> JSONResponse:
    body = ErrorBody(detail=detail, errors=errors or [])
    return JSONResponse(status_code=status, content=jsonable_encoder(body))


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_parameter_error(dict(e)) for e in exc.errors()]
    first = errors[0] if errors else ParameterError(parameter="request", message="invalid")
    return _body(422, f"query parameter {first.parameter!r}: {first.message}", errors)


async def _unknown_country(_: Request, exc: Exception) -> JSONResponse:
    error = ParameterError(parameter="country", message=str(exc))
    return _body(422, str(exc), [error])


async def _store_failed(_: Request, exc: Exception) -> JSONResponse:
    return _body(503, str(exc))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(UnknownCountryError, _unknown_country)
    app.add_exception_handler(StoreError, _store_failed)
