"""Turning user text into a safe FTS5 MATCH expression, and folding text for equality filters.

User text never reaches MATCH as syntax: each whitespace-separated word becomes a quoted FTS5
string (inner quotes doubled), so operators (AND, NEAR, ``*``, ``-``, ``:``, parentheses) are just
words. Words without a letter or digit are dropped because a quoted string with no token is a
syntax error, and text with no words means "no full-text filter".
"""

from __future__ import annotations

import unicodedata

# A cap on the number of words keeps a 10 kB paste from becoming a 2,000-phrase query.
MAX_TERMS = 32


def clean_text(text: str) -> str:
    """Text SQLite can bind: lone surrogates replaced, control characters turned into spaces."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def match_words(text: str) -> list[str]:
    """The words of ``text`` that become FTS5 strings (MAX_TERMS, each with a letter or digit)."""
    words = [word for word in clean_text(text).split() if any(ch.isalnum() for ch in word)]
    return words[:MAX_TERMS]


def match_expression(text: str) -> str | None:
    """An FTS5 expression requiring every word of ``text``, or None when it has no words."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in match_words(text)) or None


def fold(text: str) -> str:
    """Case- and accent-insensitive key: ``"Zürich "`` and ``"zurich"`` fold the same."""
    decomposed = unicodedata.normalize("NFKD", clean_text(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
