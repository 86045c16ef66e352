"""``auto_update``: refresh the event data behind the REPL's prompt when it has grown old.

When the events API is embedded and the newest source date is more than ``auto_update_days``
old on today, the REPL starts one update (``datacmd.update_quietly``, which writes nothing to
the terminal) after its greeting. Questions never wait for it: it runs in a thread of its own,
and its one line reaches the REPL on the event loop when it ends.

That thread is a daemon thread, not ``asyncio.to_thread``: the default executor's threads are
joined when ``asyncio.run`` ends and again at interpreter exit, so leaving the REPL would wait
for the download. Leaving abandons an update still running instead; its store write is one
transaction, so an abandoned update leaves the data as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
from collections.abc import Callable

from eventchat.errors import EventchatError
from eventchat.freshness import SourceDate, older_than
from eventchat.settings import Settings


def due(settings: Settings, dates: list[SourceDate], today: dt.date) -> bool:
    """Whether the REPL should update the data: auto_update is on, the store is embedded and its
    newest data is more than ``auto_update_days`` old on ``today``."""
    return (
        settings.auto_update
        and not settings.api_url
        and older_than(dates, today, settings.auto_update_days)
    )


def update_line(settings: Settings) -> str:
    """Update the data (blocking, in the update's thread); the line that says how it went."""
    from eventchat.datacmd import update_quietly

    try:
        summary = update_quietly(settings)
    except EventchatError as exc:
        reason = exc.message
    except Exception as exc:  # a bug must not print a thread's traceback over the prompt
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    else:
        return f"data updated in the background: {summary}"
    return f"background update failed: {reason} — run `eventchat data update` to see why"


class BackgroundUpdate:
    """One data update in a daemon thread; ``done`` gets its line on the event loop.

    ``done`` is not called once the update is :meth:`abandon`-ed (the REPL is leaving).
    """

    def __init__(self, settings: Settings, done: Callable[[str], None]) -> None:
        self.settings = settings
        self.done = done
        self.line: str | None = None  # once ended
        self.abandoned = False
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Started and not ended yet."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the update (once), from the running event loop."""
        if self._thread is not None:
            return
        loop = asyncio.get_running_loop()
        self._thread = threading.Thread(
            target=self._run, args=(loop,), name="eventchat-auto-update", daemon=True
        )
        self._thread.start()

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        line = update_line(self.settings)
        with contextlib.suppress(RuntimeError):  # the loop has closed: the REPL has ended
            loop.call_soon_threadsafe(self._finish, line)

    def _finish(self, line: str) -> None:
        self.line = line
        if not self.abandoned:
            self.done(line)

    def join(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` seconds for the thread to end (tests; the REPL never waits)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def abandon(self) -> None:
        """Leave the update to itself: its line is not shown; exit does not wait for it."""
        self.abandoned = True
