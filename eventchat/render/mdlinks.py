"""Apply the link policy to raw markdown as it streams, holding back only an unfinished link.

Inline links ``[text](url)`` (and images), autolinks ``<url>`` and bare http(s) URLs are found
outside fenced code; a safe link stays as it is (a pipe keeps its URL) with its notes appended, an
unsafe one loses its link syntax. Text is released as soon as no link can start in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from eventchat.render.links import BARE_URL, BARE_URL_TRAILING, GroundedLinks, decide

MAX_HOLD = 2048  # a "link" still open after this many characters is plain text

_INLINE = re.compile(
    r"(?P<bang>!?)\[(?P<text>[^\[\]\n]*(?:\n[^\[\]\n]+)*)\]"
    r"\(\s*(?:<(?P<aurl>[^<>\n]*)>|(?P<url>(?:[^\s()<>]|\([^\s()<>]*\))*))(?:\s+(?P<title>\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
)
_AUTOLINK = re.compile(r"<(?P<url>[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s]*)>")
# A link reference definition: "[label]: url" (the url may start the next line), whole lines.
_DEFINITION = re.compile(
    r"\[(?P<label>[^\[\]\n]+)\]:[ \t]*\n?[ \t]*(?:<(?P<aurl>[^<>\n]*)>|(?P<url>\S+))"
    r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*(?:\n|\Z)"
)
_DEFINITION_PREFIX = re.compile(r"\[[^\[\]\n]+\]:[^\n]*(?:\n[ \t]*)?$")
# Raw HTML a markdown viewer would render (tags, comments, declarations): a pipe may feed one.
_HTML_START = re.compile(r"</?[A-Za-z]")
_HTML_ALWAYS = re.compile(r"<[!?]")
_OPENER = re.compile(
    r"!?\[|!\Z|<|(?<![\w/.@-])[hH]|^ {0,3}(?:```|~~~)|^ {0,3}(?:`{1,2}|~{1,2})?\Z", re.MULTILINE
)
# The start of a line that may still become a fence marker.
_PARTIAL_FENCE = re.compile(r" {0,3}(?:`{1,2}|~{1,2})?")
_FENCE_LINE_PREFIX = re.compile(r" {0,3}[`~]*[ \t]*")
_LINK_PREFIX = re.compile(r"!?(?:\[[^\[\]]*(?:\](?:\(.*)?)?)?$", re.DOTALL)
_BARE_PREFIX = re.compile(r"(?i)h(?:t(?:t(?:p(?:s?(?::/?/?)?)?)?)?)?$")


def find_links(markdown: str) -> Iterator[tuple[str, str]]:
    """Every ``(text, url)`` link in a whole markdown text outside fenced code."""
    rewriter = LinkRewriter(GroundedLinks())
    rewriter.collect = []
    rewriter.feed(markdown)
    rewriter.finish()
    yield from rewriter.collect


class LinkRewriter:
    """Rewrite the links of a markdown stream by the link policy, chunk by chunk."""

    def __init__(self, grounded: GroundedLinks) -> None:
        self.grounded = grounded
        self.pending = ""
        self.fence: str | None = None  # the open fence's marker, while inside fenced code
        self.collect: list[tuple[str, str]] | None = None
        self.last = ""  # the last character written
        self._context = ""  # ``last`` while scanning: the start of the buffer being scanned

    def feed(self, text: str) -> str:
        """Add sanitised ``text``; return what can be written now."""
        self.pending += text
        return self._scan(final=False)

    def finish(self) -> str:
        """Return everything still held back: the stream has ended."""
        return self._scan(final=True)

    def _scan(self, *, final: bool) -> str:
        # The last character written is context: a URL glued to a word is not a bare link.
        context = self.last
        self._context = context
        buf, out, pos = context + self.pending, [], len(context)
        while pos < len(buf):
            if self.fence is not None:
                end = self._skip_fence(buf, pos, final)
                out.append(buf[pos:end])
                if end == pos:
                    break
                pos = end
                continue
            match = _OPENER.search(buf, pos)
            if match is None:
                out.append(buf[pos:])
                pos = len(buf)
                break
            out.append(buf[pos : match.start()])
            step = self._at_opener(buf, match.start(), final, out)
            if step is None:
                pos = match.start()
                break
            pos = step
        self.pending = buf[pos:]
        written = "".join(out)
        self.last = (context + written)[-1:]
        return written

    def _skip_fence(self, buf: str, pos: int, final: bool) -> int:
        """Past the fence's closing line, or as far as is safe while it is still open."""
        assert self.fence is not None
        close = re.compile(rf"^ {{0,3}}{re.escape(self.fence)}[`~]*[ \t]*$", re.MULTILINE)
        match = close.search(buf, pos)
        if match is not None and (final or match.end() < len(buf)):
            self.fence = None
            return match.end()
        if final:
            return len(buf)
        # Release fenced code at once, but for a last line that may still become the closing fence.
        line_start = buf.rfind("\n") + 1
        if line_start < pos or not _FENCE_LINE_PREFIX.fullmatch(buf, line_start):
            return len(buf)
        return line_start

    def _at_opener(self, buf: str, start: int, final: bool, out: list[str]) -> int | None:
        """Handle the construct at ``start``: its end, or None to hold back from ``start``."""
        rest = buf[start:]
        if _PARTIAL_FENCE.fullmatch(rest) or rest.lstrip(" ").startswith(("```", "~~~")):
            return self._at_fence(buf, start, final, out)
        complete = self._complete(buf, start, final)
        if complete is not None:
            text, end = complete
            out.append(text)
            return end
        if not final and len(rest) < MAX_HOLD and "\n\n" not in rest and _may_grow(rest):
            return None
        out.append(buf[start])
        return start + 1

    def _at_fence(self, buf: str, start: int, final: bool, out: list[str]) -> int | None:
        """A fence's opening line, or a line start that may still become one."""
        line_end = buf.find("\n", start)
        if line_end < 0 and not final:
            return None
        end = len(buf) if line_end < 0 else line_end + 1
        head = buf[start:end].lstrip(" ")
        if head.startswith(("```", "~~~")):
            self.fence = head[:3]
        out.append(buf[start:end])
        return end

    def _complete(self, buf: str, start: int, final: bool) -> tuple[str, int] | None:
        if buf[start] == "[" and self._at_line_start(buf, start):
            definition = self._definition(buf, start, final)
            if definition is not None:
                return definition
        if buf[start] in "![":
            match = _INLINE.match(buf, start)
            if match is None:
                return None
            url = match.group("aurl") if match.group("aurl") is not None else match.group("url")
            return self._inline(match.group(0), match.group("text"), url or ""), match.end()
        if buf[start] == "<":
            return self._angle(buf, start)
        match = BARE_URL.match(buf, start)
        if match is None or (match.end() == len(buf) and not final):
            return None
        url = match.group(0).rstrip(BARE_URL_TRAILING)
        return self._inline(url, url, url), start + len(url)

    def _angle(self, buf: str, start: int) -> tuple[str, int] | None:
        """An autolink, or raw HTML defused; None when neither (yet)."""
        match = _AUTOLINK.match(buf, start)
        if match is not None:
            url = match.group("url")
            return self._inline(match.group(0), url, url), match.end()
        return _defused_html(buf, start)

    def _at_line_start(self, buf: str, start: int) -> bool:
        """Whether only up to three spaces precede ``start`` on its line."""
        line_start = buf.rfind("\n", 0, start) + 1
        if line_start == 0 and self._context:
            return False  # the line began in text already written
        return start - line_start <= 3 and not buf[line_start:start].strip(" ")

    def _definition(self, buf: str, start: int, final: bool) -> tuple[str, int] | None:
        """A link reference definition: kept if its URL is safe, else no longer a definition."""
        match = _DEFINITION.match(buf, start)
        if match is None or (not final and not match.group(0).endswith("\n")):
            return None
        url = match.group("aurl") if match.group("aurl") is not None else match.group("url")
        if self.collect is not None:
            self.collect.append((match.group("label"), url))
        decision = decide("", url, self.grounded)
        line = match.group(0).rstrip("\n")
        newline = match.group(0)[len(line) :]
        if decision.clickable:
            return line + decision.note + newline, match.end()
        # "\[" is a literal bracket and the URL loses its angle brackets (an autolink): the
        # line is text now, and "[label]" links nowhere.
        text = f"\\[{match.group('label')}]: {url}"
        return text + decision.note + newline, match.end()

    def _inline(self, source: str, text: str, url: str) -> str:
        if self.collect is not None:
            self.collect.append((text, url))
        decision = decide(text, url, self.grounded)
        if decision.clickable:
            return source + decision.note
        return text + decision.note


def _defused_html(buf: str, start: int) -> tuple[str, int] | None:
    """``&lt;`` for a ``<`` that starts raw HTML, so a viewer shows it as text; else None.

    Comments, declarations and processing instructions need no end to take effect (an open
    comment hides the rest of the answer); a tag counts once its ``>`` has arrived.
    """
    if _HTML_ALWAYS.match(buf, start):
        return "&lt;", start + 1
    if _HTML_START.match(buf, start):
        end = buf.find(">", start)
        if end >= 0 and "\n\n" not in buf[start:end]:
            return "&lt;", start + 1
    return None


def _may_grow(rest: str) -> bool:
    """Whether more text could turn ``rest`` (starting at an opener) into a link."""
    if rest[0] in "![":
        return _LINK_PREFIX.match(rest) is not None or _DEFINITION_PREFIX.match(rest) is not None
    if rest[0] == "<":
        if _HTML_START.match(rest) and ">" not in rest:
            return True  # may become a tag
        return not any(c.isspace() for c in rest)
    return bool(BARE_URL.fullmatch(rest) or _BARE_PREFIX.fullmatch(rest))
