"""The conversation history: whole turns, their invariants and the token budget.

History is a list of turns; a turn is the user message and everything answering it. Keeping turns
whole is what keeps the API's invariant: an assistant message with ``tool_calls`` is always
followed by one tool message per call id. When the history passes its token budget the oldest
whole turns go first; the turn in progress is never dropped.

The budget is in the model's tokens. Without a tokenizer each message is estimated (chars/3);
the ``prompt_tokens`` the server reports for a request corrects later estimates by the ratio of
real to estimated tokens (:meth:`Conversation.observe`). When the server still finds the history
too long, :meth:`Conversation.shrink` halves it and lowers the budget for the rest of the session.
"""

from __future__ import annotations

import json
import math
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


def estimate_json(value: Any) -> int:
    """The same estimate for any JSON value (the ``tools`` of a request)."""
    return len(json.dumps(value, ensure_ascii=False)) // 3 if value else 0


# Bounds of the correction: a server's usage is trusted within reason, never to zero or to 10x.
MIN_RATIO, MAX_RATIO = 0.5, 4.0


class Conversation:
    """In-memory history bounded by a token budget."""

    def __init__(self, system: str, budget: int) -> None:
        self.system: Message = {"role": "system", "content": system}
        self.budget = budget
        self.turns: list[list[Message]] = []
        # Real tokens per estimated token, from the last request the server reported usage for.
        self.ratio = 1.0

    def tokens(self, messages: list[Message], tools: Any = None) -> int:
        """The estimate for these messages (and tools), corrected by what the server reported."""
        raw = sum(estimate_tokens(m) for m in messages) + estimate_json(tools)
        return math.ceil(raw * self.ratio)

    def observe(self, prompt_tokens: int, sent: list[Message], tools: Any = None) -> None:
        """Learn from the ``prompt_tokens`` the server counted for a request of ``sent``."""
        raw = sum(estimate_tokens(m) for m in sent) + estimate_json(tools)
        if prompt_tokens > 0 and raw > 0:
            self.ratio = min(MAX_RATIO, max(MIN_RATIO, prompt_tokens / raw))

    def shrink(self) -> bool:
        """The model found the history too long: halve it, and keep the budget at that.

        Drops the oldest whole turns until the history is at most half its size; True when a
        turn was dropped (the current turn never is, so a lone turn cannot shrink).
        """
        before = len(self.turns)
        self.budget = max(1, min(self.budget, self._total() // 2))
        self._trim()
        return len(self.turns) < before

    def new_model(self, budget: int) -> None:
        """Another model from now on: what was learnt of the last one's context window (a budget
        lowered by :meth:`shrink`) and of its tokenizer (the ratio) no longer holds."""
        self.budget = budget
        self.ratio = 1.0

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

    def _total(self) -> int:
        return self.tokens([self.system, *(m for turn in self.turns for m in turn)])

    def _trim(self) -> None:
        sizes = [sum(estimate_tokens(m) for m in turn) for turn in self.turns]
        raw = estimate_tokens(self.system) + sum(sizes)
        while len(self.turns) > 1 and math.ceil(raw * self.ratio) > self.budget:
            raw -= sizes.pop(0)
            self.turns.pop(0)
