"""Draw ``docs/session.svg``: a real chat turn, rendered by eventchat's Rich renderer.

The model is the test suite's scripted server (its answer names real events from the search it
asked for); the events come from the embedded API over the bundled data; the answer goes through
the same engine and renderer as ``eventchat``. Run: ``python docs/session_svg.py``.
"""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventchat.models import SearchQuery  # noqa: E402
from eventchat.render.diagnostics import Diagnostics  # noqa: E402
from eventchat.render.links import GroundedLinks  # noqa: E402
from eventchat.render.rich_stream import RichRenderer  # noqa: E402
from eventchat.runtime import open_runtime  # noqa: E402
from eventchat.session import run_turn  # noqa: E402
from eventchat.settings import load_settings  # noqa: E402
from tests.support.openai_script import text, tool_call  # noqa: E402
from tests.support.openai_server import OpenAIServer  # noqa: E402

TODAY = "2024-03-01"
QUESTION = "Any Python conferences in Germany coming up?"


async def draw(server: OpenAIServer, out: Path) -> None:
    flags = {"openai_base_url": server.base_url, "openai_api_key": "sk-demo", "today": TODAY}
    settings, _ = load_settings({**flags, "model": "gpt-4o-mini"})
    async with open_runtime(settings) as runtime:
        query = SearchQuery(q="python", country="Germany", start_after=settings.effective_today())
        page = await runtime.events.search(query)
        links = {
            link.id: link.url for link in await runtime.events.links([e.id for e in page.events])
        }
        lines = [
            f"- **[{e.name}]({links[e.id]})** — {e.locality}, {e.start}"
            + (f" to {e.end}" if e.end and e.end != e.start else "")
            for e in page.events[:4]
            if links.get(e.id)
        ]
        answer = (
            f"I found {page.total} upcoming Python conferences in Germany. The next ones:\n\n"
            + "\n".join(lines)
            + "\n\nWant the calls for proposals, or events in another country?"
        )
        server.script(
            tool_call("event_search", {"search": "python", "country": "Germany"}),
            text(answer),
        )
        # Not interactive: a recording keeps every frame of the live region, which a terminal
        # would overwrite; the final answer is what a person sees once the stream ends.
        console = Console(
            record=True,
            width=100,
            force_terminal=True,
            force_interactive=False,
            color_system="truecolor",
        )
        console.file = io.StringIO()
        console.print(
            Text(
                "eventchat 0.1.0 · model gpt-4o-mini · events from the embedded confs.tech "
                "dataset\nAsk about tech events. /help for commands and keys, /examples for "
                "ideas, Ctrl-D to quit.",
                style="dim",
            )
        )
        console.print(Text.assemble(("› ", "bold cyan"), QUESTION))
        renderer = RichRenderer(
            console=console,
            grounded=GroundedLinks(),
            diagnostics=Diagnostics(io.StringIO(), verbose=False, spinner=False),
            hyperlinks=True,
        )
        await run_turn(runtime.engine, QUESTION, renderer)
        console.print(Text("› ", style="bold cyan"))
        console.save_svg(str(out), title="eventchat")


def main() -> None:
    server = OpenAIServer().start()
    try:
        asyncio.run(draw(server, ROOT / "docs" / "session.svg"))
    finally:
        server.stop()
    print("wrote docs/session.svg")


if __name__ == "__main__":
    main()
