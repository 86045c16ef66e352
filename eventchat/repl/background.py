"""Behind the prompt: open the runtime in the background and warm up what the first turn needs.

The prompt comes first. While the person types, a background task imports the heavy modules (in a
thread), opens the runtime (model client, embedded events API) and warms it, so neither the prompt
nor the first answer waits for the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventchat.errors import EventchatError
from eventchat.settings import Settings

if TYPE_CHECKING:
    from eventchat.freshness import SourceDate
    from eventchat.horizon import Reach
    from eventchat.runtime import Runtime

# What opening the runtime and the first turn import, done in a thread while the person types.
WARM_MODULES = (
    "eventchat.runtime",
    "eventchat.chat",
    "eventchat.chat.engine",
    "eventchat.service",
    "eventchat.store",
    "httpx2",
    # httpx2's first request loads its async backend and socket streams lazily (~15 ms).
    "anyio._backends._asyncio",
    "anyio._core._sockets",
    "anyio.streams.memory",
    "anyio.streams.stapled",
    "httpcore2._backends.anyio",
    "openai",
    "openai.types.chat",
    "openai.resources.chat",
    "markdown_it",
    "rich.markdown",
    "rich.live",
    "rich.status",
    "eventchat.render.rich_stream",
    "eventchat.render.plain",
)


@dataclass(frozen=True)
class StoreSummary:
    """What the greeting says of the embedded store, read in one open of it."""

    events: int
    reach: Reach | None  # upcoming events on today and the latest start; None if it cannot say
    dates: list[SourceDate]  # each source's date: is the data stale, is an auto_update due


def summarize_store(settings: Settings, today: dt.date) -> StoreSummary | None:
    """The embedded store's count, reach and source dates, for the greeting; None if it cannot
    say. A count and two one-event searches: a few milliseconds, unlike ``store.stats``."""
    from eventchat import horizon
    from eventchat.freshness import source_dates
    from eventchat.store import open_store

    try:
        store = open_store(settings.database)
    except (EventchatError, OSError):
        return None  # opening the runtime reports it
    reach: Reach | None = None
    dates: list[SourceDate] = []
    try:
        events = store.count()
        with contextlib.suppress(EventchatError):
            reach = horizon.drive(horizon.reach(today), store.search)
        with contextlib.suppress(EventchatError, OSError, ValueError):  # a bad date in the meta
            dates = source_dates(store.meta)
    except EventchatError:
        return None
    finally:
        store.close()
    return StoreSummary(events, reach, dates)


def preload() -> None:
    """Import what opening the runtime and the first turn need (run in a thread)."""
    for name in WARM_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with contextlib.suppress(Exception):
        render_sample()
    with contextlib.suppress(Exception):
        parse_sample_chunk()


def render_sample() -> None:
    """Render a small answer once, off screen: the markdown parser and Rich build their tables."""
    import io

    from rich.console import Console

    from eventchat.render.links import GroundedLinks
    from eventchat.render.rich_stream import render_pieces

    console = Console(file=io.StringIO(), force_terminal=True, width=80)
    sample = "# Events\n\n- **[PyCon](https://pycon.example)** — Berlin, `2026`\n"
    render_pieces([sample], console, GroundedLinks(), hyperlinks=True)


def parse_sample_chunk() -> None:
    """Validate one stream chunk: pydantic builds the SDK's chunk models on first use (~10 ms)."""
    from openai.types.chat import ChatCompletionChunk

    call = {"index": 0, "id": "c", "type": "function", "function": {"name": "f", "arguments": ""}}
    delta = {"role": "assistant", "content": "", "tool_calls": [call]}
    ChatCompletionChunk.model_validate(
        {
            "id": "warm-up",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    )


class RuntimeHolder:
    """Opens the runtime in a background task and keeps it open until :meth:`close`.

    The runtime is entered and exited in that one task, as async context managers want.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ready: asyncio.Future[Runtime] = asyncio.get_running_loop().create_future()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start opening the runtime (once)."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._hold())

    async def _hold(self) -> None:
        from eventchat.runtime import open_runtime

        try:
            await asyncio.to_thread(preload)
            async with open_runtime(self.settings) as runtime:
                self._ready.set_result(runtime)
                await warm_up(runtime)
                await self._stop.wait()
        except Exception as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            else:
                raise

    async def get(self) -> Runtime:
        """The open runtime; its EventchatError if it could not open."""
        self.start()
        return await asyncio.shield(self._ready)

    async def close(self) -> None:
        """Close the runtime (or stop opening it)."""
        self._stop.set()
        if self._task is None:
            return
        if not self._ready.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        if self._ready.done() and not self._ready.cancelled():
            self._ready.exception()  # retrieved: never "exception was never retrieved"


async def warm_up(runtime: Runtime) -> None:
    """Once open: build the model SDK's resources; reach a remote events API once."""
    with contextlib.suppress(Exception):
        runtime.engine.llm.client.chat.completions  # noqa: B018 - a cached property that imports
    with contextlib.suppress(Exception):
        await _warm_request_params(runtime)
    if runtime.settings.api_url:
        from eventchat.models import SearchQuery

        with contextlib.suppress(Exception):
            await runtime.events.search(SearchQuery(limit=1))


async def _warm_request_params(runtime: Runtime) -> None:
    """The SDK builds its request-params schemas on the first request (~20 ms): build them now.

    This uses the SDK's private transform helper; any failure only means no warm-up.
    """
    from openai._utils import async_maybe_transform
    from openai.types.chat import completion_create_params

    params = {
        "model": runtime.engine.llm.model,
        "messages": [{"role": "user", "content": "warm-up"}],
        "tools": runtime.engine.tools.schemas(),
        "temperature": 0.0,
        "stream": True,
    }
    await async_maybe_transform(params, completion_create_params.CompletionCreateParamsStreaming)
