"""Sanitising untrusted text: no control code point survives, printable text is untouched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from eventchat.render.sanitize import (
    REMOVED_CODE_POINTS,
    sanitize,
    sanitize_line,
    split_incomplete_escape,
)

CONTROL_CHARS = [chr(c) for c in sorted(REMOVED_CODE_POINTS) if c < 0x10000]
PAYLOADS = [
    "\x1b]8;;https://evil.example\x07click me\x1b]8;;\x07",
    "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "\x1b]52;c;ZWNobyBwd25lZA==",
    "\x1b[2J\x1b[H\x1b[31;1mred",
    "\x9b31mred\x9d0;title\x9c",
    "\x1bP1$qm\x1b\\",
    "\x1b7\x1b8\x1b(0",
]
unsafe_text = st.lists(
    st.one_of(st.text(), st.sampled_from(CONTROL_CHARS), st.sampled_from(PAYLOADS))
).map("".join)


@given(unsafe_text)
def test_output_has_no_removed_code_point(text: str) -> None:
    assert not set(map(ord, sanitize(text))) & REMOVED_CODE_POINTS


@given(unsafe_text)
def test_sanitize_is_idempotent(text: str) -> None:
    once = sanitize(text)
    assert sanitize(once) == once


@given(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))
    )
)
def test_printable_text_is_unchanged(text: str) -> None:
    assert sanitize(text) == text


def test_newlines_and_tabs_stay_carriage_returns_go() -> None:
    assert sanitize("a\tb\r\nc\rd") == "a\tb\ncd"


def test_whole_sequences_go_with_their_payload() -> None:
    text = "".join(f"<{p}>" for p in PAYLOADS)
    # The unterminated OSC 52 swallows up to the next escape, as a terminal would.
    assert sanitize(text) == "<click me><click me><><red><red><><>"


def test_unterminated_osc_is_cut_at_end_of_line_only() -> None:
    assert sanitize("a\x1b]52;c;AAAA\nnext line") == "a\nnext line"


def test_bidi_overrides_and_isolates_go() -> None:
    assert sanitize("abc\u202edcba\u2066x\u2069\u200f") == "abcdcbax"


def test_sanitize_line_is_one_line() -> None:
    assert sanitize_line("a\n b\t\x1b[31mc") == "a b c"


@given(st.lists(st.sampled_from([*PAYLOADS, "text ", "\n"]), max_size=8), st.data())
def test_split_escape_sequences_are_removed_whole(parts: list[str], data: st.DataObject) -> None:
    text = "".join(parts)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    carry, out = "", []
    for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True):
        ready, carry = split_incomplete_escape(carry + text[a:b])
        out.append(sanitize(ready))
    out.append(sanitize(carry))
    assert "".join(out) == sanitize(text)
