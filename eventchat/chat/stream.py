"""Typed stream events: what the chat engine yields and renderers consume.

They are called stream events so they never collide with the domain's events (conferences).
Every string in them is untrusted (model output or tool data); renderers sanitise before display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eventchat.errors import EventchatError


@dataclass(frozen=True)
class TextDelta:
    """A fragment of the model's answer text."""

    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    """The engine is about to run a tool call; ``arguments`` is the parsed JSON ({} if invalid)."""

    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """A finished tool call: the text sent back to the model and the events it returned.

    ``events`` holds the events (each a dict with its ``links``) the result carried, so renderers
    can list them (json output, ``--ics``) and check that answer links are grounded.
    """

    call_id: str
    name: str
    content: str
    events: list[dict[str, Any]] = field(default_factory=list)
    error: bool = False
    duration: float = 0.0


@dataclass(frozen=True)
class Usage:
    """Token usage reported by the model API (zero when the server reports none)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class TurnDone:
    """The turn finished; ``answer`` is the whole answer the person saw in this turn.

    That is every TextDelta of the turn, including text the model wrote before its tool calls,
    with each round's text a new paragraph (as renderers show it: they start one after a tool
    round). History keeps each round's text in its own assistant message.
    """

    answer: str
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    model: str = ""


@dataclass(frozen=True)
class TurnError:
    """The turn failed; history stays valid. ``partial`` is the answer text received so far."""

    error: EventchatError
    partial: str = ""


StreamEvent = TextDelta | ToolCallStarted | ToolResult | TurnDone | TurnError
