"""Behind the prompt: open the runtime in the background and warm up what the first turn needs.

The prompt comes first. While the person types, a background task imports the heavy modules (in a
thread), opens the runtime (model client, embedded events API) and warms it, so neither the prompt
nor the first answer waits for the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from typing import TYPE_CHECKING

from eventchat.errors import EventchatError
from eventchat.settings import Settings

if TYPE_CHECKING:
    from eventchat.runtime import Runtime

# What opening the runtime and the first turn import, done in a thread while the person types.
WARM_MODULES = (
    "eventchat.runtime",
    "eventchat.chat",
    "eventchat.chat.engine",
    "eventchat.service",
    "eventchat.store",
    "httpx2",
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


def count_events(settings: Settings) -> int | None:
    """How many events the embedded store holds, for the greeting; None if it cannot say."""
    from eventchat.store import open_store

    try:
        store = open_store(settings.database)
    except (EventchatError, OSError):
        return None  # opening the runtime reports it
    try:
        return store.count()
    except EventchatError:
        return None
    finally:
        store.close()


def preload() -> None:
    """Import what opening the runtime and the first turn need (run in a thread)."""
    for name in WARM_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


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
    if runtime.settings.api_url:
        from eventchat.models import SearchQuery

        with contextlib.suppress(Exception):
            await runtime.events.search(SearchQuery(limit=1))
