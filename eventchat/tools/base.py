"""The tool registry: schemas from pydantic models, validation, dispatch, failures as text.

A tool is a pydantic model of its arguments and an async function of that model. The JSON schema
the model sees is exactly the pydantic model's, and pydantic validates what comes back. Invalid
JSON, an unknown tool, a validation error and any EventchatError become a short text result that
tells the model what to fix (as llm does with ``f"Error: {ex}"``); nothing raises out of a turn.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from eventchat.errors import EventchatError

DATA_BEGIN = "<event_data>"
DATA_END = "</event_data>"


@dataclass
class ToolOutput:
    """What a tool returns: the text for the model and the events for renderers."""

    content: str
    events: list[dict[str, Any]] = field(default_factory=list)
    error: bool = False


@dataclass
class Tool:
    """One tool: a name, a description, its argument model and the function that runs it."""

    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[Any], Awaitable[ToolOutput]]

    def schema(self) -> dict[str, Any]:
        """The ``tools`` entry of a chat.completions request."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.args.model_json_schema(),
            },
        }


def parse_arguments(text: str | None) -> dict[str, Any] | str:
    """The arguments as a dict, or an error text; ``""`` and null mean no arguments."""
    if not text or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return (
            f"Error: the arguments are not valid JSON ({exc.msg} at char {exc.pos}). "
            "Send one JSON object."
        )
    if not isinstance(value, dict):
        return "Error: the arguments must be a JSON object, not " + type(value).__name__ + "."
    return value


def _validation_text(name: str, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        problems.append(f"{where}: {err['msg']}")
    return (
        f"Error: invalid arguments for {name}: "
        + "; ".join(problems)
        + ". Fix them and call again."
    )


class ToolRegistry:
    """Tools by name; :meth:`call` never raises for a bad call."""

    def __init__(self, tools: list[Tool] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        self._schemas: list[dict[str, Any]] | None = None
        for tool in tools or []:
            self.register(tool)

    def register(self, tool: Tool) -> None:
        """Add a tool; its name must be new."""
        if tool.name in self._tools:
            raise ValueError(f"tool {tool.name!r} is already registered")
        self._tools[tool.name] = tool
        self._schemas = None

    @property
    def names(self) -> list[str]:
        """Registered tool names, in order."""
        return list(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        """Every tool's schema for the ``tools`` request parameter (built once: ~0.5 ms)."""
        if self._schemas is None:
            self._schemas = [tool.schema() for tool in self._tools.values()]
        return list(self._schemas)

    async def call(self, name: str, arguments: str | dict[str, Any] | None) -> ToolOutput:
        """Validate and run one call; any failure becomes an error text for the model."""
        tool = self._tools.get(name)
        if tool is None:
            known = ", ".join(self._tools)
            return ToolOutput(
                f"Error: there is no tool {name!r}. Available tools: {known}.", error=True
            )
        parsed = arguments if isinstance(arguments, dict) else parse_arguments(arguments)
        if isinstance(parsed, str):
            return ToolOutput(parsed, error=True)
        try:
            args = tool.args.model_validate(parsed)
        except ValidationError as exc:
            return ToolOutput(_validation_text(name, exc), error=True)
        try:
            return await tool.run(args)
        except EventchatError as exc:
            return ToolOutput(f"Error: {name} failed: {exc.message}", error=True)
