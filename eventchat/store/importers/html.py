"""schema.org JSON-LD embedded in HTML: the ``<script type="application/ld+json">`` blocks.

A page also says where it lives, and relative links in its JSON-LD (``"url": "game3.html"``)
are resolved against that: ``<base href>`` (itself resolved against the page), else
``<link rel="canonical">``, else ``<meta property="og:url">``. A page that says neither leaves
relative links unresolved, and the importer drops them rather than guess a host.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

LD_JSON = "application/ld+json"


class _Page(HTMLParser):
    """Collects the text of every JSON-LD script block, in document order, and the page's URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.base: str | None = None
        self.canonical: str | None = None
        self.og_url: str | None = None
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name.lower(): (value or "").strip() for name, value in attrs}
        kind = found.get("type", "")
        if tag == "script" and kind.split(";")[0].strip().lower() == LD_JSON:
            self._current = []
        elif tag == "base" and found.get("href"):
            self.base = self.base or found["href"]
        elif tag == "link" and "canonical" in found.get("rel", "").lower().split():
            self.canonical = self.canonical or found.get("href") or None
        elif tag == "meta" and found.get("property", "").lower() == "og:url":
            self.og_url = self.og_url or found.get("content") or None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.blocks.append("".join(self._current))
            self._current = None

    def url(self) -> str | None:
        """The URL the page's relative links resolve against, when it says one."""
        page = next((url for url in (self.canonical, self.og_url) if _absolute(url)), None)
        if self.base is None:
            return page
        base = urljoin(page, self.base) if page else self.base
        return base if _absolute(base) else page


def _absolute(url: str | None) -> bool:
    if not url or not url.lower().startswith(("http://", "https://")):
        return False
    return bool(urlsplit(url).netloc)


def looks_like_html(content: str) -> bool:
    """Whether a file is HTML (it opens with a tag) rather than JSON or iCalendar."""
    return content.lstrip().startswith("<")


def _read(content: str) -> _Page:
    parser = _Page()
    parser.feed(content)
    parser.close()
    return parser


def ld_json_blocks(content: str) -> list[str]:
    """The raw text of each ``application/ld+json`` script block of an HTML page."""
    return _read(content).blocks


def page_url(content: str) -> str | None:
    """The absolute URL a page's relative links resolve against: base, canonical or og:url."""
    return _read(content).url()
