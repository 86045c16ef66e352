"""The renderer factory and the diagnostics every renderer shares."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from eventchat.chat.stream import TextDelta, ToolCallStarted, ToolResult
from eventchat.render import GroundedLinks, make_renderer
from eventchat.render.diagnostics import Diagnostics, describe_call


def test_importing_the_package_does_not_import_rich_markdown() -> None:
    code = (
        "import sys, eventchat.render; print('rich.markdown' in sys.modules, 'rich' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [
        ("rich", "RichRenderer"),
        ("markdown", "MarkdownRenderer"),
        ("json", "JsonRenderer"),
        ("jsonl", "JsonLinesRenderer"),
    ],
)
def test_factory_picks_one_renderer_per_format(fmt: str, kind: str) -> None:
    renderer = make_renderer(
        fmt,  # type: ignore[arg-type]
        out=io.StringIO(),
        err=io.StringIO(),
        color=False,
        hyperlinks=True,
        width=40,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=GroundedLinks(),
        verbose=False,
    )
    assert type(renderer).__name__ == kind


@pytest.mark.parametrize("fmt", ["rich", "markdown", "json", "jsonl"])
def test_every_renderer_adds_tool_links_to_the_conversation(fmt: str) -> None:
    grounded = GroundedLinks()
    renderer = make_renderer(
        fmt,  # type: ignore[arg-type]
        out=io.StringIO(),
        err=io.StringIO(),
        color=False,
        hyperlinks=True,
        width=40,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=grounded,
        verbose=False,
    )
    events = [
        {"id": "a", "url": "https://a.example/", "links": {"cfp_url": "https://a.example/cfp"}}
    ]
    renderer.handle(ToolResult("c1", "event_search", "{}", events=events))
    renderer.close()
    assert "https://a.example" in grounded
    assert "https://a.example/cfp" in grounded


def test_spinner_text_names_the_search() -> None:
    assert (
        describe_call("event_search", {"search": "python", "country": "Germany", "limit": 5})
        == "Searching events: python · Germany"
    )
    assert describe_call("event_search", {"search": "py\x1b[2Jthon", "tags": ["ai", "ml"]}) == (
        "Searching events: python · ai · ml"
    )
    assert describe_call("event_details", {"ids": ["x"]}) == "Fetching event details"


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_spinner_runs_on_stderr_only_while_tools_run() -> None:
    out, err = io.StringIO(), FakeTTY()
    renderer = make_renderer(
        "markdown",
        out=out,
        err=err,
        color=False,
        hyperlinks=True,
        width=40,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=GroundedLinks(),
        verbose=False,
    )
    diagnostics: Diagnostics = renderer.diagnostics  # type: ignore[attr-defined]
    renderer.handle(ToolCallStarted("c1", "event_search", {"search": "python"}))
    renderer.handle(ToolCallStarted("c2", "event_search", {"search": "rust"}))
    assert diagnostics.spinning
    renderer.handle(ToolResult("c1", "event_search", "{}"))
    assert diagnostics.spinning  # one call still runs
    renderer.handle(ToolResult("c2", "event_search", "{}"))
    assert not diagnostics.spinning
    renderer.handle(TextDelta("Answer."))
    renderer.close()
    assert out.getvalue() == "Answer.\n"
    assert "Searching events: rust" in err.getvalue()
