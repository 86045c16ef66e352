"""The link policy: safe schemes, spoofed hosts, grounded links and URL normalisation."""

from __future__ import annotations

import pytest

from eventchat.render.links import (
    REMOVED,
    UNVERIFIED,
    GroundedLinks,
    decide,
    is_safe_url,
    normalize_url,
    spoofed_host,
)


@pytest.mark.parametrize(
    "url",
    ["https://pycon.de/", "http://example.com/a?b=c#d", "HTTPS://Example.COM:8443/x"],
)
def test_http_urls_are_safe(url: str) -> None:
    assert is_safe_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>",
        "ssh://host",
        "ftp://host/file",
        "//example.com/x",
        "https://",
        "https://bank.example@evil.example/",
        "https://exa mple.com",
        "https://example.com/\x1b]8;;x\x07",
        "https://example.com\\@evil.example",
        "https://example.com:99999/",
    ],
)
def test_other_urls_are_not_safe(url: str) -> None:
    assert not is_safe_url(url)


def test_normalize_ignores_scheme_and_host_case_trailing_slash_and_default_port() -> None:
    assert normalize_url("HTTPS://PyCon.DE:443/2026/") == normalize_url("https://pycon.de/2026")
    assert normalize_url("https://x.org/a%20b") == normalize_url("https://x.org/a b")
    assert normalize_url("https://x.org/a") != normalize_url("https://x.org/b")
    assert normalize_url("https://x.org:8080/") != normalize_url("https://x.org/")


def test_grounded_links_take_nested_and_top_level_shapes() -> None:
    grounded = GroundedLinks()
    grounded.add_events(
        [
            {
                "id": "a",
                "name": "A",
                "links": {
                    "url": "https://a.example/",
                    "images": ["https://img.example/a.png"],
                    "cfp_url": "https://a.example/cfp",
                },
            },
            {
                "id": "b",
                "name": "B",
                "url": "https://b.example",
                "images": ["https://img.example/b.png"],
                "cfp_url": None,
            },
            {"id": "c", "name": "C"},
        ]
    )
    for url in (
        "https://A.example",
        "https://img.example/a.png",
        "https://a.example/cfp/",
        "https://b.example/",
        "https://img.example/b.png",
    ):
        assert url in grounded
    assert "https://c.example/" not in grounded
    assert len(grounded) == 5


def test_spoofed_host_shows_the_real_one() -> None:
    assert spoofed_host("https://pycon.de/tickets", "https://evil.example/x") == "evil.example"
    assert spoofed_host("www.pycon.de", "https://pycon.de/") is None
    assert spoofed_host("PyCon DE 2026", "https://evil.example/") is None


def test_decide_marks_unverified_and_removes_unsafe() -> None:
    grounded = GroundedLinks(["https://pycon.de/"])
    assert decide("PyCon", "https://pycon.de", grounded).note == ""
    made_up = decide("PyCon", "https://pycon.example", grounded)
    assert made_up.clickable
    assert made_up.note == UNVERIFIED
    unsafe = decide("click", "javascript:alert(1)", grounded)
    assert not unsafe.clickable
    assert unsafe.note == REMOVED
    spoof = decide("https://pycon.de", "https://evil.example/", grounded)
    assert spoof.note == " (links to evil.example)" + UNVERIFIED
