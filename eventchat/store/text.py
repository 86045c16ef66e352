"""Text as the stores bind and compare it: cleaned of what a database cannot hold, and folded.

``clean_text`` makes any string bindable (lone surrogates replaced, control characters turned
into spaces); ``fold`` is the case- and accent-insensitive key of the locality filter.
"""

from __future__ import annotations

import unicodedata


def clean_text(text: str) -> str:
    """Text a database can bind: lone surrogates replaced, control characters turned into spaces."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def fold(text: str) -> str:
    """Case- and accent-insensitive key: ``"Zürich "`` and ``"zurich"`` fold the same."""
    decomposed = unicodedata.normalize("NFKD", clean_text(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
