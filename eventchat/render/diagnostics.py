"""Diagnostics on stderr: the "Searching events" spinner, tool traces and one-line errors.

Every renderer shares these so stdout carries only the answer. The spinner runs only when stderr
is a terminal; tool traces only with ``--verbose``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from eventchat.chat.stream import ToolCallStarted, ToolResult, TurnError
from eventchat.render.sanitize import sanitize_line

if TYPE_CHECKING:
    from rich.status import Status

_SEARCH_FIELDS = ("search", "locality", "country", "tags", "start_after", "start_before")


def describe_call(name: str, arguments: dict[str, Any]) -> str:
    """What a tool call is doing, for the spinner: ``Searching events: python · Germany``."""
    if name == "event_search":
        parts: list[str] = []
        for key in _SEARCH_FIELDS:
            value = arguments.get(key)
            values = value if isinstance(value, list) else [value]
            parts += [sanitize_line(str(v)) for v in values if v not in (None, "")]
        return "Searching events" + (": " + " · ".join(parts) if parts else "")
    if name == "event_details":
        return "Fetching event details"
    return f"Running {sanitize_line(name)}"


def trace_line(started: ToolCallStarted | None, result: ToolResult) -> str:
    """One line per finished tool call: name, arguments, outcome and duration."""
    args = ", ".join(
        f"{sanitize_line(str(k))}={sanitize_line(repr(v))}"
        for k, v in (started.arguments if started else {}).items()
    )
    if result.error:
        outcome = "error: " + sanitize_line(result.content).removeprefix("Error: ")[:200]
    else:
        outcome = f"{len(result.events)} events"
    return f"· {sanitize_line(result.name)}({args}) → {outcome} · {result.duration:.2f}s"


class Diagnostics:
    """Writes diagnostics for one turn to ``err``."""

    def __init__(self, err: TextIO, *, verbose: bool, spinner: bool | None = None) -> None:
        self.err = err
        self.verbose = verbose
        self.spinner = _isatty(err) if spinner is None else spinner
        self._status: Status | None = None
        self._pending: dict[str, ToolCallStarted] = {}

    @property
    def spinning(self) -> bool:
        """Whether the spinner is on screen."""
        return self._status is not None

    def tool_started(self, event: ToolCallStarted) -> None:
        """Show (or update) the spinner while tool calls run."""
        self._pending[event.call_id] = event
        if self.spinner:
            self._spin(describe_call(event.name, event.arguments))

    def tool_finished(self, event: ToolResult) -> None:
        """Trace the call with ``--verbose``; stop the spinner once no call is pending."""
        started = self._pending.pop(event.call_id, None)
        if not self._pending:
            self.stop()
        if self.verbose:
            self.line(trace_line(started, event))

    def turn_error(self, event: TurnError) -> None:
        """The one-line message of a failed turn."""
        self.stop()
        self.line("eventchat: " + sanitize_line(str(event.error)))

    def line(self, text: str) -> None:
        """Write one line to ``err`` now."""
        self.err.write(text + "\n")
        self.err.flush()

    def stop(self) -> None:
        """Remove the spinner, if shown."""
        if self._status is not None:
            self._status.stop()
            self._status = None

    def _spin(self, text: str) -> None:
        from rich.text import Text

        if self._status is None:
            from rich.console import Console
            from rich.status import Status

            console = Console(file=self.err, markup=False, emoji=False, highlight=False)
            self._status = Status(Text(text), console=console, refresh_per_second=10)
            self._status.start()
        else:
            self._status.update(Text(text))


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
