"""CPU cost of the streaming Rich renderer against a naive whole-answer re-render per chunk.

``run()`` returns :class:`~bench.report.Row` figures for 4 kB and 16 kB answers streamed in
4-character chunks: CPU seconds of each, the naive/streaming ratio (target ≥ 20× at 16 kB) and the
16 kB/4 kB streaming ratio (target ≤ 4.5×: linear in the answer, not quadratic). The naive
renderer re-renders the whole answer on every chunk (O(answer²)); it is timed on every
``step``-th chunk only and scaled up, so the run stays short.
"""

from __future__ import annotations

import io
import time

from rich.console import Console
from rich.markdown import Markdown

from bench.report import Row
from eventchat.chat.stream import TextDelta, TurnDone
from eventchat.render.diagnostics import Diagnostics
from eventchat.render.links import GroundedLinks
from eventchat.render.rich_stream import RichRenderer

CHUNK = 4
NAIVE_SAMPLES = 150  # whole-answer renders actually timed per naive run
RUNS = 3  # streaming runs per size; the best counts (the least disturbed by the machine)
SECONDS_PER_CHUNK = 0.01  # a fast model: 100 chunks a second, so the live region is throttled


def answer(size: int) -> str:
    """A markdown answer of about ``size`` characters: headings, paragraphs, lists, a table."""
    parts = ["# Python conferences\n"]
    n = 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(
            f"## Event {n}\n\n[PyCon {n}](https://pycon{n}.example/) takes place in **Berlin** "
            f"from May {n % 28 + 1} to May {n % 28 + 3}, with talks on *typing*, `asyncio` and "
            "packaging.\n\n- Call for proposals open\n- Tickets on sale\n\n"
            "| Day | Track |\n|---|---|\n| 1 | Core |\n| 2 | Data |\n"
        )
    return "\n".join(parts)[:size]


def _console(out: io.StringIO) -> Console:
    return Console(file=out, width=100, force_terminal=True, force_interactive=True, markup=False)


def streaming_cpu(text: str) -> float:
    """CPU seconds to stream ``text`` through :class:`RichRenderer` in CHUNK-sized deltas."""
    ticks = iter(range(len(text) + 2))
    renderer = RichRenderer(
        console=_console(io.StringIO()),
        grounded=GroundedLinks(),
        diagnostics=Diagnostics(io.StringIO(), verbose=False, spinner=False),
        hyperlinks=True,
        clock=lambda: next(ticks) * SECONDS_PER_CHUNK,
    )
    start = time.process_time()
    for i in range(0, len(text), CHUNK):
        renderer.handle(TextDelta(text[i : i + CHUNK]))
    renderer.handle(TurnDone(text))
    renderer.close()
    return time.process_time() - start


def naive_cpu(text: str) -> float:
    """Estimated CPU seconds to re-render the whole answer so far on every chunk."""
    ends = list(range(CHUNK, len(text) + CHUNK, CHUNK))
    step = max(1, len(ends) // NAIVE_SAMPLES)
    console = _console(io.StringIO())
    start = time.process_time()
    for end in ends[::step]:
        console.print(Markdown(text[:end]))
    return (time.process_time() - start) * len(ends) / len(ends[::step])


def run() -> list[Row]:
    """Streaming against naive rendering of 4 kB and 16 kB answers (best of RUNS, CPU time)."""
    rows: list[Row] = []
    streamed: dict[int, float] = {}
    for kb in (4, 16):
        text = answer(kb * 1024)
        stream = min(streaming_cpu(text) for _ in range(RUNS))
        naive = naive_cpu(text)
        streamed[kb] = stream
        rows.append(
            Row(
                "render",
                f"{kb} kB answer in {CHUNK}-char chunks",
                f"{stream * 1000:.0f} ms CPU · naive {naive * 1000:.0f} ms (est.)",
                f"{naive / stream:.0f}× less CPU than naive",
                "≥ 20× at 16 kB" if kb == 16 else "",
            )
        )
    rows.append(
        Row(
            "render",
            "16 kB / 4 kB streaming cost",
            f"{streamed[16] * 1000:.0f} / {streamed[4] * 1000:.0f} ms CPU",
            f"{streamed[16] / streamed[4]:.1f}×",
            "≤ 4.5×",
        )
    )
    return rows


if __name__ == "__main__":
    from bench.report import render

    print(render(run()))
