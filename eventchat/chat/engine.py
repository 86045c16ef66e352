"""The chat engine: one turn of the tool loop, yielded as typed stream events.

A turn appends the user's message, streams a completion with the tools, and while the model asks
for tools runs every call of a response concurrently, appends one result per call id in call order
and asks again; after ``max_tool_rounds`` rounds one last request goes without tools (a model
that still asks for tools then, having said nothing, fails the turn with one line rather than
leave an empty answer). The engine never prints: renderers consume what it yields. A failed turn
is rolled back; a cancelled one is completed (partial text marked interrupted, unanswered calls
"cancelled"), so history stays valid.

Text the model writes before its tool calls ("Let me look that up.") is shown and is part of
``TurnDone.answer``: every round's text, each round a new paragraph as the renderers show it.
When the model says the history is too long, the history is shrunk once and the request retried.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field

from eventchat.chat.conversation import Conversation, Message
from eventchat.chat.errors import ContextLengthError
from eventchat.chat.llm import LLM, Completion, ToolCallRequest
from eventchat.chat.stream import (
    StreamEvent,
    TextDelta,
    ToolCallStarted,
    ToolResult,
    TurnDone,
    TurnError,
    Usage,
)
from eventchat.chat.transcript import Transcript
from eventchat.errors import EventchatError, ModelAPIError
from eventchat.tools.base import ToolOutput, ToolRegistry, parse_arguments


@dataclass
class _Turn:
    """What one turn has gathered so far."""

    partial: str = ""  # this round's text (what an interruption keeps in history)
    shown: str = ""  # every round's text, as shown (TurnDone.answer, TurnError.partial)
    finished: bool = False
    shrunk: bool = False  # the history was shrunk once after context_length_exceeded
    usage: Usage = field(default_factory=Usage)
    # Identical calls within a turn share one run: (name, canonical arguments) -> its task.
    calls: dict[tuple[str, str], asyncio.Task[tuple[ToolOutput, float]]] = field(
        default_factory=dict
    )

    def add_usage(self, usage: Usage) -> None:
        self.usage = Usage(
            self.usage.prompt_tokens + usage.prompt_tokens,
            self.usage.completion_tokens + usage.completion_tokens,
            self.usage.total_tokens + usage.total_tokens,
        )


class ChatEngine:
    """Runs turns of a conversation against a model with tools."""

    def __init__(
        self,
        llm: LLM,
        tools: ToolRegistry,
        conversation: Conversation,
        *,
        max_tool_rounds: int = 5,
        tool_timeout: float = 30.0,
        transcript: Transcript | None = None,
    ) -> None:
        self.llm = llm
        self.tools = tools
        self.conversation = conversation
        self.max_tool_rounds = max_tool_rounds
        self.tool_timeout = tool_timeout
        self.transcript = transcript

    def reset(self) -> None:
        """Forget the conversation (the system prompt stays). A budget the model's window lowered
        stays lowered: the window has not changed."""
        self.conversation.reset()

    def switch_model(self, name: str, budget: int) -> None:
        """Ask model ``name`` from the next request on, with the history budget ``budget``."""
        if name != self.llm.model:
            self.llm.model = name
            self.conversation.new_model(budget)

    @property
    def history(self) -> list[Message]:
        """The messages the next request would send."""
        return self.conversation.messages()

    async def run_turn(self, text: str) -> AsyncIterator[StreamEvent]:
        """Answer ``text``: yield text deltas, tool calls, results, then TurnDone or TurnError."""
        self.conversation.begin_turn(text)
        self._log("turn", user=text)
        turn = _Turn()
        try:
            # aclosing: a consumer that stops early closes the inner generators (and the HTTP
            # stream) now, not whenever they are garbage-collected.
            async with aclosing(self._rounds(turn)) as events:
                async for event in events:
                    if isinstance(event, TurnDone):
                        turn.finished = True
                    yield event
        except EventchatError as exc:
            self.conversation.rollback_turn()
            turn.finished = True
            yield TurnError(exc, turn.shown)
        except (asyncio.CancelledError, GeneratorExit):
            if not turn.finished:
                self.conversation.interrupt(turn.partial)
            raise
        except BaseException:
            if not turn.finished:
                self.conversation.rollback_turn()
            raise
        finally:
            for task in turn.calls.values():
                task.cancel()

    async def _rounds(self, turn: _Turn) -> AsyncGenerator[StreamEvent, None]:
        for round_no in range(self.max_tool_rounds + 1):
            last = round_no == self.max_tool_rounds
            completion: Completion | None = None
            turn.partial = ""
            tools = None if last else self.tools.schemas()
            async with aclosing(self._complete(turn, tools)) as items:
                async for item in items:
                    if isinstance(item, str):
                        if not turn.partial and turn.shown:
                            # Renderers set a later round's text off as a new paragraph.
                            turn.shown = turn.shown.rstrip("\n") + "\n\n"
                        turn.partial += item
                        turn.shown += item
                        yield TextDelta(item)
                    else:
                        completion = item
            assert completion is not None  # complete() always ends with one
            turn.add_usage(completion.usage)
            if last and completion.tool_calls and not turn.shown.strip():
                # Still asking for tools when none are offered: no answer is coming.
                raise ModelAPIError(
                    f"the model kept asking for tools after {self.max_tool_rounds} rounds and "
                    "gave no answer — ask a narrower question or raise max_tool_rounds"
                )
            if last or not completion.tool_calls:
                self.conversation.add_assistant(completion.text)
                yield TurnDone(turn.shown, completion.finish_reason, turn.usage, completion.model)
                return
            async with aclosing(self._tool_round(turn, completion)) as events:
                async for event in events:
                    yield event

    async def _complete(
        self, turn: _Turn, tools: list[Message] | None
    ) -> AsyncGenerator[str | Completion, None]:
        """One request; after context_length_exceeded, the history shrunk and one more try."""
        while True:
            messages = self.conversation.messages()
            received = False
            try:
                async with aclosing(self.llm.complete(messages, tools)) as items:
                    async for item in items:
                        received = True
                        if isinstance(item, Completion):
                            prompt = item.usage.prompt_tokens
                            self.conversation.observe(prompt, messages, tools)
                        yield item
                return
            except ContextLengthError:
                if received or turn.shrunk or not self.conversation.shrink():
                    raise
                turn.shrunk = True

    def _log(self, kind: str, **fields: object) -> None:
        if self.transcript is not None:
            self.transcript.write(kind, **fields)

    async def _tool_round(
        self, turn: _Turn, completion: Completion
    ) -> AsyncGenerator[StreamEvent, None]:
        calls = completion.tool_calls
        self.conversation.add_assistant(completion.text, [c.message() for c in calls])
        turn.partial = ""
        for call in calls:
            parsed = parse_arguments(call.arguments)
            yield ToolCallStarted(call.id, call.name, parsed if isinstance(parsed, dict) else {})
        tasks = [self._task(turn, call) for call in calls]
        outcomes = await asyncio.gather(*tasks)
        # Every result goes into history before any is yielded, so a consumer that stops here
        # leaves no call unanswered.
        for call, (output, _) in zip(calls, outcomes, strict=True):
            self.conversation.add_tool_result(call.id, output.content)
        for call, (output, seconds) in zip(calls, outcomes, strict=True):
            yield ToolResult(
                call.id, call.name, output.content, output.events, output.error, seconds
            )

    def _task(self, turn: _Turn, call: ToolCallRequest) -> asyncio.Task[tuple[ToolOutput, float]]:
        parsed = parse_arguments(call.arguments)
        canonical = (
            json.dumps(parsed, sort_keys=True) if isinstance(parsed, dict) else call.arguments
        )
        key = (call.name, canonical)
        task = turn.calls.get(key)
        if task is None:
            task = asyncio.ensure_future(self._run_call(call))
            turn.calls[key] = task
        return task

    async def _run_call(self, call: ToolCallRequest) -> tuple[ToolOutput, float]:
        started = time.perf_counter()
        try:
            output = await asyncio.wait_for(
                self.tools.call(call.name, call.arguments), self.tool_timeout
            )
        except TimeoutError:
            output = ToolOutput(
                f"Error: {call.name} timed out after {self.tool_timeout:g}s; "
                "try once more with a narrower query, or tell the user the events API is slow.",
                error=True,
            )
        seconds = time.perf_counter() - started
        parsed = parse_arguments(call.arguments)
        self._log(
            "tool",
            id=call.id,
            name=call.name,
            arguments=parsed if isinstance(parsed, dict) else call.arguments,
            result=output.content,
            error=output.error,
            seconds=round(seconds, 3),
        )
        return output, seconds
