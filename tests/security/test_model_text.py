"""Hostile model text, in every markdown construct, through every renderer: no foreign escapes.

Each payload of :data:`PAYLOADS` is placed in each markdown construct of :data:`CONSTRUCTS` and
streamed as the model's answer, whole and in 3-character pieces (so sequences split across deltas),
through the rich renderer (interactive, with its Live region, and static), raw markdown, json and
jsonl. The bytes written must hold no escape sequence or control code the renderer did not emit
itself, no link but to http(s), and Rich markup must show literally.
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from tests.security.payloads import (
    EVIL_HOST,
    PAYLOADS,
    RICH_MARKUP,
    escape_sequences,
    json_violations,
    link_targets,
    terminal_violations,
    visible,
)
from tests.security.render_helpers import (
    ALL_FORMATS,
    EVENTS,
    GROUNDED_URL,
    Format,
    answer_events,
    chunked,
    render,
    tool_round,
)

CONSTRUCTS: dict[str, str] = {
    "paragraph": "Before {p} after.",
    "heading": "# Heading {p}\n\nText.",
    "list_item": "- first {p}\n- second",
    "table_cell": "| name | where |\n|---|---|\n| {p} | Berlin |",
    "link_text": "See [{p} PyCon](" + GROUNDED_URL + ").",
    "link_target": "See [PyCon]({p}).",
    "code_span": "Run `{p}` now.",
    "code_fence": "```\n{p}\n```\n\nDone.",
    "blockquote": "> quoted {p}",
    "image_alt": "![{p}](https://pycon.example/banner.png)",
}


def sgr_set(output: str) -> set[str]:
    """The distinct SGR sequences in ``output``, Rich's link ids aside."""
    return {s for s in escape_sequences(output) if s.startswith("\x1b[") and s.endswith("m")}


def check(fmt: Format, out: str, err: str, twin: str = "") -> None:
    """The matrix's assertions on one rendering's stdout and stderr.

    ``twin`` is the same rendering with a harmless word for the payload: the payload may not add
    a colour or attribute (SGR 8 would hide text) that the twin does not have.
    """
    if fmt in {"json", "jsonl"}:
        assert json_violations(out, lines=fmt == "jsonl") == []
        assert "\x1b" not in out  # JSON escapes it; never raw
    else:
        assert terminal_violations(out, live=fmt == "rich") == []
        for target in link_targets(out):
            assert EVIL_HOST not in target
            assert target.startswith(("https://", "http://"))
        assert sgr_set(out) <= sgr_set(twin)
    assert terminal_violations(err) == []


@cache
def twin_output(construct: str, fmt: Format) -> str:
    """The rendering of ``construct`` with a harmless word where the payload goes."""
    twin = CONSTRUCTS[construct].format(p="harmless")
    out, _ = render(fmt, [*tool_round(EVENTS), *answer_events([twin])])
    return out


@pytest.mark.parametrize("size", [0, 3], ids=["whole", "3-chars"])
@pytest.mark.parametrize("fmt", ALL_FORMATS)
@pytest.mark.parametrize("construct", CONSTRUCTS)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_model_text(payload: str, construct: str, fmt: Format, size: int) -> None:
    answer = CONSTRUCTS[construct].format(p=PAYLOADS[payload])
    out, err = render(fmt, [*tool_round(EVENTS), *answer_events(chunked(answer, size))])
    check(fmt, out, err, twin_output(construct, fmt))


@pytest.mark.parametrize("fmt", ["rich", "rich-static", "markdown"])
@pytest.mark.parametrize(
    "construct", ["paragraph", "heading", "list_item", "table_cell", "code_span", "blockquote"]
)
@pytest.mark.parametrize("payload", sorted(RICH_MARKUP))
def test_rich_markup_shows_literally(payload: str, construct: str, fmt: Format) -> None:
    text = PAYLOADS[payload]
    answer = CONSTRUCTS[construct].format(p=text)
    out, _ = render(fmt, answer_events([answer]))
    assert text in visible(out)
    assert "javascript:" not in "".join(link_targets(out))


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("payload", sorted(RICH_MARKUP))
def test_rich_markup_kept_verbatim_in_json(payload: str, fmt: Format) -> None:
    out, _ = render(fmt, answer_events([PAYLOADS[payload]]))
    assert json.dumps(PAYLOADS[payload])[1:-1] in out
