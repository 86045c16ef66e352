"""Strip organizer e-mail addresses and phone numbers from imported text.

eventchat never stores contact details of the people behind an event (DESIGN.md "Data"). The
importers never map organizer or contact fields, and every string that is kept passes through
:func:`scrub` first, because descriptions and even names carry "mail bob@example.org" or
"call +49 30 1234567".

Prose keeps reading as a sentence: a removed contact leaves a marker in its place,
"Contact anna@example.org or +49 30 1234567." becomes "Contact [e-mail removed] or [phone
removed]." Short labels (a name, a venue, an address) are scrubbed with ``marks=False``: the
contact goes and the spacing and brackets around it are tidied, as a marker there is noise.

Phone numbers are found conservatively, so dates, years and prices survive: a number counts as a
phone number when it is written internationally (``+49 …``, ``0049 …``), follows a word such as
"phone", "tel" or "call", or has the North American shape ``(555) 123-4567``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

EMAIL_REMOVED = "[e-mail removed]"
PHONE_REMOVED = "[phone removed]"

# A Mastodon handle (@user@host.social) is public and not an e-mail address: the lookbehind
# refuses a local part that starts right after "@" or inside a word.
_EMAIL = re.compile(
    r"(?:mailto:)?(?<![\w.%+@-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    re.IGNORECASE,
)
_TEL_URI = re.compile(r"\btel:[+\d][\d\s().\-/]*\d", re.IGNORECASE)
_DIGITS = r"\d[\d\s().\-/]{5,}\d"
_INTERNATIONAL = re.compile(rf"(?<![\w+])(?:\+|00)\s?{_DIGITS}")
_KEYWORD = re.compile(
    rf"\b(?P<word>phone|telephone|tel|mobile|mob|cell|fax|call|whatsapp|telefon|tél)\b"
    rf"(?P<gap>\.?\s*(?:no\.?|number|nr\.?)?\s*[:.]?\s*(?:us|me)?\s*(?:at|on)?\s*)"
    rf"(?P<number>[+(]{{0,2}}{_DIGITS})",
    re.IGNORECASE,
)
_NORTH_AMERICAN = re.compile(r"(?<![\w-])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\w-])")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+([.,;:!?)\]>])")
_SPACE_AFTER_BRACKET = re.compile(r"([(\[<])[ \t]+")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|<\s*>")


def _is_phone_length(text: str) -> bool:
    digits = sum(char.isdigit() for char in text)
    return 7 <= digits <= 15


def _international(mark: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        return mark if _is_phone_length(match.group(0)) else match.group(0)

    return replace


def _after_keyword(mark: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        if not _is_phone_length(match.group("number")):
            return match.group(0)
        if not mark:
            return match.group("word") + match.group("gap").rstrip(": ")
        return match.group("word") + (match.group("gap") or " ") + mark

    return replace


def scrub(text: str, *, marks: bool = True) -> str:
    """``text`` without e-mail addresses and phone numbers.

    With ``marks`` (prose) each contact is replaced by ``[e-mail removed]`` or ``[phone
    removed]``; without (a short label) it is dropped and the spacing around it tidied.
    """
    email, phone = (EMAIL_REMOVED, PHONE_REMOVED) if marks else ("", "")
    cleaned = _EMAIL.sub(email, text)
    cleaned = _TEL_URI.sub(phone, cleaned)
    cleaned = _KEYWORD.sub(_after_keyword(phone), cleaned)
    cleaned = _INTERNATIONAL.sub(_international(phone), cleaned)
    cleaned = _NORTH_AMERICAN.sub(phone, cleaned)
    if cleaned == text or marks:
        return cleaned
    cleaned = _EMPTY_BRACKETS.sub("", cleaned)
    cleaned = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", cleaned)
    cleaned = _SPACE_AFTER_BRACKET.sub(r"\1", cleaned)
    return "\n".join(_SPACES.sub(" ", line).rstrip() for line in cleaned.splitlines()).strip()


def has_contact(text: str) -> bool:
    """Whether ``text`` holds an e-mail address or phone number (URLs that do are dropped)."""
    return scrub(text, marks=False) != text
