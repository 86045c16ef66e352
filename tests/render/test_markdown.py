"""The raw markdown renderer: streamed, sanitised, links kept as text and checked."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from eventchat.chat.stream import TextDelta, ToolCallStarted, ToolResult, TurnDone, TurnError
from eventchat.errors import ModelAPIError
from eventchat.render import GroundedLinks, make_renderer
from eventchat.render.links import UNVERIFIED

EVENTS = [{"id": "e1", "name": "PyCon DE", "links": {"url": "https://pycon.de/", "images": []}}]


def render(chunks: list[str], grounded: GroundedLinks | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    renderer = make_renderer(
        "markdown",
        out=out,
        err=err,
        color=False,
        hyperlinks=True,
        width=None,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=grounded if grounded is not None else GroundedLinks(),
        verbose=False,
    )
    renderer.handle(ToolCallStarted("c1", "event_search", {"search": "python"}))
    renderer.handle(ToolResult("c1", "event_search", "{}", events=EVENTS))
    for chunk in chunks:
        renderer.handle(TextDelta(chunk))
    renderer.handle(TurnDone("".join(chunks)))
    renderer.close()
    return out.getvalue(), err.getvalue()


def test_grounded_link_kept_unverified_marked_unsafe_removed() -> None:
    out, _ = render(
        [
            "See [PyCon DE](https://pycon.de) and [Fake](https://fake.example/x) ",
            "or [run](javascript:alert(1)) and https://other.example/a.",
        ]
    )
    assert out == (
        "See [PyCon DE](https://pycon.de) and [Fake](https://fake.example/x)"
        + UNVERIFIED
        + " or run (link removed) and https://other.example/a"
        + UNVERIFIED
        + ".\n"
    )


def test_link_split_across_deltas_is_held_back_only_until_complete() -> None:
    out, err = io.StringIO(), io.StringIO()
    renderer = make_renderer(
        "markdown",
        out=out,
        err=err,
        color=False,
        hyperlinks=True,
        width=None,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=GroundedLinks(),
        verbose=False,
    )
    written = []
    for chunk in ["Hello ", "[Py", "Con](https://py", "con.example) bye"]:
        renderer.handle(TextDelta(chunk))
        written.append(out.getvalue())
    renderer.close()
    assert written == [
        "Hello ",
        "Hello ",
        "Hello ",
        "Hello [PyCon](https://pycon.example)" + UNVERIFIED + " bye",
    ]


def test_links_inside_fenced_code_are_left_alone() -> None:
    text = "```md\n[x](javascript:alert(1)) https://a.example\n```\nafter https://b.example\n"
    out, _ = render([text])
    assert out == (
        "```md\n[x](javascript:alert(1)) https://a.example\n```\nafter https://b.example"
        + UNVERIFIED
        + "\n"
    )


def test_escape_payloads_never_reach_stdout_even_split() -> None:
    payload = "a\x1b]8;;https://evil.example\x07b\x1b]8;;\x07 \x1b]52;c;AAAA\x07 \x1b[2J\u202ec\r"
    out, _ = render([payload[i : i + 3] for i in range(0, len(payload), 3)])
    assert out == "ab  c\n"


def test_stdout_carries_only_the_answer_and_errors_go_to_stderr() -> None:
    out, err = io.StringIO(), io.StringIO()
    renderer = make_renderer(
        "markdown",
        out=out,
        err=err,
        color=False,
        hyperlinks=True,
        width=None,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=GroundedLinks(),
        verbose=True,
    )
    renderer.handle(ToolCallStarted("c1", "event_search", {"search": "python"}))
    renderer.handle(ToolResult("c1", "event_search", "{}", events=EVENTS, duration=0.5))
    renderer.handle(TextDelta("partial"))
    renderer.handle(TurnError(ModelAPIError("model API timed out — try again"), partial="partial"))
    renderer.close()
    assert out.getvalue() == "partial\n"
    assert err.getvalue().splitlines() == [
        "· event_search(search='python') → 1 events · 0.50s",
        "eventchat: model API timed out — try again",
    ]


def test_text_after_a_tool_round_starts_a_new_paragraph() -> None:
    out, err = io.StringIO(), io.StringIO()
    renderer = make_renderer(
        "markdown",
        out=out,
        err=err,
        color=False,
        hyperlinks=True,
        width=None,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=GroundedLinks(),
        verbose=False,
    )
    renderer.handle(TextDelta("Let me look."))
    renderer.handle(ToolCallStarted("c1", "event_search", {}))
    renderer.handle(ToolResult("c1", "event_search", "{}"))
    renderer.handle(TextDelta("Found it."))
    renderer.close()
    assert out.getvalue() == "Let me look.\n\nFound it.\n"


markdownish = st.lists(
    st.sampled_from(
        [
            "[",
            "]",
            "(",
            ")",
            "<",
            ">",
            "!",
            "h",
            "ttps://",
            "a.example",
            "/p",
            " ",
            "\n",
            "```",
            "~~~",
            "x",
            "javascript:",
            "https://pycon.de",
            "\x1b]8;;",
            "\x07",
            "\x1b[",
            "m",
        ]
    ),
    max_size=40,
).map("".join)


@given(markdownish, st.data())
def test_any_chunking_writes_the_same_output(text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    grounded = GroundedLinks(["https://pycon.de"])
    assert render(chunks, grounded)[0] == render([text], grounded)[0]


def test_fenced_code_is_released_at_once_but_a_possible_closing_fence() -> None:
    out, err = io.StringIO(), io.StringIO()
    renderer = make_renderer(
        "markdown",
        out=out,
        err=err,
        color=False,
        hyperlinks=True,
        width=None,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=GroundedLinks(),
        verbose=False,
    )
    written = []
    for chunk in ["```py\nprint(", "'[x](y)')\n``", "`\nsee https://a.example "]:
        renderer.handle(TextDelta(chunk))
        written.append(out.getvalue())
    renderer.close()
    assert written == [
        "```py\nprint(",
        "```py\nprint('[x](y)')\n",
        "```py\nprint('[x](y)')\n```\nsee https://a.example" + UNVERIFIED + " ",
    ]
