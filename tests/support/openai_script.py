"""Scripted replies for the local OpenAI-compatible test server, and helpers that build them.

A :class:`Reply` is what the server sends for one request: a list of stream chunks (each the
``choices``/``usage`` part of a ``chat.completion.chunk``; the server fills in id, model and
created), or an HTTP error, plus fault injection. The helpers cover the delta variants real
servers send: text in pieces, tool-call arguments split anywhere, ``""`` then ``"{}"``, usage in
a final chunk with no choices, and every finish reason.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Chunk = dict[str, Any]


@dataclass
class Pause:
    """Sleep this many seconds between two chunks (to let a test cancel mid-stream)."""

    seconds: float


@dataclass
class Reply:
    """One scripted answer to one request."""

    chunks: list[Chunk | Pause] = field(default_factory=list)
    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut_after: int | None = None  # close the connection after this many chunks, no [DONE]
    malformed_at: int | None = None  # send a line that is not JSON before this chunk


@dataclass
class Call:
    """One tool call for :func:`tool_calls`; ``split`` cuts the arguments text at these offsets."""

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None
    split: Sequence[int] = ()

    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


def delta_chunk(delta: dict[str, Any], finish_reason: str | None = None) -> Chunk:
    """A chunk with one choice carrying ``delta``."""
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


def usage_chunk(prompt: int = 10, completion: int = 5) -> Chunk:
    """The final usage chunk: no choices, only usage (``stream_options.include_usage``)."""
    total = prompt + completion
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}
    return {"choices": [], "usage": usage}


def _pieces(text: str, cuts: Sequence[int]) -> list[str]:
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(text)), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def text(
    answer: str,
    *,
    pieces: Sequence[str] | None = None,
    finish_reason: str | None = "stop",
    usage: tuple[int, int] | None = None,
) -> Reply:
    """A text answer, one chunk per piece (default: one piece per word)."""
    parts = list(pieces) if pieces is not None else _words(answer)
    assert "".join(parts) == answer, "pieces must join to the answer"
    chunks: list[Chunk | Pause] = [delta_chunk({"role": "assistant", "content": ""})]
    chunks += [delta_chunk({"content": p}) for p in parts]
    chunks.append(delta_chunk({}, finish_reason))
    if usage is not None:
        chunks.append(usage_chunk(*usage))
    return Reply(chunks)


def _words(answer: str) -> list[str]:
    words = answer.split(" ")
    return [w + " " for w in words[:-1]] + [words[-1]] if answer else []


def tool_call(name: str, arguments: dict[str, Any] | str | None = None, **kw: Any) -> Reply:
    """One tool call in a response (keyword arguments as for :func:`tool_calls`)."""
    return tool_calls(Call(name, {} if arguments is None else arguments), **kw)


def tool_calls(
    *calls: Call,
    content: str | None = None,
    finish_reason: str | None = "tool_calls",
    empty_first: bool = False,
    usage: tuple[int, int] | None = None,
) -> Reply:
    """Several tool calls in one response, streamed the way OpenAI does.

    The first fragment of each call carries id and name; the arguments follow in pieces cut at
    ``Call.split``. ``empty_first`` sends ``arguments: ""`` in the first fragment (as OpenAI does).
    """
    chunks: list[Chunk | Pause] = [delta_chunk({"role": "assistant", "content": content})]
    for index, call in enumerate(calls):
        call_id = call.id or f"call_{index}_{call.name}"
        head: dict[str, Any] = {"name": call.name}
        if empty_first:
            head["arguments"] = ""
        first = {"index": index, "id": call_id, "type": "function", "function": head}
        chunks.append(delta_chunk({"tool_calls": [first]}))
        for piece in _pieces(call.arguments_text(), call.split):
            frag = {"index": index, "function": {"arguments": piece}}
            chunks.append(delta_chunk({"tool_calls": [frag]}))
    chunks.append(delta_chunk({}, finish_reason))
    if usage is not None:
        chunks.append(usage_chunk(*usage))
    return Reply(chunks)


def raw(*chunks: Chunk | Pause) -> Reply:
    """Exactly these chunks (use :func:`delta_chunk` and :func:`usage_chunk`)."""
    return Reply(list(chunks))


def fault(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """An HTTP error with an OpenAI-style body."""
    body = {"message": message, "type": type, "param": param, "code": code}
    return Reply(status=status, error=body, headers=dict(headers or {}))


def unauthorized() -> Reply:
    """401 as OpenAI sends for a bad key."""
    return fault(401, "Incorrect API key provided: sk-***.", code="invalid_api_key")


def model_not_found(model: str = "gpt-test") -> Reply:
    """404 for an unknown model."""
    message = f"The model `{model}` does not exist or you do not have access to it."
    return fault(404, message, code="model_not_found")


def rate_limited(*, quota: bool = False) -> Reply:
    """429: a rate limit, or (``quota``) an exhausted quota; ``retry-after-ms`` speeds retries."""
    headers = {"retry-after-ms": "10"}
    if quota:
        message = "You exceeded your current quota, please check your plan and billing details."
        return fault(429, message, type="insufficient_quota", code="insufficient_quota")
    return fault(429, "Rate limit reached for requests", type="requests", headers=headers)


def context_too_long() -> Reply:
    """400 context_length_exceeded."""
    message = "This model's maximum context length is 128000 tokens."
    return fault(400, message, code="context_length_exceeded", param="messages")


def server_error(status: int = 500) -> Reply:
    """500 or 503 with a short body; ``retry-after-ms`` keeps the SDK's retries fast."""
    return fault(
        status, "The server had an error.", type="server_error", headers={"retry-after-ms": "10"}
    )
