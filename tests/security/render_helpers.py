"""Render stream events through :func:`eventchat.render.make_renderer` into strings."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from rich.console import Console

from eventchat.chat.stream import (
    StreamEvent,
    TextDelta,
    ToolCallStarted,
    ToolResult,
    TurnDone,
    Usage,
)
from eventchat.render import GroundedLinks, Renderer, RenderFormat, make_renderer
from eventchat.render.diagnostics import Diagnostics
from eventchat.render.rich_stream import RichRenderer

FORMATS: tuple[RenderFormat, ...] = ("rich", "markdown", "json", "jsonl")
Format = Literal["rich", "rich-static", "markdown", "json", "jsonl"]
ALL_FORMATS: tuple[Format, ...] = ("rich", "rich-static", "markdown", "json", "jsonl")
"""``rich`` is the factory's renderer on an interactive terminal (with a Live region);
``rich-static`` a colour terminal that is not interactive, so only the final print is written."""
GROUNDED_URL = "https://pycon.example/2026/"
GROUNDED_IMAGE = "https://pycon.example/banner.png"
EVENTS: list[dict[str, Any]] = [
    {
        "id": "e1",
        "name": "PyCon Example",
        "links": {"url": GROUNDED_URL, "images": [GROUNDED_IMAGE]},
    }
]


def chunked(text: str, size: int) -> list[str]:
    """``text`` cut into pieces of ``size`` characters (0: one piece)."""
    if size <= 0:
        return [text]
    return [text[i : i + size] for i in range(0, len(text), size)]


def tool_round(events: list[dict[str, Any]], content: str = "{}") -> list[StreamEvent]:
    """One event_search call and its result carrying ``events``."""
    return [
        ToolCallStarted("c1", "event_search", {"search": "python"}),
        ToolResult("c1", "event_search", content, events=events),
    ]


def answer_events(chunks: Sequence[str]) -> list[StreamEvent]:
    """The text deltas of an answer and its TurnDone."""
    return [
        *(TextDelta(c) for c in chunks),
        TurnDone("".join(chunks), "stop", Usage(), "gpt-test"),
    ]


def render(
    fmt: Format,
    stream: Iterable[StreamEvent],
    *,
    hyperlinks: bool = True,
    verbose: bool = True,
) -> tuple[str, str]:
    """(stdout, stderr) of rendering ``stream`` in ``fmt`` as on a colour terminal."""
    out, err = io.StringIO(), io.StringIO()
    renderer: Renderer
    if fmt == "rich-static":
        console = Console(
            file=out,
            width=200,
            force_terminal=True,
            force_interactive=False,
            color_system="truecolor",
            markup=False,
            emoji=False,
            highlight=False,
        )
        renderer = RichRenderer(
            console=console,
            grounded=GroundedLinks(),
            diagnostics=Diagnostics(err, verbose=verbose, spinner=False),
            hyperlinks=hyperlinks,
        )
    else:
        renderer = make_renderer(
            fmt,
            out=out,
            err=err,
            color=True,
            hyperlinks=hyperlinks,
            width=200,
            question="q",
            model="gpt-test",
            today="2026-01-15",
            grounded=GroundedLinks(),
            verbose=verbose,
            terminal=True,
        )
    try:
        for event in stream:
            renderer.handle(event)
    finally:
        renderer.close()
    return out.getvalue(), err.getvalue()
