"""Renderers: one small family that turns the engine's stream events into output.

:func:`make_renderer` picks one from the format, as httpie's ``get_stream_type_and_kwargs`` does:
``rich`` (terminal markdown), ``markdown`` (raw, for pipes), ``json`` (one document) or ``jsonl``
(one object per stream event). Answers go to ``out``; spinners, traces and errors to ``err``.
Importing this package does not import Rich: the rich renderer is loaded only when chosen.
"""

from __future__ import annotations

from typing import Literal, Protocol, TextIO

from eventchat.chat.stream import StreamEvent
from eventchat.render.diagnostics import Diagnostics
from eventchat.render.links import GroundedLinks, is_safe_url
from eventchat.render.sanitize import sanitize

__all__ = ["GroundedLinks", "RenderFormat", "Renderer", "is_safe_url", "make_renderer", "sanitize"]

RenderFormat = Literal["rich", "markdown", "json", "jsonl"]


class Renderer(Protocol):
    """Consumes one turn's stream events; ``close`` is called once, even after an error."""

    def handle(self, event: StreamEvent) -> None:
        """Render or record one stream event."""

    def close(self) -> None:
        """Finish the output: print what is pending, stop spinners and live regions."""


def make_renderer(
    fmt: RenderFormat,
    *,
    out: TextIO,
    err: TextIO,
    color: bool,
    hyperlinks: bool,
    width: int | None,
    question: str,
    model: str,
    today: str,
    grounded: GroundedLinks,
    verbose: bool,
    terminal: bool | None = None,
) -> Renderer:
    """The renderer for ``fmt``; ``grounded`` is the conversation's, and renderers add to it.

    ``terminal`` forces (or denies) terminal behaviour of the rich renderer; None detects it.
    """
    diagnostics = Diagnostics(err, verbose=verbose)
    if fmt == "rich":
        from rich.console import Console

        from eventchat.render.rich_stream import RichRenderer

        console = Console(
            file=out,
            width=width,
            force_terminal=terminal,
            no_color=not color,
            markup=False,
            emoji=False,
            highlight=False,
        )
        # Without a terminal Rich writes no link escapes: show URLs as "text (url)" instead.
        clickable = hyperlinks and console.is_terminal and console.color_system is not None
        return RichRenderer(
            console=console, grounded=grounded, diagnostics=diagnostics, hyperlinks=clickable
        )
    if fmt == "json":
        from eventchat.render.jsonout import JsonRenderer

        return JsonRenderer(
            out=out,
            grounded=grounded,
            diagnostics=diagnostics,
            question=question,
            model=model,
            today=today,
        )
    if fmt == "jsonl":
        from eventchat.render.jsonout import JsonLinesRenderer

        return JsonLinesRenderer(out=out, grounded=grounded, diagnostics=diagnostics)
    from eventchat.render.plain import MarkdownRenderer

    return MarkdownRenderer(out=out, grounded=grounded, diagnostics=diagnostics)
