"""The model API: one streamed chat completion, its fragments accumulated, its errors mapped.

``LLM.complete`` yields the answer's text pieces as they arrive and ends with one
:class:`Completion`. Tool-call fragments are joined by ``index`` (id and name come in the first
fragment only; arguments are cut anywhere, may be ``""`` then ``"{}"`` or null). A stream that
ends without a finish reason is an error, so half-received tool arguments are never executed.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from eventchat.chat.errors import model_error
from eventchat.chat.stream import Usage
from eventchat.chat.transcript import Transcript
from eventchat.errors import ModelAPIError


@dataclass
class ToolCallRequest:
    """A tool call the model asked for; ``arguments`` is the raw JSON text."""

    id: str
    name: str
    arguments: str = ""

    def message(self) -> dict[str, Any]:
        """As it goes back to the API inside the assistant message."""
        args = self.arguments or "{}"
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": args},
        }


@dataclass
class Completion:
    """One finished model response."""

    text: str = ""
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    model: str = ""


class StreamAccumulator:
    """Joins the chunks of one streamed response into a :class:`Completion`."""

    def __init__(self) -> None:
        self._text: list[str] = []
        self._calls: dict[int, ToolCallRequest] = {}
        self.finish_reason: str | None = None
        self.usage = Usage()
        self.model = ""

    def add(self, chunk: ChatCompletionChunk) -> str:
        """Take one chunk; return the text it adds to the answer ("" for none)."""
        self.model = chunk.model or self.model
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage)
        added = ""
        for choice in chunk.choices:  # a final usage-only chunk has no choices
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta.content:
                added += delta.content
            for frag in delta.tool_calls or []:
                call = self._calls.setdefault(frag.index, ToolCallRequest(id="", name=""))
                call.id = call.id or (frag.id or "")
                if frag.function is not None:
                    call.name = call.name or (frag.function.name or "")
                    call.arguments += frag.function.arguments or ""
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
        self._text.append(added)
        return added

    def result(self) -> Completion:
        """The completion; ModelAPIError when the stream ended without a finish reason."""
        if self.finish_reason is None:
            raise ModelAPIError(
                "the model's answer stream ended early (no finish reason) — try again"
            )
        calls = [self._calls[i] for i in sorted(self._calls)]
        if self.finish_reason == "length":
            calls = []  # arguments cut by the token limit are not safe to run
        for n, call in enumerate(calls):
            call.id = call.id or f"call_{n}"  # some servers omit ids; the API needs one to answer
        return Completion(
            "".join(self._text),
            [c for c in calls if c.name],
            self.finish_reason,
            self.usage,
            self.model,
        )


def _usage(usage: Any) -> Usage:
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        total_tokens=usage.total_tokens or 0,
    )


class LLM:
    """Chat completions through an injected ``openai.AsyncOpenAI``.

    The request is kept minimal (model, messages, tools, stream, temperature) so any
    OpenAI-compatible server accepts it; ``include_usage`` adds ``stream_options``, which only
    some servers know, so it is on only when asked for.
    """

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        *,
        model: str,
        temperature: float = 0.0,
        stream: bool = True,
        include_usage: bool = False,
        timeout: float | None = None,
        transcript: Transcript | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.temperature = temperature
        self.stream = stream
        self.include_usage = include_usage
        self.timeout = timeout
        self.transcript = transcript

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> AsyncGenerator[str | Completion, None]:
        """Yield text pieces as they arrive, then the :class:`Completion`.

        Closing this generator (or cancelling its task) closes the HTTP stream at once.
        """
        started = time.perf_counter()
        try:
            async for item in self._complete(messages, tools):
                if isinstance(item, Completion):
                    self._log_response(item, time.perf_counter() - started)
                yield item
        except ModelAPIError as exc:
            self._log("error", message=exc.message)
            raise

    async def _complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> AsyncIterator[str | Completion]:
        try:
            if self.stream:
                async for item in self._streamed(messages, tools):
                    yield item
            else:
                completion = await self._whole(messages, tools)
                if completion.text:
                    yield completion.text
                yield completion
        except openai.OpenAIError as exc:
            raise model_error(
                exc, self.model, self.url, self.timeout, secret=self.client.api_key
            ) from exc
        except json.JSONDecodeError as exc:
            raise ModelAPIError(
                f"the model API at {self.url} sent a malformed stream chunk — try again; "
                "if it persists, the server is not OpenAI-compatible"
            ) from exc

    def _log(self, kind: str, **fields: Any) -> None:
        if self.transcript is not None:
            self.transcript.write(kind, **fields)

    def _log_response(self, completion: Completion, seconds: float) -> None:
        self._log(
            "response",
            model=completion.model,
            text=completion.text,
            tool_calls=[c.message() for c in completion.tool_calls],
            finish_reason=completion.finish_reason,
            usage=asdict(completion.usage),
            seconds=round(seconds, 3),
        )

    @property
    def url(self) -> str:
        """The model API's base URL, for messages."""
        return str(self.client.base_url).rstrip("/")

    def _params(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> Any:
        params: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
        }
        if tools:
            params["tools"] = tools
        return params

    async def _streamed(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> AsyncIterator[str | Completion]:
        params = self._params(messages, tools)
        params["stream"] = True
        if self.include_usage:
            params["stream_options"] = {"include_usage": True}
        self._log("request", **params)
        acc = StreamAccumulator()
        stream = await self.client.chat.completions.create(**params)
        async with stream:
            async for chunk in stream:
                piece = acc.add(chunk)
                if piece:
                    yield piece
        yield acc.result()

    async def _whole(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> Completion:
        params = self._params(messages, tools)
        self._log("request", **params)
        response: ChatCompletion = await self.client.chat.completions.create(**params)
        if not response.choices:
            raise ModelAPIError("the model API answered with no choices — try again")
        choice = response.choices[0]
        calls = [
            ToolCallRequest(c.id, c.function.name, c.function.arguments or "")
            for c in choice.message.tool_calls or []
            if c.type == "function"
        ]
        if choice.finish_reason == "length":
            calls = []
        usage = _usage(response.usage) if response.usage else Usage()
        return Completion(
            choice.message.content or "", calls, choice.finish_reason, usage, response.model
        )
