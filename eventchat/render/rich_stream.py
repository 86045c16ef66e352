"""The Rich renderer: the answer as terminal markdown with clickable links, streamed in O(answer).

Finished pieces of the answer (see :mod:`eventchat.render.blocks`) are printed once into scrollback;
only the open tail is re-rendered, in a small transient ``Live`` region, at most ``REFRESH_HZ``
times a second. The final output is the same whatever the chunking: each piece is rendered once,
in order, exactly as :func:`render_pieces` renders a whole answer. Untrusted text reaches Rich only
as ``Markdown`` built from sanitised text whose links passed the link policy; never as markup.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console, Group, NewLine, RenderableType
from rich.live import Live
from rich.markdown import Markdown
from rich.segment import Segment, Segments

from eventchat.chat.stream import (
    StreamEvent,
    TextDelta,
    ToolCallStarted,
    ToolResult,
    TurnDone,
    TurnError,
)
from eventchat.render.blocks import BlockStream, apply_link_policy, piece_layout
from eventchat.render.links import GroundedLinks
from eventchat.render.sanitize import sanitize, split_incomplete_escape

if TYPE_CHECKING:
    from eventchat.render.diagnostics import Diagnostics

REFRESH_HZ = 10


def policy_markdown(text: str, grounded: GroundedLinks, *, hyperlinks: bool) -> Markdown:
    """A Rich ``Markdown`` of sanitised ``text`` whose links follow the link policy."""
    markdown = Markdown(sanitize(text), hyperlinks=hyperlinks)
    apply_link_policy(markdown.parsed, grounded, hyperlinks=hyperlinks)
    return markdown


class PieceWriter:
    """Prints pieces of one answer in order, with the blank lines Rich puts between blocks."""

    def __init__(self, console: Console, grounded: GroundedLinks, *, hyperlinks: bool) -> None:
        self.console = console
        self.grounded = grounded
        self.hyperlinks = hyperlinks
        self.blank_due = False  # whether the next piece starts after a blank line

    def renderable(self, piece: str) -> tuple[RenderableType, bool] | None:
        """The piece as it will print, and whether a blank line follows it; None if empty."""
        markdown = policy_markdown(piece, self.grounded, hyperlinks=self.hyperlinks)
        layout = piece_layout(markdown.parsed)
        if layout is None:
            return None
        self_separated, blank_after = layout
        if self.blank_due and not self_separated:
            return Group(NewLine(), markdown), blank_after
        return markdown, blank_after

    def write(self, piece: str) -> None:
        """Print one finished piece."""
        rendered = self.renderable(piece)
        if rendered is not None:
            self.console.print(rendered[0])
            self.blank_due = rendered[1]


def render_pieces(
    pieces: list[str], console: Console, grounded: GroundedLinks, *, hyperlinks: bool
) -> None:
    """Print a whole answer, piece by piece: what the streaming renderer ends with."""
    writer = PieceWriter(console, grounded, hyperlinks=hyperlinks)
    for piece in pieces:
        writer.write(piece)


class RichRenderer:
    """Streams the answer to a Rich console; diagnostics go elsewhere."""

    def __init__(
        self,
        *,
        console: Console,
        grounded: GroundedLinks,
        diagnostics: Diagnostics,
        hyperlinks: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.grounded = grounded
        self.diagnostics = diagnostics
        self.writer = PieceWriter(console, grounded, hyperlinks=hyperlinks)
        self.blocks = BlockStream()
        self.clock = clock
        self.live: Live | None = None
        self._carry = ""
        self._last_refresh = float("-inf")
        self._closed = False

    def handle(self, event: StreamEvent) -> None:
        """Render or record one stream event."""
        if isinstance(event, TextDelta):
            self.diagnostics.stop()
            ready, self._carry = split_incomplete_escape(self._carry + event.text)
            for piece in self.blocks.feed(sanitize(ready)):
                self.writer.write(piece)
            self._refresh()
        elif isinstance(event, ToolCallStarted):
            self._end_message()
            self.diagnostics.tool_started(event)
        elif isinstance(event, ToolResult):
            self.grounded.add_events(event.events)
            self.diagnostics.tool_finished(event)
        elif isinstance(event, TurnDone):
            self._end_message()
        elif isinstance(event, TurnError):
            self._end_message()
            self.diagnostics.turn_error(event)

    def close(self) -> None:
        """Print what is left of the answer and stop every live display."""
        if not self._closed:
            self._closed = True
            self._end_message()
            self.diagnostics.stop()

    def _end_message(self) -> None:
        """A message ended (tool round, end of turn): print its open tail as finished."""
        if self.live is not None:
            self.live.stop()  # transient: the live region is erased before the final print
            self.live = None
        tail = sanitize(self._carry)
        self._carry = ""
        for piece in [*self.blocks.feed(tail), *self.blocks.finish()]:
            self.writer.write(piece)

    def _refresh(self) -> None:
        """Re-render the open tail in the live region, at most ``REFRESH_HZ`` times a second."""
        if not self.console.is_interactive or not self.blocks.tail.strip():
            return
        now = self.clock()
        if now - self._last_refresh < 1 / REFRESH_HZ:
            return
        self._last_refresh = now
        rendered = self.writer.renderable(self.blocks.tail)
        if rendered is None:
            return
        view = self._bottom(rendered[0])
        if self.live is None:
            self.live = Live(view, console=self.console, auto_refresh=False, transient=True)
            self.live.start()
        self.live.update(view, refresh=True)

    def _bottom(self, renderable: RenderableType) -> Segments:
        """The last lines of ``renderable`` that fit the screen: a long open block shows its end."""
        height = max(3, self.console.size.height - 2)
        lines = self.console.render_lines(renderable, self.console.options, pad=False)[-height:]
        segments: list[Segment] = []
        for number, line in enumerate(lines):
            if number:
                segments.append(Segment.line())
            segments += line
        return Segments(segments)
