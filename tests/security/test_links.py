"""Link policy in every format: only http(s) is clickable, spoofed hosts and invented links shown.

Each case is a markdown answer with one link, as inline link, autolink, reference link and image;
grounded links are the ones the turn's tool result carried. Rich (static, so only the final
print is examined) must make only safe links clickable and append the notes; raw markdown must
drop the link syntax of unsafe links and append the notes; json and jsonl list the unverified ones.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.security.payloads import link_targets, visible
from tests.security.render_helpers import (
    EVENTS,
    GROUNDED_URL,
    Format,
    answer_events,
    chunked,
    render,
    tool_round,
)

UNSAFE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "ssh://attacker.example/",
    "ftp://files.example/x",
    "mailto:victim@example.com",
    "tel:+15555550100",
    "smb://attacker.example/share",
    "https://bank.example@evil.example/",
    "//evil.example/path",
    "https:evil.example",
]

LINK_SHAPES = {
    "inline": "Go to [the page]({url}) now.",
    "autolink": "Go to <{url}> now.",
    "reference": "Go to [the page][r] now.\n\n[r]: {url}",
    "image": "Banner: ![the banner]({url})",
}


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].lower()


@pytest.mark.parametrize("shape", LINK_SHAPES)
@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_unsafe_links_are_never_clickable(url: str, shape: str) -> None:
    answer = LINK_SHAPES[shape].format(url=url)
    stream = [*tool_round(EVENTS), *answer_events([answer])]
    for fmt in ("rich", "rich-static"):
        out, _ = render(fmt, stream)
        assert all(t.startswith(("https://", "http://")) for t in link_targets(out))
        assert not any("evil.example" in t or "@" in t for t in link_targets(out))
    markdown, _ = render("markdown", stream)
    if shape == "autolink" and url.startswith("//"):
        return  # no scheme: not an autolink in CommonMark, so plain text already
    assert f"]({url})" not in markdown
    assert f"<{url}>" not in markdown
    if shape != "reference":  # a definition line is text once its link is gone
        assert "(link removed)" in markdown


SPOOFS = [
    ("https://pycon.example/2026/", "https://evil.example/phish"),
    ("pycon.example", "https://evil.example/"),
    ("www.pycon.example/tickets", "https://pycon.example.evil.example/"),
]


@pytest.mark.parametrize(("label", "url"), SPOOFS)
@pytest.mark.parametrize("fmt", ["rich", "rich-static", "markdown"])
def test_link_text_naming_another_host_shows_the_real_host(
    label: str, url: str, fmt: Format
) -> None:
    out, _ = render(fmt, [*tool_round(EVENTS), *answer_events([f"Book at [{label}]({url})."])])
    real = url.split("/")[2]
    assert f"(links to {real})" in visible(out)


INVENTED = "https://made-up.example/conf"


@pytest.mark.parametrize("shape", ["inline", "autolink", "reference"])
@pytest.mark.parametrize("fmt", ["rich", "rich-static", "markdown"])
def test_invented_links_are_marked_unverified_grounded_ones_are_not(
    shape: str, fmt: Format
) -> None:
    answer = LINK_SHAPES[shape].format(url=INVENTED) + " " + f"[PyCon]({GROUNDED_URL})"
    out, _ = render(fmt, [*tool_round(EVENTS), *answer_events([answer])])
    text = visible(out)
    assert "(unverified)" in text.split("PyCon")[0]
    assert "PyCon (unverified)" not in text


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_formats_list_unverified_links(fmt: Format) -> None:
    answer = f"See [made up]({INVENTED}) and [PyCon]({GROUNDED_URL})."
    out, _ = render(fmt, [*tool_round(EVENTS), *answer_events([answer])])
    docs = [json.loads(line) for line in out.splitlines()] if fmt == "jsonl" else [json.loads(out)]
    final = docs[-1]
    assert final["unverified_links"] == [INVENTED]


@pytest.mark.parametrize("fmt", ["rich", "rich-static", "markdown"])
def test_a_link_grounded_in_an_earlier_turn_of_the_conversation_is_not_unverified(
    fmt: Format,
) -> None:
    # Links from a tool result in this turn are grounded; with no tool result, the same is not.
    answer = f"[PyCon]({GROUNDED_URL})"
    grounded, _ = render(fmt, [*tool_round(EVENTS), *answer_events([answer])])
    ungrounded, _ = render(fmt, answer_events([answer]))
    assert "(unverified)" not in visible(grounded)
    assert "(unverified)" in visible(ungrounded)


CYRILLIC_A = "\u0430"
LOOKALIKES = [
    # (link text, target, the host the note must show)
    (f"https://p{CYRILLIC_A}ypal.com/login", "https://evil.example/", "evil.example"),
    ("\uff50\uff41\uff59\uff50\uff41\uff4c\uff0ecom", "https://evil.example/", "evil.example"),
    ("paypal.com", f"https://p{CYRILLIC_A}ypal.com/", "xn--pypal-4ve.com"),
    ("PayPal", f"https://p{CYRILLIC_A}ypal.com/", "xn--pypal-4ve.com"),
]


@pytest.mark.parametrize(("label", "url", "shown"), LOOKALIKES)
@pytest.mark.parametrize("fmt", ["rich", "rich-static", "markdown"])
def test_look_alike_hosts_show_the_host_that_resolves(
    label: str, url: str, shown: str, fmt: Format
) -> None:
    out, _ = render(fmt, [*tool_round(EVENTS), *answer_events([f"Pay at [{label}]({url})."])])
    assert f"(links to {shown})" in visible(out)


@pytest.mark.parametrize("fmt", ["rich-static", "markdown"])
def test_an_international_host_named_in_its_own_text_gets_no_note(fmt: Format) -> None:
    url = "https://m\u00fcnchen.example/"
    events = [{"id": "m", "name": "Muenchen", "links": {"url": url}}]
    label = "m\u00fcnchen.example"
    out, _ = render(fmt, [*tool_round(events), *answer_events([f"[{label}]({url})"])])
    assert "(links to" not in visible(out)
    assert "(unverified)" not in visible(out)


def _markdown_links(markdown: str) -> list[str]:
    """Every link and image target a CommonMark viewer would make of ``markdown``, HTML included."""
    from markdown_it import MarkdownIt

    viewer = MarkdownIt("commonmark")
    viewer.validateLink = lambda url: True  # type: ignore[method-assign]  # a naive viewer
    html = viewer.render(markdown)
    return re.findall(r"(?:href|src)=\"([^\"]*)\"", html)


PIPED_MARKDOWN = {
    "reference": "Go [the page][r] now.\n\n[r]: javascript:alert(1)\n",
    "reference-angle": "[x]: <javascript:alert(1)>\n\n[x]\n",
    "reference-title": '[x]: javascript:alert(1) "t"\n\n[x]\n',
    "html-anchor": 'Go <a href="javascript:alert(1)">x</a> now.',
    "html-img": "See <img src=x onerror=alert(1)> here.",
    "html-block": '<div>\n<a href="javascript:alert(1)">x</a>\n</div>\n',
    "html-comment-hides-note": "[x](https://made-up.example/)<!-- hidden -->",
}


@pytest.mark.parametrize("size", [0, 1, 4])
@pytest.mark.parametrize("case", PIPED_MARKDOWN)
def test_piped_markdown_has_no_unsafe_link_for_a_viewer(case: str, size: int) -> None:
    # A pipe may feed a markdown viewer: what it would render must follow the link policy too.
    answer = PIPED_MARKDOWN[case]
    out, _ = render("markdown", [*tool_round(EVENTS), *answer_events(chunked(answer, size))])
    for target in _markdown_links(out):
        assert target.startswith(("https://", "http://")), (target, out)
    assert "<!--" not in out
    assert "<a " not in out
    assert "<img " not in out
