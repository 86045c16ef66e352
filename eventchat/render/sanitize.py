"""Terminal safety: strip control characters and escape sequences from untrusted text.

Every string from the model or from tool data passes through :func:`sanitize` before it reaches a
terminal or a JSON document. Whole escape sequences are removed where they are recognisable (so an
OSC 8 or OSC 52 payload leaves no visible residue), then every remaining control code point goes.
"""

from __future__ import annotations

import re

# String controls (OSC, DCS, SOS, PM, APC) run to BEL or ST; an unterminated one is cut at the end
# of its line, which bounds the damage a missing terminator can do to the visible text.
_STRING_CONTROL = (
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?P<st>\x07|\x1b\\|\x9c)?"
)
_CSI = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*(?P<final>[@-~])?"
_OTHER_ESC = r"\x1b[ -/]*(?P<esc_final>[0-~])?"
_SEQUENCE = re.compile(f"{_STRING_CONTROL}|{_CSI}|{_OTHER_ESC}")


def _removed_code_points() -> dict[int, int | None]:
    removed = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
    removed.remove(ord("\t"))
    removed.remove(ord("\n"))
    # Invisible format controls that reorder or hide text: bidi embeddings, overrides and
    # isolates, directional marks, zero-width spaces, interlinear annotations, Unicode tags.
    removed += [0x061C, 0x180E, 0x200B, 0x200E, 0x200F, *range(0x202A, 0x202F)]
    removed += [*range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF]
    removed += [*range(0xFFF9, 0xFFFC), *range(0xE0000, 0xE0080)]
    table: dict[int, int | None] = dict.fromkeys(removed)
    # Line and paragraph separators become plain newlines rather than vanishing.
    table[0x2028] = ord("\n")
    table[0x2029] = ord("\n")
    return table


_TABLE = _removed_code_points()
REMOVED_CODE_POINTS = frozenset(k for k, v in _TABLE.items() if v is None) | {0x2028, 0x2029}
"""Every code point :func:`sanitize` never returns."""


def sanitize(text: str) -> str:
    """``text`` without escape sequences, C0 (but newline and tab), CR, DEL, C1 or bidi controls."""
    if text.isprintable():
        return text  # the common case: nothing to strip, no allocation
    return _SEQUENCE.sub("", text).translate(_TABLE)


def sanitize_line(text: str) -> str:
    """:func:`sanitize` for a one-line diagnostic: newlines and tabs become spaces."""
    return " ".join(sanitize(text).split())


def split_incomplete_escape(text: str) -> tuple[str, str]:
    """Split off a trailing escape sequence that the next chunk of a stream may complete.

    Returns ``(ready, carry)``: sanitise ``ready`` now and prepend ``carry`` to the next chunk, so
    a sequence split across stream deltas is still removed whole.
    """
    if text.isprintable():
        return text, ""
    last = None
    for last in _SEQUENCE.finditer(text):  # noqa: B007 - scanned as sanitize() scans
        pass
    if last is None or last.end() < len(text):
        return text, ""
    groups = last.groupdict()
    if groups["st"] or groups["final"] or groups["esc_final"]:
        return text, ""
    return text[: last.start()], text[last.start() :]
