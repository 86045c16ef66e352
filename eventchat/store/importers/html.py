"""schema.org JSON-LD embedded in HTML: the ``<script type="application/ld+json">`` blocks."""

from __future__ import annotations

from html.parser import HTMLParser

LD_JSON = "application/ld+json"


class _LdJsonScripts(HTMLParser):
    """Collects the text of every JSON-LD script block, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = dict(attrs).get("type") or ""
        if tag == "script" and kind.split(";")[0].strip().lower() == LD_JSON:
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.blocks.append("".join(self._current))
            self._current = None


def looks_like_html(content: str) -> bool:
    """Whether a file is HTML (it opens with a tag) rather than JSON or iCalendar."""
    return content.lstrip().startswith("<")


def ld_json_blocks(content: str) -> list[str]:
    """The raw text of each ``application/ld+json`` script block of an HTML page."""
    parser = _LdJsonScripts()
    parser.feed(content)
    parser.close()
    return parser.blocks
