"""Link policy: which URLs may become clickable, and which ones came from this conversation's tools.

Only http(s) URLs are ever clickable. A link whose text names another host shows its real host, and
a link the answer did not get from a tool result is marked unverified. :class:`GroundedLinks` is
owned by the caller and lives for the whole conversation; renderers add each tool result's links.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from eventchat.render.sanitize import sanitize

MAX_URL_LENGTH = 2048
UNVERIFIED = " (unverified)"
REMOVED = " (link removed)"

BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+", re.IGNORECASE)
"""A bare http(s) URL in text, as a terminal would detect it."""
BARE_URL_TRAILING = ".,;:!?*_~"
"""Punctuation that ends a sentence rather than a bare URL."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
# A link text that starts like a URL or a host name ("https://pycon.de/…", "www.pycon.de"), in
# any script: a look-alike (paypal.com with a Cyrillic a) is a host name too. Matched on the
# NFKC form, so full-width letters and dots read as the ASCII ones a browser would use.
_HOSTLIKE = re.compile(
    r"^\s*(?:[a-z][a-z0-9+.-]*://)?(?:[^\s/@]*@)?((?:[\w-]+\.)+[^\W\d_][\w-]+)(?=[:/?#\s]|$)",
    re.IGNORECASE,
)


def is_safe_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host, no credentials and nothing that spoofs."""
    if not url or len(url) > MAX_URL_LENGTH or sanitize(url) != url:
        return False
    if any(c.isspace() for c in url) or "\\" in url:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    # Userinfo ("https://bank.com@evil.com") hides the real host from a reader.
    return (
        parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname) and "@" not in parts.netloc
    )


def host_of(url: str) -> str:
    """The URL's host, lower-cased, or "" when it has none."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def normalize_url(url: str) -> str:
    """A comparison key: scheme and host lower-cased, default port and trailing slash dropped."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = ascii_host(parts.hostname or "")  # markdown-it writes international hosts as xn--
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    # markdown parsers percent-encode what tool data may carry raw: compare decoded.
    path = unquote(parts.path).rstrip("/")
    return urlunsplit((scheme, host, path, unquote(parts.query), ""))


def ascii_host(host: str) -> str:
    """``host`` as a browser resolves it: lower-cased, IDNA (``xn--``) for non-ASCII labels."""
    host = unicodedata.normalize("NFKC", host).lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _international(host: str) -> bool:
    """Whether ``host`` has a non-ASCII label, in Unicode or in its ``xn--`` form."""
    return not host.isascii() or any(label.startswith("xn--") for label in host.split("."))


def _bare(host: str) -> str:
    return ascii_host(host).removeprefix("www.")


def spoofed_host(text: str, url: str) -> str | None:
    """The real host when ``text`` looks like a URL or host name for a different host, else None.

    The host is returned in its ASCII form, so a look-alike in another script shows as ``xn--``.
    """
    match = _HOSTLIKE.match(_nfkc(text))
    if match is None:
        return None
    real = host_of(url)
    return ascii_host(real) if _bare(match.group(1)) != _bare(real) else None


@dataclass(frozen=True)
class LinkDecision:
    """What to show for one link: whether it is clickable, its URL, and a note after its text."""

    clickable: bool
    url: str
    note: str = ""


class GroundedLinks:
    """The URLs this conversation's tool results carried (event pages, images, CfP pages)."""

    def __init__(self, urls: Iterable[str] = ()) -> None:
        self._keys: set[str] = set()
        for url in urls:
            self.add_url(url)

    def add_url(self, url: str) -> None:
        """Remember one URL, if it is a string."""
        if isinstance(url, str) and url.strip():
            self._keys.add(normalize_url(sanitize(url)))

    def add_event(self, event: Mapping[str, Any]) -> None:
        """Remember an event's links, nested in ``links`` or top-level (``url``, ``images``...)."""
        for source in (event, event.get("links")):
            if not isinstance(source, Mapping):
                continue
            for key in ("url", "cfp_url"):
                self.add_url(source.get(key))  # type: ignore[arg-type]
            for key in ("images", "social"):
                values = source.get(key)
                if isinstance(values, list):
                    for value in values:
                        self.add_url(value)

    def add_events(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Remember the links of every event in a tool result."""
        for event in events:
            if isinstance(event, Mapping):
                self.add_event(event)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and normalize_url(sanitize(url)) in self._keys

    def __len__(self) -> int:
        return len(self._keys)


def decide(text: str, url: str, grounded: GroundedLinks) -> LinkDecision:
    """Apply the link policy to one link with display text ``text`` and target ``url``."""
    clean = sanitize(url).strip()
    if not is_safe_url(clean):
        return LinkDecision(clickable=False, url=clean, note=REMOVED)
    notes = []
    real = spoofed_host(text, clean)
    host = host_of(clean)
    if real is None and _international(host) and not _HOSTLIKE.match(_nfkc(text)):
        real = ascii_host(host)  # an international host may imitate another: show what resolves
    if real:
        notes.append(f" (links to {real})")
    if clean not in grounded:
        notes.append(UNVERIFIED)
    return LinkDecision(clickable=True, url=clean, note="".join(notes))
