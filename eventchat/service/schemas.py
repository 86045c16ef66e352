"""Response bodies of the events API that are not domain models: errors and health."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ParameterError(BaseModel):
    """One invalid parameter and what was expected of it."""

    parameter: str = Field(examples=["limit"])
    message: str = Field(examples=["Input should be less than or equal to 50"])


class ErrorBody(BaseModel):
    """Every error response: ``detail`` is one line a person (or a model) can act on."""

    detail: str = Field(
        examples=["query parameter 'limit': Input should be less than or equal to 50"]
    )
    errors: list[ParameterError] = Field(default_factory=list)


class Health(BaseModel):
    """``GET /healthz``: the API is up and how many events its store holds."""

    status: str = Field(default="ok", examples=["ok"])
    events: int = Field(examples=[6006])
