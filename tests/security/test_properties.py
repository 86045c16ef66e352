"""Property tests for the security matrix (hypothesis); the rest live beside their modules.

- Any text woven from payload fragments and markdown syntax, cut anywhere, renders (rich and raw
  markdown) to output with no foreign sequence, and to the same output as when sent whole.
- Any URL that is not absolute http(s) is never clickable under the link policy.
- Any JSON as tool arguments: the registry never raises; a call either fails with a short
  error text or reaches the events client as a validated query.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventchat.models import EventDetail, EventLinks, SearchPage, SearchQuery
from eventchat.render.links import GroundedLinks, decide
from eventchat.tools import EventTools, ToolRegistry
from tests.security.payloads import PAYLOADS, terminal_violations
from tests.security.render_helpers import Format, answer_events, render

FRAGMENTS = [
    *PAYLOADS.values(),
    "\x1b",
    "\x1b[",
    "\x1b]",
    "\x9b",
    "\x07",
    "\x1b\\",
    "[x](https://ok.example/)",
    "[y](javascript:alert(1))",
    "<https://ok.example/>",
    "https://bare.example/a ",
    "# ",
    "- ",
    "> ",
    "`",
    "```\n",
    "| a | b |\n|---|---|\n",
    "\n",
    "\n\n",
    "word ",
]

hostile_text = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)


LINK_ID = re.compile(r"\x1b\]8;id=[^;]*;")


def same(output: str) -> str:
    """``output`` without Rich's per-link ids, which differ from run to run."""
    return LINK_ID.sub("\x1b]8;;", output)


def pieces(text: str, cuts: list[int]) -> list[str]:
    bounds = sorted({0, len(text), *(c for c in cuts if c <= len(text))})
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text, st.lists(st.integers(0, 400), max_size=10))
def test_any_hostile_text_any_split_renders_safely_and_the_same(text: str, cuts: list[int]) -> None:
    formats: tuple[Format, ...] = ("rich-static", "markdown")
    for fmt in formats:
        split, _ = render(fmt, answer_events(pieces(text, cuts)), verbose=False)
        whole, _ = render(fmt, answer_events([text]), verbose=False)
        assert terminal_violations(split) == []
        assert same(split) == same(whole)


schemes = st.sampled_from(
    ["javascript", "JavaScript", "file", "data", "ssh", "ftp", "mailto", "vbscript", "chrome", ""]
)


@given(schemes, st.text(max_size=40))
def test_non_http_urls_are_never_clickable(scheme: str, rest: str) -> None:
    url = f"{scheme}:{rest}" if scheme else rest
    decision = decide("label", url, GroundedLinks([url]))
    if decision.clickable:
        assert decision.url.lower().startswith(("http://", "https://"))


class RecordingEvents:
    """An events client that records queries and finds nothing."""

    def __init__(self) -> None:
        self.queries: list[SearchQuery] = []
        self.ids: list[str] = []

    async def search(self, query: SearchQuery) -> SearchPage:
        self.queries.append(query)
        return SearchPage(total=0, count=0, offset=0, events=[])

    async def links(self, ids: Sequence[str]) -> list[EventLinks]:
        return []

    async def get(self, event_id: str) -> EventDetail | None:
        self.ids.append(event_id)
        return None

    async def aclose(self) -> None:
        return None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
search_keys = st.sampled_from(
    ["search", "locality", "country", "tags", "start_after", "start_before", "online", "limit"]
)
arguments = st.one_of(
    st.dictionaries(search_keys | st.just("ids"), json_values, max_size=6).map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=60),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["event_search", "event_details", "nope"]), arguments)
def test_any_tool_arguments_give_an_error_text_or_a_valid_query(name: str, raw: str) -> None:
    events = RecordingEvents()
    registry = ToolRegistry(EventTools(events, today=lambda: dt.date(2026, 1, 15)).tools())
    output = asyncio.run(registry.call(name, raw))
    if output.error:
        assert output.content.startswith("Error:")
        assert len(output.content) < 2000
        return
    for query in events.queries:
        assert isinstance(SearchQuery.model_validate(query.model_dump()), SearchQuery)
        assert all(isinstance(tag, str) for tag in query.tags)
    assert all(isinstance(i, str) for i in events.ids)
    parsed: Any = json.loads(output.content.split("\n")[1])
    assert isinstance(parsed, dict)
