"""The streaming Rich renderer: blocks committed once, links by policy, chunking-independent."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from eventchat.chat.stream import TextDelta, ToolCallStarted, ToolResult, TurnDone
from eventchat.render import GroundedLinks, make_renderer
from eventchat.render.diagnostics import Diagnostics
from eventchat.render.rich_stream import RichRenderer, policy_markdown

WIDTH = 60
EVENTS = [{"id": "e1", "name": "PyCon DE", "links": {"url": "https://pycon.de/"}}]
LINK_ID = re.compile(r"\x1b\]8;id=[^;]*;")


def make_console(out: io.StringIO, *, interactive: bool = False, height: int = 100) -> Console:
    return Console(
        file=out,
        width=WIDTH,
        height=height,
        force_terminal=True,
        force_interactive=interactive,
        color_system="truecolor",
        markup=False,
        emoji=False,
        highlight=False,
    )


class Run:
    """A rich renderer over a StringIO, fed chunk by chunk."""

    def __init__(
        self,
        *,
        hyperlinks: bool = True,
        interactive: bool = False,
        clock: Callable[[], float] | None = None,
        height: int = 100,
    ) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()
        self.grounded = GroundedLinks()
        self.renderer = RichRenderer(
            console=make_console(self.out, interactive=interactive, height=height),
            grounded=self.grounded,
            diagnostics=Diagnostics(self.err, verbose=False, spinner=False),
            hyperlinks=hyperlinks,
            clock=clock or (lambda: 0.0),
        )
        self.renderer.handle(ToolCallStarted("c1", "event_search", {"search": "python"}))
        self.renderer.handle(ToolResult("c1", "event_search", "{}", events=EVENTS))

    def feed(self, *chunks: str) -> str:
        for chunk in chunks:
            self.renderer.handle(TextDelta(chunk))
        return self.out.getvalue()

    def close(self) -> str:
        self.renderer.handle(TurnDone(""))
        self.renderer.close()
        return self.out.getvalue()


def stream(chunks: list[str], **kwargs: bool) -> str:
    run = Run(**kwargs)  # type: ignore[arg-type]
    run.feed(*chunks)
    return LINK_ID.sub("\x1b]8;id=;", run.close())


def render_once(text: str, *, hyperlinks: bool = True) -> str:
    out = io.StringIO()
    grounded = GroundedLinks()
    grounded.add_events(EVENTS)
    make_console(out).print(policy_markdown(text, grounded, hyperlinks=hyperlinks))
    return LINK_ID.sub("\x1b]8;id=;", out.getvalue())


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", text)


def words_of(text: str) -> str:
    return " ".join(plain(text).split())


def test_a_block_is_printed_once_when_the_next_one_starts() -> None:
    run = Run()
    assert run.feed("First para", "graph.\n", "\n") == ""
    assert run.feed("Second") == ""  # the next block's first line is not complete yet
    committed = plain(run.feed(" paragraph.\n"))
    assert "First paragraph." in committed
    assert "Second" not in committed
    final = plain(run.close())
    assert final.startswith(committed)
    assert final.count("First paragraph.") == 1
    assert final.count("Second paragraph.") == 1


def test_a_table_is_never_committed_half_done() -> None:
    run = Run()
    rows = [
        "| Event | City |\n",
        "|---|---|\n",
        "| PyCon | Berlin |\n",
        "| EuroPython | Prague |\n",
    ]
    for row in rows:
        assert run.feed(row) == ""
    assert run.feed("\n") == ""
    table = plain(run.feed("After.\n"))
    assert "EuroPython" in table
    assert "Prague" in table
    assert "After." not in table


def test_a_code_fence_with_blank_lines_is_never_committed_half_done() -> None:
    run = Run()
    assert run.feed("```python\n", "x = 1\n", "\n", "\n", "y = 2\n") == ""
    assert run.feed("```\n", "\n") == ""
    fence = plain(run.feed("Done.\n"))
    assert "x = 1" in fence
    assert "y = 2" in fence
    assert "Done." not in fence


def test_links_are_osc8_for_http_marked_when_unverified_and_plain_otherwise() -> None:
    out = stream(
        [
            "[PyCon DE](https://pycon.de) · [Fake](https://fake.example/x) · ",
            "[ssh](ssh://host) · [js](javascript:alert(1)) · [h](https://pycon.de@evil.example)",
        ]
    )
    targets = re.findall(r"\x1b\]8;id=;([^\x1b]*)\x1b\\", out)
    assert set(targets) == {"https://pycon.de", "https://fake.example/x"}
    text = plain(out)
    assert "PyCon DE ·" in text
    assert "Fake (unverified)" in text
    assert "ssh (link removed)" in text
    assert "h (link removed)" in text


def test_spoofed_link_text_shows_the_real_host() -> None:
    text = words_of(stream(["Tickets: [https://pycon.de](https://evil.example/pay)\n"]))
    assert "https://pycon.de (links to evil.example) (unverified)" in text


def test_without_hyperlinks_links_render_as_text_and_url() -> None:
    out = stream(["See [PyCon DE](https://pycon.de) now.\n"], hyperlinks=False)
    assert "\x1b]8" not in out
    assert "See PyCon DE (https://pycon.de) now." in plain(out)


def test_images_are_links_never_fetched() -> None:
    text = plain(stream(["![Venue](https://img.example/v.png)\n"], hyperlinks=False))
    assert "image: Venue (https://img.example/v.png) (unverified)" in text


PAYLOADS = [
    "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "\x1b[2J\x1b[31m",
    "\x9b2J",
    "&#x1b;[31m&#x202e;",
    "\u202e",
]
OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;(?:id=;https?://[^\x1b\x07]*|;)\x1b\\")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_model_text_cannot_emit_escape_sequences(payload: str) -> None:
    text = f"# Head {payload}\n\nA {payload} [x{payload}](https://pycon.de) `{payload}`\n\n"
    text += f"| a | b{payload} |\n|---|---|\n| {payload} | c |\n\n```\n{payload}\n```\n"
    out = stream([text[i : i + 5] for i in range(0, len(text), 5)])
    rest = OWN_SEQUENCES.sub("", out)
    assert "\x1b" not in rest
    assert "\x9b" not in rest
    assert "\u202e" not in out
    assert "evil.example" not in out
    assert "ZWNo" not in out


def test_stdout_carries_only_the_answer() -> None:
    run = Run()
    run.feed("Answer.\n")
    out = plain(run.close())
    assert out.strip() == "Answer."
    assert run.err.getvalue() == ""


def test_factory_renders_rich_with_osc8_links() -> None:
    out, err = io.StringIO(), io.StringIO()
    renderer = make_renderer(
        "rich",
        out=out,
        err=err,
        color=True,
        hyperlinks=True,
        width=WIDTH,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=GroundedLinks(),
        verbose=False,
        terminal=True,
    )
    renderer.handle(ToolResult("c1", "event_search", "{}", events=EVENTS))
    renderer.handle(TextDelta("[PyCon DE](https://pycon.de/)"))
    renderer.close()
    assert re.search(r"\x1b\]8;id=[^;]*;https://pycon\.de/\x1b\\", out.getvalue())
    assert "(unverified)" not in out.getvalue()


# Markdown made of the blocks an answer has: paragraphs with links, headings, lists, tables,
# code fences (with blank lines inside), rules and quotes.
words = st.sampled_from(
    [
        "Python",
        "**Berlin**",
        "*May*",
        "`code`",
        "[PyCon](https://pycon.de)",
        "[X](https://x.example)",
        "2026",
        "—",
        "&amp;",
    ]
)
line = st.lists(words, min_size=1, max_size=6).map(" ".join)
paragraph = st.lists(line, min_size=1, max_size=3).map("\n".join)
heading = st.tuples(st.integers(1, 3), line).map(lambda t: "#" * t[0] + " " + t[1])
bullets = st.lists(line, min_size=1, max_size=4).map(
    lambda items: "\n".join(f"- {i}" for i in items)
)
loose = st.lists(line, min_size=2, max_size=3).map(
    lambda items: "\n\n".join(f"1. {i}" for i in items)
)
table = st.lists(st.tuples(line, line), min_size=1, max_size=3).map(
    lambda rows: "| Event | Where |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
)
fence = st.lists(
    st.sampled_from(["x = 1", "", "print('hi')", "[a](https://b.example)"]), max_size=4
).map(lambda lines: "```python\n" + "\n".join(lines) + "\n```")
quote = line.map(lambda text: "> " + text)
block = st.one_of(paragraph, heading, bullets, loose, table, fence, quote, st.just("---"))
document = st.lists(
    st.tuples(block, st.sampled_from(["\n\n", "\n\n\n", "\n"])), min_size=1, max_size=6
).map(lambda parts: "".join(b + sep for b, sep in parts))


def chunked(text: str, cuts: list[int]) -> list[str]:
    cuts = sorted(set(cuts))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document, st.lists(st.integers(0, 400), max_size=30))
def test_any_chunking_gives_the_whole_render(text: str, cuts: list[int]) -> None:
    cuts = [c for c in cuts if c <= len(text)]
    assert stream(chunked(text, cuts)) == render_once(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet="ab \n`~-|#>*[]()!1.:", max_size=80), st.lists(st.integers(0, 80), max_size=12)
)
def test_any_chunking_of_any_text_gives_the_same_output(text: str, cuts: list[int]) -> None:
    cuts = [c for c in cuts if c <= len(text)]
    assert stream(chunked(text, cuts)) == stream([text])


def screen_of(data: str, lines: int = 120) -> list[str]:
    """The screen a terminal shows after ``data`` (pyte emulates it; a dev dependency)."""
    pyte = pytest.importorskip("pyte")
    screen = pyte.Screen(WIDTH, lines)
    screen.set_mode(pyte.modes.LNM)  # a tty turns \n into \r\n
    pyte.Stream(screen).feed(data)
    return [row.rstrip() for row in screen.display]


def test_live_region_leaves_the_same_screen_with_no_duplicated_lines() -> None:
    text = (
        "# Python events\n\nThree conferences match:\n\n"
        "| Event | City |\n|---|---|\n| PyCon DE | Darmstadt |\n| EuroPython | Prague |\n\n"
        "- [PyCon DE](https://pycon.de) in April\n- EuroPython in July\n\n"
        "```python\nprint('hi')\n\nprint('bye')\n```\n\nThat is all.\n"
    )
    ticks = iter(range(10_000))
    run = Run(interactive=True, clock=lambda: float(next(ticks)))
    run.feed(*[text[i : i + 4] for i in range(0, len(text), 4)])
    streamed = run.close()
    assert "\x1b[2K" in streamed  # the live region really was drawn and erased
    final = screen_of(streamed)
    assert final == screen_of(render_once(text))
    shown = [row for row in final if row.strip()]
    assert len(shown) == len(set(shown))


def test_live_region_is_throttled_and_finished_blocks_are_not_re_rendered() -> None:
    paragraphs = [f"Paragraph {n} says word{n} and more words here." for n in range(40)]
    text = "\n\n".join(paragraphs) + "\n"
    now = [0.0]
    run = Run(interactive=True, clock=lambda: now[0])
    for i in range(0, len(text), 4):
        now[0] += 0.01  # 100 deltas a second: the live region may refresh 10 times a second
        run.feed(text[i : i + 4])
    out = run.close()
    # A paragraph stays in the open tail for ~24 deltas (its own and the next one's first line):
    # throttled, it is drawn live at most 4 times, then once for good. Re-rendering per delta
    # would draw it ~24 times; re-rendering the whole answer per delta, hundreds of times.
    for n in (0, 20, 39):
        assert 1 <= out.count(f"word{n} ") <= 5


def test_a_long_open_block_shows_its_last_lines_live() -> None:
    text = "".join(f"- item {n}\n" for n in range(30))
    ticks = iter(range(10_000))
    run = Run(interactive=True, clock=lambda: float(next(ticks)), height=10)
    live = run.feed(*[text[i : i + 4] for i in range(0, len(text), 4)])
    last_frame = live.split("\x1b[2K")[-1]  # what the live region shows now
    assert "item 29" in plain(last_frame)
    assert "item 0\n" not in plain(last_frame)
    assert screen_of(run.close()) == screen_of(render_once(text))


def test_bare_urls_are_links_by_policy() -> None:
    out = stream(["Site: https://pycon.de and https://made-up.example/x. Also ftp://x.example\n"])
    targets = set(re.findall(r"\x1b\]8;id=;([^\x1b]*)\x1b\\", out))
    assert targets == {"https://pycon.de", "https://made-up.example/x"}
    assert "https://made-up.example/x (unverified)." in words_of(out)
    assert "https://pycon.de and" in words_of(out)


def test_rich_into_a_pipe_keeps_urls_as_text() -> None:
    out = io.StringIO()
    renderer = make_renderer(
        "rich",
        out=out,
        err=io.StringIO(),
        color=True,
        hyperlinks=True,
        width=WIDTH,
        question="q",
        model="m",
        today="2026-01-01",
        grounded=GroundedLinks(),
        verbose=False,
    )
    renderer.handle(TextDelta("See [PyCon DE](https://pycon.de/) now.\n"))
    renderer.close()
    assert "\x1b" not in out.getvalue()
    assert "See PyCon DE (https://pycon.de/) (unverified) now." in words_of(out.getvalue())


def test_a_terminal_resize_mid_answer_leaves_no_duplicates_and_uses_the_new_width() -> None:
    first = "First paragraph " + "alpha " * 20 + "end1.\n\n"
    second = "Second paragraph " + "beta " * 20 + "end2.\n\n"
    third = "Third paragraph " + "gamma " * 20 + "end3.\n"
    ticks = iter(range(10_000))
    run = Run(interactive=True, clock=lambda: float(next(ticks)))
    run.feed(*[first[i : i + 4] for i in range(0, len(first), 4)], "Sec")
    run.renderer.console.width = 40  # the person narrows the window while the answer streams
    rest = second[3:] + third
    run.feed(*[rest[i : i + 4] for i in range(0, len(rest), 4)])
    final = screen_of(run.close())
    shown = [row for row in final if row.strip()]
    text = " ".join(shown)
    for marker in ("end1.", "end2.", "end3."):
        assert text.count(marker) == 1  # nothing printed twice, nothing lost
    after = shown[next(i for i, row in enumerate(shown) if "Second" in row) :]
    assert all(len(row) <= 40 for row in after)  # blocks after the resize use the new width
