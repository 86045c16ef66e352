"""Draw ``docs/session.svg``: a real chat turn, rendered by eventchat's Rich renderer.

The model is the test suite's scripted server (its answer names real events from the search it
asked for); the events come from the embedded API over a fresh database built from the bundled
data, at ``TODAY``; the answer goes through the same engine and renderer as ``eventchat``.
``tests/test_readme_examples.py`` checks that ``SEARCH`` finds events at ``TODAY``.
Run: ``python docs/session_svg.py``.
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from pathlib import Path
from typing import Any, cast

from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventchat.models import Event  # noqa: E402
from eventchat.render.diagnostics import Diagnostics  # noqa: E402
from eventchat.render.links import GroundedLinks  # noqa: E402
from eventchat.render.rich_stream import RichRenderer  # noqa: E402
from eventchat.repl.loop import Repl  # noqa: E402
from eventchat.runtime import open_runtime  # noqa: E402
from eventchat.session import run_turn  # noqa: E402
from eventchat.settings import load_settings  # noqa: E402
from eventchat.store import build_database  # noqa: E402
from eventchat.tools import EventTools  # noqa: E402
from eventchat.tools.events import SearchArgs  # noqa: E402
from tests.support.openai_script import text, tool_call  # noqa: E402
from tests.support.openai_server import OpenAIServer  # noqa: E402

TODAY = "2026-12-03"
QUESTION = "Any Python conferences coming up?"
SEARCH: dict[str, Any] = {"search": "python"}  # the model's event_search arguments


def _where(event: Event) -> str:
    place = ", ".join(p for p in (event.locality, event.country) if p)
    if event.online:
        return f"{place} and online" if place else "online"
    return place


def _when(event: Event) -> str:
    if event.end and event.end != event.start:
        return f"{event.start} to {event.end}"
    return event.start


async def draw(server: OpenAIServer, out: Path, database: Path) -> list[str]:
    """Draw the turn into ``out``; the events shown, one ``start name url`` line each."""
    flags = {"openai_base_url": server.base_url, "openai_api_key": "sk-demo", "today": TODAY}
    settings, _ = load_settings({**flags, "model": "gpt-4o-mini", "database": str(database)})
    build_database(database)  # the bundled data only, as a first chat builds it
    async with open_runtime(settings) as runtime:
        said = io.StringIO()  # the chat's own greeting, as it opens
        await Repl(runtime, cast(Any, None), verbose=False, err=said).greet()
        greeting = said.getvalue().rstrip("\n")
        # The search the tool runs for SEARCH, so the answer names exactly what the model saw.
        tool = EventTools(runtime.events, today=settings.effective_today)
        found = await tool.search(SearchArgs.model_validate(SEARCH))
        events = sorted(
            (Event.model_validate(r) for r in found.events if (r.get("links") or {}).get("url")),
            key=lambda e: e.start,
        )
        urls = {r["id"]: r["links"]["url"] for r in found.events if r.get("links")}
        lines = [f"- **[{e.name}]({urls[e.id]})** — {_where(e)}, {_when(e)}" for e in events]
        answer = (
            f"I found {len(events)} upcoming Python conferences, soonest first:\n\n"
            + "\n".join(lines)
            + "\n\nWant their calls for proposals, or only those in Europe?"
        )
        server.script(tool_call("event_search", SEARCH), text(answer))
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
        console.print(Text(greeting, style="dim"))
        console.print(Text.assemble(("› ", "bold cyan"), QUESTION))
        renderer = RichRenderer(
            console=console,
            grounded=GroundedLinks(),
            diagnostics=Diagnostics(io.StringIO(), verbose=False, spinner=False),
            hyperlinks=True,
        )
        await run_turn(runtime.engine, QUESTION, renderer)
        console.print(Text("› ", style="bold cyan"))
        shown = console.export_text(clear=False)
        if "(unverified)" in shown or not all(e.name in shown for e in events):
            raise SystemExit("the answer lost an event or a link; not writing " + str(out))
        console.save_svg(str(out), title="eventchat")
    return [f"{e.start} {e.name} {urls[e.id]}" for e in events]


def main() -> None:
    server = OpenAIServer().start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            database = Path(scratch) / "events.sqlite3"
            shown = asyncio.run(draw(server, ROOT / "docs" / "session.svg", database))
    finally:
        server.stop()
    print(f"wrote docs/session.svg: {QUESTION!r} at {TODAY}, {len(shown)} events")
    print("\n".join(shown))


if __name__ == "__main__":
    main()
