"""The raw markdown renderer: the answer streamed to stdout as it arrives, for pipes and files.

Links stay as text so a pipe keeps their URLs; unsafe ones lose their link syntax and unverified
ones are marked. Everything is sanitised; only a possibly unfinished link or escape is held back.
"""

from __future__ import annotations

from typing import TextIO

from eventchat.chat.stream import (
    StreamEvent,
    TextDelta,
    ToolCallStarted,
    ToolResult,
    TurnDone,
    TurnError,
)
from eventchat.render.diagnostics import Diagnostics
from eventchat.render.links import GroundedLinks
from eventchat.render.mdlinks import LinkRewriter
from eventchat.render.sanitize import sanitize, split_incomplete_escape


class MarkdownRenderer:
    """Streams raw, sanitised markdown to ``out``; diagnostics to ``err``."""

    def __init__(self, *, out: TextIO, grounded: GroundedLinks, diagnostics: Diagnostics) -> None:
        self.out = out
        self.grounded = grounded
        self.diagnostics = diagnostics
        self.links = LinkRewriter(grounded)
        self._carry = ""  # a trailing escape sequence the next delta may finish
        self._tail = ""  # the last two characters written, to separate messages
        self._closed = False
        self._new_message = False  # text after a tool round starts a new paragraph

    def handle(self, event: StreamEvent) -> None:
        """Write or record one stream event."""
        if isinstance(event, TextDelta):
            self.diagnostics.stop()
            ready, self._carry = split_incomplete_escape(self._carry + event.text)
            self._write(self.links.feed(sanitize(ready)))
        elif isinstance(event, ToolCallStarted):
            self._end_message()
            self.diagnostics.tool_started(event)
        elif isinstance(event, ToolResult):
            self.grounded.add_events(event.events)
            self.diagnostics.tool_finished(event)
        elif isinstance(event, TurnError):
            self._end_message()
            self.diagnostics.turn_error(event)
        elif isinstance(event, TurnDone):
            self._end_message()

    def close(self) -> None:
        """Finish the answer with a newline and stop diagnostics."""
        if self._closed:
            return
        self._closed = True
        self._end_message()
        self._new_message = False
        if self._tail and not self._tail.endswith("\n"):
            self._write("\n")
        self.diagnostics.stop()

    def _end_message(self) -> None:
        """Release everything held back: a message ended (tool round, end of turn)."""
        self._write(self.links.feed(sanitize(self._carry)) + self.links.finish())
        self._carry = ""
        self._new_message = bool(self._tail)

    def _write(self, text: str) -> None:
        if not text:
            return
        if self._new_message:
            self._new_message = False
            gap = 2 - len(self._tail) + len(self._tail.rstrip("\n"))
            text = "\n" * gap + text
        self.out.write(text)
        self.out.flush()
        self._tail = (self._tail + text)[-2:]
