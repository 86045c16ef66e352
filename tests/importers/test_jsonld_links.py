"""Links in schema.org JSON-LD: relative ones resolved against the page, else dropped; spaces
encoded; a host never made up from a file name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eventchat.store.importers import parse_file
from eventchat.store.importers.fields import http_url

GAME = {
    "@context": "https://schema.org",
    "@type": "SportsEvent",
    "name": "Game 3",
    "startDate": "2026-05-01T18:00:00+02:00",
    "url": "game3.html",
    "image": "img/game 3.jpg",
}


def _page(tmp_path: Path, head: str, node: Any = GAME) -> Path:
    path = tmp_path / "games.html"
    script = json.dumps(node)
    path.write_text(
        f'<html><head>{head}<script type="application/ld+json">{script}</script></head></html>'
    )
    return path


def _links(path: Path) -> tuple[str | None, list[str]]:
    (event,) = parse_file(path).events
    assert event.links is not None
    return event.links.url, event.links.images


def test_relative_links_resolve_against_the_canonical_url(tmp_path: Path) -> None:
    path = _page(tmp_path, '<link rel="canonical" href="https://club.example/season/">')

    assert _links(path) == (
        "https://club.example/season/game3.html",
        ["https://club.example/season/img/game%203.jpg"],
    )


def test_base_href_is_resolved_against_the_page(tmp_path: Path) -> None:
    head = '<base href="/2026/"><link rel="canonical" href="https://club.example/season/list">'

    assert _links(_page(tmp_path, head))[0] == "https://club.example/2026/game3.html"


def test_og_url_is_the_page_url_when_nothing_else_says_it(tmp_path: Path) -> None:
    head = '<meta property="og:url" content="https://club.example/games/">'

    assert _links(_page(tmp_path, head))[0] == "https://club.example/games/game3.html"


def test_the_documents_own_web_page_node_gives_the_base(tmp_path: Path) -> None:
    game = {k: v for k, v in GAME.items() if k != "@context"}
    graph = {
        "@context": "https://schema.org",
        "@graph": [{"@type": "WebPage", "@id": "https://club.example/fixtures/#page"}, game],
    }
    path = tmp_path / "fixtures.jsonld"
    path.write_text(json.dumps(graph))

    assert _links(path)[0] == "https://club.example/fixtures/game3.html"


def test_without_a_page_url_relative_links_are_dropped_not_invented(tmp_path: Path) -> None:
    path = _page(tmp_path, "<title>Games</title>")

    url, images = _links(path)

    assert (url, images) == (None, [])
    assert "game3.html" not in parse_file(path).events[0].model_dump_json()


def test_a_relative_url_falls_back_to_an_absolute_offer_url(tmp_path: Path) -> None:
    node = {**GAME, "offers": {"@type": "Offer", "url": "https://tickets.example/game3"}}

    assert _links(_page(tmp_path, "", node))[0] == "https://tickets.example/game3"


def test_spaces_in_absolute_links_are_encoded_not_dropped(tmp_path: Path) -> None:
    node = {
        **GAME,
        "url": " https://club.example/games/game 3 ",
        "image": [
            "https://club.example/img/home team.png",
            {"url": "https://club.example/a\nb.png"},
        ],
    }

    assert _links(_page(tmp_path, "", node)) == (
        "https://club.example/games/game%203",
        ["https://club.example/img/home%20team.png", "https://club.example/ab.png"],
    )


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [
        ("pycon.example/2026", None, "https://pycon.example/2026"),  # a bare host
        ("www.example.org", None, "https://www.example.org"),
        ("game3.html", None, None),  # a file, not a host
        ("./game3.html", None, None),
        ("/events/3", None, None),
        ("/events/3", "https://club.example/a/b", "https://club.example/events/3"),
        ("//cdn.example/x.png", None, "https://cdn.example/x.png"),
        ("//cdn.example/x.png", "http://club.example/", "http://cdn.example/x.png"),
        ("mailto:jo@club.example", "https://club.example/", None),
        ("javascript:alert(1)", "https://club.example/", None),
        ("tel:+4930123456", None, None),
        ("game3.html", "not a url", None),
    ],
)
def test_http_url(value: str, base: str | None, expected: str | None) -> None:
    assert http_url(value, base=base) == expected
