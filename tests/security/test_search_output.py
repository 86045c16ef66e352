"""``eventchat search`` output of hostile events: the table, json, jsonl and markdown list.

The events come from the real store (payloads in every field); the table is printed to a colour
terminal console, so its links are OSC 8: only to http(s), never to the payload's host.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from rich.console import Console

from eventchat.lookup import Hit, SearchResult
from eventchat.models import SearchQuery
from eventchat.render.event_list import ListFormat, write_result
from eventchat.store import SQLiteStore
from tests.security.hostile import MARKER, hostile_events
from tests.security.payloads import (
    EVIL_HOST,
    PAYLOADS,
    json_violations,
    link_targets,
    terminal_violations,
    visible,
)


def search_output(store: SQLiteStore, fmt: ListFormat) -> str:
    page = store.search(SearchQuery(q=MARKER, limit=50))
    links = {link.id: link for link in store.links([e.id for e in page.events])}
    hits = [Hit(event, links.get(event.id)) for event in page.events]
    result = SearchResult(total=page.total, offset=0, hits=hits)
    out = io.StringIO()
    console = Console(
        file=out,
        width=250,
        force_terminal=True,
        color_system="truecolor",
        markup=False,
        emoji=False,
        highlight=False,
    )
    write_result(result, fmt, out, console)
    return out.getvalue()


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    """A store of this module's own; each test replaces the same hostile events by id."""
    store = SQLiteStore(tmp_path_factory.mktemp("search-output") / "events.sqlite3")
    yield store
    store.close()


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "markdown"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_output_of_hostile_events(
    payload: str, fmt: ListFormat, empty_store: SQLiteStore
) -> None:
    empty_store.upsert(hostile_events(PAYLOADS[payload]))
    out = search_output(empty_store, fmt)
    assert MARKER in out.lower()
    if fmt in {"json", "jsonl"}:
        assert json_violations(out, lines=fmt == "jsonl") == []
        return
    assert terminal_violations(out) == []
    assert not any(EVIL_HOST in t for t in link_targets(out))
    if payload == "rich_style" and fmt == "table":
        assert "[bold red]alarm[/bold red]" in visible(out)


HTML_PAYLOADS = {
    "anchor": '<a href="javascript:alert(1)">x</a>',
    "image": "<img src=x onerror=alert(1)>",
    "link": "[click](javascript:alert(1))",
    "comment": "<!-- hide the rest",
}


@pytest.mark.parametrize("payload", HTML_PAYLOADS)
def test_search_markdown_gives_a_viewer_no_unsafe_link(
    payload: str, empty_store: SQLiteStore
) -> None:
    from markdown_it import MarkdownIt

    empty_store.upsert(hostile_events(HTML_PAYLOADS[payload]))
    out = search_output(empty_store, "markdown")
    viewer = MarkdownIt("commonmark")
    viewer.validateLink = lambda url: True  # type: ignore[method-assign]  # a naive viewer
    html = viewer.render(out)
    for target in re.findall(r"(?:href|src)=\"([^\"]*)\"", html):
        assert target.startswith("https://"), target
    assert "<!--" not in html
