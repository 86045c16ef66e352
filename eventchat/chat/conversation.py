"""The conversation history: whole turns, their invariants and the token budget.

History is a list of turns; a turn is the user message and everything answering it. Keeping turns
whole is what keeps the API's invariant: an assistant message with ``tool_calls`` is always
followed by one tool message per call id. When the history passes its token budget the oldest
whole turns go first; the turn in progress is never dropped.
"""

from __future__ import annotations

import json
from typing import Any

Message = dict[str, Any]

INTERRUPTED = "[interrupted by the user]"
CANCELLED = "Error: cancelled by the user before this call finished."


def estimate_tokens(message: Message) -> int:
    """A token estimate without a tokenizer.

    tiktoken downloads its vocabularies on first use, so it fails offline. Tool results and
    tool calls are JSON, where chars/4 undercounts by 15-19%; chars/3 errs on the safe side,
    plus a few tokens of per-message overhead.
    """
    return len(json.dumps(message, ensure_ascii=False)) // 3 + 4


class Conversation:
    """In-memory history bounded by a token budget."""

    def __init__(self, system: str, budget: int) -> None:
        self.system: Message = {"role": "system", "content": system}
        self.budget = budget
        self.turns: list[list[Message]] = []

    def messages(self) -> list[Message]:
        """What the next request sends: the system prompt and the kept turns."""
        self._trim()
        return [self.system, *(m for turn in self.turns for m in turn)]

    def begin_turn(self, text: str) -> None:
        """Start a turn with the user's message."""
        self.turns.append([{"role": "user", "content": text}])

    def add_assistant(self, text: str, tool_calls: list[Message] | None = None) -> None:
        """The model's message; with ``tool_calls`` their results must follow."""
        message: Message = {"role": "assistant", "content": text or None}
        if tool_calls:
            message["tool_calls"] = tool_calls
        elif not text:
            message["content"] = ""
        self._current.append(message)

    def add_tool_result(self, call_id: str, content: str) -> None:
        """The result of one tool call."""
        self._current.append({"role": "tool", "tool_call_id": call_id, "content": content})

    def pending_calls(self) -> list[str]:
        """Ids of tool calls in the current turn that have no result yet."""
        pending: list[str] = []
        for message in self._current if self.turns else []:
            if message["role"] == "assistant":
                pending = [c["id"] for c in message.get("tool_calls") or []]
            elif message["role"] == "tool" and message["tool_call_id"] in pending:
                pending.remove(message["tool_call_id"])
        return pending

    def interrupt(self, partial: str) -> None:
        """Close the current turn after a cancellation so the next request is valid.

        Unanswered tool calls get "cancelled" results; the partial answer is kept, marked.
        """
        if not self.turns:
            return
        for call_id in self.pending_calls():
            self.add_tool_result(call_id, CANCELLED)
        text = f"{partial}\n\n{INTERRUPTED}" if partial else INTERRUPTED
        self.add_assistant(text)

    def rollback_turn(self) -> None:
        """Forget the current turn (after an error), leaving history as before it."""
        if self.turns:
            self.turns.pop()

    def reset(self) -> None:
        """Forget everything but the system prompt."""
        self.turns.clear()

    @property
    def _current(self) -> list[Message]:
        return self.turns[-1]

    def _trim(self) -> None:
        total = estimate_tokens(self.system) + sum(
            estimate_tokens(m) for turn in self.turns for m in turn
        )
        while total > self.budget and len(self.turns) > 1:
            total -= sum(estimate_tokens(m) for m in self.turns.pop(0))
