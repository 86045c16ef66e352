"""Markdown blocks for streaming: where an answer can be cut, and the link policy on parsed tokens.

A cut is the first line of a top-level block that follows a blank line. Markdown's block structure
is decided line by line, so every cut before the last block of some complete lines stays a cut
whatever text follows: the streaming renderer commits the text before it once and for all.
Parsed with the same markdown-it configuration as ``rich.markdown.Markdown``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from eventchat.render.links import BARE_URL, BARE_URL_TRAILING, GroundedLinks, decide
from eventchat.render.sanitize import sanitize


@cache
def parser() -> MarkdownIt:
    """The parser Rich's Markdown uses: CommonMark with tables and strikethrough."""
    return MarkdownIt().enable("strikethrough").enable("table")


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    pos = text.find("\n")
    while pos >= 0:
        offsets.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return offsets


def cuts(text: str) -> list[int]:
    """Offsets (> 0) in ``text`` where a top-level block starts after a blank line."""
    offsets = _line_offsets(text)
    lines = text.split("\n")
    found = []
    for token in parser().parse(text):
        if token.level != 0 or token.nesting == -1 or token.map is None:
            continue
        line = token.map[0]
        if line > 0 and not lines[line - 1].strip():
            found.append(offsets[line])
    return found


def pieces(text: str) -> list[str]:
    """``text`` split at every cut."""
    bounds = [0, *cuts(text), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


class BlockStream:
    """Splits a streamed markdown answer into finished pieces and the open tail."""

    def __init__(self) -> None:
        self.tail = ""

    def feed(self, text: str) -> list[str]:
        """Add text; return the pieces it finished, in order."""
        self.tail += text
        if "\n" not in text:
            return []  # a cut needs a new complete line
        complete = self.tail[: self.tail.rfind("\n") + 1]
        found = cuts(complete)
        if not found:
            return []
        done, self.tail = self.tail[: found[-1]], self.tail[found[-1] :]
        bounds = [0, *found]
        return [done[a:b] for a, b in itertools.pairwise(bounds)]

    def finish(self) -> list[str]:
        """The rest of the answer, split at its cuts."""
        rest, self.tail = self.tail, ""
        return pieces(rest)


def apply_link_policy(tokens: list[Token], grounded: GroundedLinks, *, hyperlinks: bool) -> None:
    """Sanitise every token and rewrite links and images by the link policy, in place."""
    for token in _walk(tokens):
        token.content = sanitize(token.content)
        if token.attrs:
            token.attrs = {k: sanitize(str(v)) for k, v in token.attrs.items()}
        if token.type == "inline" and token.children:
            token.children = _policy_children(token.children, grounded, hyperlinks)


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _image_as_link(image: Token) -> list[Token]:
    """An image becomes a link labelled ``image: alt``; nothing is fetched."""
    src = str(image.attrs.get("src", ""))
    label = image.content or src.rstrip("/").rsplit("/", 1)[-1]
    return [
        Token("link_open", "a", 1, attrs={"href": src}),
        Token("text", "", 0, content=f"image: {label}"),
        Token("link_close", "a", -1),
    ]


def _bare_links(token: Token) -> list[Token]:
    """A text token with its bare http(s) URLs made links (terminals would make them clickable)."""
    text, out, pos = token.content, [], 0
    for match in BARE_URL.finditer(text):
        if match.start() > 0 and (
            text[match.start() - 1].isalnum() or text[match.start() - 1] in "_/.@-"
        ):
            continue  # glued to a word: not a URL a terminal would pick out
        url = match.group(0).rstrip(BARE_URL_TRAILING)
        if match.start() > pos:
            out.append(Token("text", "", 0, content=text[pos : match.start()]))
        out += [
            Token("link_open", "a", 1, attrs={"href": url}),
            Token("text", "", 0, content=url),
            Token("link_close", "a", -1),
        ]
        pos = match.start() + len(url)
    if not out:
        return [token]
    return [*out, Token("text", "", 0, content=text[pos:])] if pos < len(text) else out


def _policy_children(
    children: list[Token], grounded: GroundedLinks, hyperlinks: bool
) -> list[Token]:
    flat: list[Token] = []
    in_link = False
    for child in children:
        if child.type == "image":
            flat += _image_as_link(child)
        elif child.type == "text" and not in_link:
            flat += _bare_links(child)
        else:
            in_link = {"link_open": True, "link_close": False}.get(child.type, in_link)
            flat.append(child)
    out: list[Token] = []
    i = 0
    while i < len(flat):
        if flat[i].type != "link_open":
            out.append(flat[i])
            i += 1
            continue
        end = next((j for j in range(i + 1, len(flat)) if flat[j].type == "link_close"), len(flat))
        out += _policy_link(flat[i], flat[i + 1 : end], grounded, hyperlinks)
        i = end + 1
    return out


def _policy_link(
    opener: Token, inner: list[Token], grounded: GroundedLinks, hyperlinks: bool
) -> list[Token]:
    text = "".join(t.content for t in inner if t.type in {"text", "code_inline"})
    href = str(opener.attrs.get("href", ""))
    decision = decide(text, href, grounded)
    note = [Token("text", "", 0, content=decision.note)] if decision.note else []
    if not decision.clickable or (not hyperlinks and text.strip() == decision.url):
        return [*inner, *note]  # plain text: not clickable, or an autolink already shows its URL
    link = Token("link_open", "a", 1, attrs={"href": decision.url})
    return [link, *inner, Token("link_close", "a", -1), *note]


# Rich's Markdown puts a blank line before a top-level element when the element exited last set
# ``new_line``. Lists, tables and block quotes close inner elements first, so Rich writes that
# blank line itself even for a piece rendered alone; the renderer adds it only before the others.
_NO_NEW_LINE_AFTER = frozenset({"hr"})


def piece_layout(tokens: list[Token]) -> tuple[bool, bool] | None:
    """For a parsed piece: (Rich writes its own leading blank line, a blank line follows it).

    None when the piece renders nothing (blank lines, link reference definitions).
    """
    top = [i for i, t in enumerate(tokens) if t.level == 0 and t.nesting != -1]
    if not top:
        return None
    first = top[0]
    if tokens[first].nesting == 0:  # a fence, code block, rule or HTML block: no inner elements
        return False, tokens[top[-1]].type not in _NO_NEW_LINE_AFTER
    close = next(
        (
            i
            for i in range(first + 1, len(tokens))
            if tokens[i].level == 0 and tokens[i].nesting == -1
        ),
        first,
    )
    self_separated = any(t.type != "inline" for t in tokens[first + 1 : close])
    return self_separated, tokens[top[-1]].type not in _NO_NEW_LINE_AFTER
