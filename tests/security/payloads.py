"""Hostile text for the security matrix, and checks on what reached the terminal.

:data:`PAYLOADS` are strings an events source or a model could send to take over a terminal:
escape sequences (OSC 8 links, OSC 52 clipboard writes, window titles, screen clearing, cursor
moves, unterminated OSC and DCS, 8-bit C1), overwriting controls (CR, DEL, backspace), bidi
overrides and Rich console markup. :func:`terminal_violations` lists what in rendered output the
renderer did not emit itself: anything but SGR colours and OSC 8 links to http(s) URLs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

EVIL_HOST = "evil.example"

PAYLOADS: dict[str, str] = {
    "osc8_spoof": f"\x1b]8;;https://{EVIL_HOST}/\x1b\\Click me\x1b]8;;\x1b\\",
    "osc8_bel": f"\x1b]8;;https://{EVIL_HOST}/\x07Click\x1b]8;;\x07",
    "osc52_bel": "\x1b]52;c;cm0gLXJmIH4K\x07",
    "osc52_st": "\x1b]52;c;cm0gLXJmIH4K\x1b\\",
    "osc0_title": "\x1b]0;pwned-title\x07",
    "osc2_title": "\x1b]2;pwned-title\x1b\\",
    "csi_clear": "\x1b[2J\x1b[3J\x1b[H",
    "csi_cursor": "\x1b[10A\x1b[5;5Hmoved\x1b[K",
    "csi_erase_line": "\x1b[1A\x1b[2K\rreplaced",
    "csi_sgr_hide": "\x1b[8mhidden\x1b[0m",
    "osc_unterminated": f"\x1b]8;;https://{EVIL_HOST}/ trailing words",
    "dcs_unterminated": "\x1bP+q544e still inside",
    "c1_csi": "\x9b2J\x9b1;1H",
    "c1_osc": "\x9d0;pwned-title\x9c",
    "del": "ab\x7f\x7fcd",
    "backspace": "safe\x08\x08\x08\x08evil",
    "cr_overwrite": "harmless text\rEVIL",
    "bidi_override": "\u202etxt.exe\u202c and \u2066isolate\u2069",
    "nul_bell": "a\x00b\x07c",
    "rich_link": "[link=javascript:alert(1)]x[/link]",
    "rich_style": "[bold red]alarm[/bold red]",
    "rich_unbalanced": "text [/bold] more",
}

RICH_MARKUP = {"rich_link", "rich_style", "rich_unbalanced"}
"""Payloads that must show literally (Rich markup never interpreted)."""

_ESCAPE = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, to BEL or ST
    r"|\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]?"  # any other ESC sequence
)
_SGR = re.compile(r"\x1b\[[0-9;]*m\Z")
_OSC8 = re.compile(r"\x1b\]8;(?:id=[^;\x07\x1b]*)?;(?P<url>[^\x07\x1b]*)\x1b\\\Z")
_BAD_CHAR = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def escape_sequences(output: str) -> list[str]:
    """Every escape sequence in ``output``, in order."""
    return [m.group(0) for m in _ESCAPE.finditer(output)]


def link_targets(output: str) -> set[str]:
    """The targets of the OSC 8 links in ``output`` (the empty closing target excluded)."""
    targets = set()
    for seq in escape_sequences(output):
        match = _OSC8.match(seq)
        if match and match.group("url"):
            targets.add(match.group("url"))
    return targets


# What Rich's transient Live region writes to redraw itself: hide and show the cursor, go up a
# line, erase a line (after a carriage return).
LIVE_SEQUENCES = frozenset({"\x1b[?25l", "\x1b[?25h", "\x1b[1A", "\x1b[2K"})


def terminal_violations(output: str, *, live: bool = False) -> list[str]:
    """What in ``output`` the renderer must never write: foreign sequences and control codes.

    Allowed: SGR, and OSC 8 opening links to http(s) URLs (and closing them); with ``live``, the
    redraw sequences of a Live region and a carriage return right before its line erase or line
    up. Nothing else, and no C0 (but newline and tab), DEL, C1 or bidi control outside those.
    """
    problems = []
    if live:
        output = output.replace("\r\x1b[2K", "\x1b[2K").replace("\r\x1b[1A", "\x1b[1A")
    for seq in escape_sequences(output):
        if _SGR.match(seq) or (live and seq in LIVE_SEQUENCES):
            continue
        link = _OSC8.match(seq)
        if link and (not link.group("url") or re.match(r"https?://", link.group("url"))):
            continue
        problems.append(f"sequence {seq!r}")
    rest = _ESCAPE.sub("", output)
    problems += [f"control {c!r}" for c in sorted(set(_BAD_CHAR.findall(rest)))]
    return problems


def visible(output: str) -> str:
    """``output`` with its escape sequences removed: the text a reader sees."""
    return _ESCAPE.sub("", output)


def json_strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_strings(item)


def json_violations(output: str, *, lines: bool) -> list[str]:
    """Control text in any string of a JSON document (or of each line, for jsonl).

    JSON escapes control characters, but ``jq -r`` prints them raw: no string may carry one.
    """
    docs = [json.loads(line) for line in output.splitlines()] if lines else [json.loads(output)]
    problems = []
    for doc in docs:
        for string in json_strings(doc):
            problems += [f"{string!r}: {p}" for p in terminal_violations(string)]
            if "\x1b" in string:
                problems.append(f"{string!r}: ESC")
    return problems
