"""The interactive loop: prompt, run a turn, render it, keep the conversation until exit.

Ctrl-C while a turn runs cancels it at once (the engine keeps the partial answer, marked
interrupted, so the next request is valid) and comes back to the prompt. At an empty prompt Ctrl-C
says how to leave; a second one within two seconds leaves, as do Ctrl-D, ``/exit`` and ``q``.

The prompt comes first: the runtime (model client, embedded events API) opens in the background
while the person types, with the heavy imports in a thread, so the first answer is not slower.
With the embedded store the greeting says how far the data reaches, and when it is old;
``auto_update`` then refreshes it in the background (:mod:`eventchat.repl.autoupdate`), and its
line comes above the prompt, or before the next one while a turn runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TextIO

from eventchat.chat.stream import Usage
from eventchat.errors import EventchatError, ExitStatus
from eventchat.repl.autoupdate import BackgroundUpdate, due
from eventchat.repl.background import RuntimeHolder, StoreSummary, summarize_store
from eventchat.repl.commands import COMMANDS, format_names
from eventchat.repl.turnlog import Recorder, RequestLog, TurnRecord, events_http_client
from eventchat.settings import Settings

if TYPE_CHECKING:
    import datetime as dt

    from prompt_toolkit import PromptSession

    from eventchat.chat.engine import ChatEngine
    from eventchat.render import GroundedLinks
    from eventchat.runtime import Runtime

EXIT_WORDS = frozenset({"q", "quit", "exit"})
DOUBLE_CTRL_C_SECONDS = 2.0


class Repl:
    """One interactive session over a Runtime."""

    def __init__(
        self,
        runtime: Runtime | RuntimeHolder,
        session: PromptSession[str],
        *,
        verbose: bool,
        out: TextIO | None = None,
        err: TextIO | None = None,
        hyperlinks: bool = True,
    ) -> None:
        from eventchat.render import GroundedLinks

        self.holder = runtime if isinstance(runtime, RuntimeHolder) else None
        self._runtime = None if isinstance(runtime, RuntimeHolder) else runtime
        self.settings: Settings = runtime.settings
        self.session = session
        self.verbose = verbose
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.hyperlinks = hyperlinks
        self.running = True
        self.grounded: GroundedLinks = GroundedLinks()
        self.turns: list[TurnRecord] = []
        self.requests = RequestLog()
        if self._runtime is not None:
            self._hook(self._runtime)
        self.turn_task: asyncio.Task[ExitStatus] | None = None
        self._last_ctrl_c = float("-inf")
        self.summary: StoreSummary | None = None  # of the embedded store, read by the greeting
        self.update: BackgroundUpdate | None = None  # the session's one auto_update
        self._prompting = False  # the prompt is on screen, taking input
        self._pending: list[str] = []  # lines that came while it was not
        self._shown: set[asyncio.Future[None]] = set()

    async def ready(self) -> Runtime:
        """The runtime, once open (at once unless it is still opening in the background)."""
        if self._runtime is None:
            assert self.holder is not None
            runtime = await self.holder.get()
            if self.settings.model != runtime.settings.model:  # /model before it opened
                runtime.engine.switch_model(self.settings.model, self.settings.history_token_budget)
            self._hook(runtime)
            self._runtime = runtime
        return self._runtime

    def _hook(self, runtime: Runtime) -> None:
        http = events_http_client(runtime.events)
        if http is not None:
            self.requests.install(http)

    @property
    def runtime(self) -> Runtime:
        """The open runtime (commands and turns await :meth:`ready` first)."""
        assert self._runtime is not None, "await ready() first"
        return self._runtime

    @property
    def engine(self) -> ChatEngine:
        """The chat engine."""
        return self.runtime.engine

    @property
    def last_turn(self) -> TurnRecord | None:
        """The most recent turn, if any."""
        return self.turns[-1] if self.turns else None

    def session_usage(self) -> Usage:
        """Tokens of every turn since the start (or the last /clear)."""
        turns = [t.usage for t in self.turns]
        return Usage(
            sum(u.prompt_tokens for u in turns),
            sum(u.completion_tokens for u in turns),
            sum(u.total_tokens for u in turns),
        )

    def info(self, text: str) -> None:
        """A line for the person, on stderr so stdout stays the answers."""
        self.err.write(text + "\n")
        self.err.flush()

    def notice(self, text: str) -> None:
        """A line that comes on its own (the background update's), on the event loop: above the
        prompt while the person types (prompt-toolkit moves the prompt below it), else before the
        next prompt, so it never cuts into an answer."""
        if not self._prompting:
            self._pending.append(text)
            return
        from prompt_toolkit.application import run_in_terminal

        shown = asyncio.ensure_future(run_in_terminal(lambda: self.info(text)))
        self._shown.add(shown)
        shown.add_done_callback(self._shown.discard)

    def _show_pending(self) -> None:
        pending, self._pending = self._pending, []
        for text in pending:
            self.info(text)

    def clear(self) -> None:
        """Forget the conversation."""
        from eventchat.render import GroundedLinks

        self.engine.reset()
        self.grounded = GroundedLinks()
        self.turns.clear()

    def set_model(self, name: str) -> None:
        """Use model ``name`` from the next turn on."""
        self.settings = self.settings.model_copy(update={"model": name})
        if self._runtime is not None:
            self.engine.switch_model(name, self.settings.history_token_budget)

    def set_format(self, name: str) -> None:
        """Render answers as ``name`` from the next turn on."""
        self.settings = self.settings.model_copy(update={"format": name})

    async def greet(self) -> None:
        """Model, events source and how to get help; with the embedded store, its events, how
        far they reach, and the line saying the data is old when it is."""
        from eventchat import __version__
        from eventchat.runtime import events_source

        source = events_source(self.settings)
        data: list[str] = []
        if not self.settings.api_url:
            today = self.settings.effective_today()
            self.summary = await asyncio.to_thread(summarize_store, self.settings, today)
            if self.summary is not None:
                if self.summary.reach is None:  # the count alone, as the source's
                    source += f" ({self.summary.events:,} events)"
                data = data_lines(self.summary, today)
        self.info(
            "\n".join(
                [
                    f"eventchat {__version__} · model {self.settings.model} · events from {source}",
                    *data,
                    "Ask about tech events. /help for commands and keys, /examples for ideas, "
                    "Ctrl-D to quit.",
                ]
            )
        )

    def start_update(self) -> None:
        """Start the session's one background update when ``auto_update`` wants one."""
        if self.update is not None or self.summary is None:
            return
        if due(self.settings, self.summary.dates, self.settings.effective_today()):
            self.update = BackgroundUpdate(self.settings, self.notice)
            self.update.start()

    async def run(self) -> ExitStatus:
        """Prompt until the person exits; a runtime that fails to open ends it with its status."""
        await self.greet()
        if self.holder is not None:
            self.holder.start()  # after the greeting's count, so one process builds the store
        self.start_update()
        try:
            while self.running:
                text = await self.read()
                if text is None:
                    break
                await self.handle(text)
        except EventchatError as exc:
            self.info(f"eventchat: error: {exc.message}")
            return exc.exit_status
        finally:
            if self.update is not None:
                self.update.abandon()  # a daemon thread: leaving does not wait for it
            if self.holder is not None:
                await self.holder.close()
        return ExitStatus.OK

    async def read(self) -> str | None:
        """The next message, "" for nothing to do, or None to exit."""
        self._show_pending()
        self._prompting = True
        try:
            return await self.session.prompt_async()
        except KeyboardInterrupt:
            now = time.monotonic()
            if now - self._last_ctrl_c < DOUBLE_CTRL_C_SECONDS:
                return None
            self._last_ctrl_c = now
            self.info("(Ctrl-C again, Ctrl-D, /exit or q to quit)")
            return ""
        except EOFError:
            return None
        finally:
            self._prompting = False

    async def handle(self, text: str) -> None:
        """Act on one message: exit word, slash command or question."""
        text = text.strip()
        if not text:
            return
        if text.lower() in EXIT_WORDS:
            self.running = False
        elif text.startswith("/"):
            await self.dispatch(text)
        else:
            await self.ask(text)

    async def dispatch(self, text: str) -> None:
        """Run a slash command."""
        word, _, arg = text.partition(" ")
        handler, hint = COMMANDS.resolve(word)
        if handler is None:
            self.info(hint)
            return
        await self.ready()
        handler(self, arg.strip())

    async def ask(self, text: str) -> ExitStatus:
        """Run one turn; Ctrl-C (SIGINT) cancels it and returns to the prompt."""
        self.turn_task = asyncio.ensure_future(self._turn(text))
        with _sigint_cancels(self.interrupt):
            await asyncio.wait([self.turn_task])
        task, self.turn_task = self.turn_task, None
        self.requests.turn = None
        if task.cancelled():
            if self.turns and self.turns[-1].question == text:
                self.turns[-1].interrupted = True
            self.info("(interrupted: the partial answer is kept)")
            return ExitStatus.INTERRUPTED
        return task.result()

    async def _turn(self, text: str) -> ExitStatus:
        from eventchat.session import make_turn_renderer, run_turn

        await self.ready()  # Ctrl-C while the runtime still opens cancels this wait too
        turn = TurnRecord(text)
        self.turns.append(turn)
        self.requests.turn = turn
        renderer = make_turn_renderer(
            self.settings,
            text,
            self.grounded,
            verbose=self.verbose,
            out=self.out,
            err=self.err,
            hyperlinks=self.hyperlinks,
        )
        recorder = Recorder(renderer, turn, trace=self.err if self.verbose else None)
        return await run_turn(self.engine, text, recorder)

    def interrupt(self) -> None:
        """Cancel the running turn, if any (what Ctrl-C does while an answer streams)."""
        if self.turn_task is not None:
            self.turn_task.cancel()


def data_lines(summary: StoreSummary, today: dt.date) -> list[str]:
    """The greeting's lines on the data: how far it reaches; that it is old, when it is.

    ``8,252 events, 135 upcoming on 2026-12-03, listed up to 2027-10-18.``
    """
    from eventchat.freshness import stale_line

    lines = []
    if (reach := summary.reach) is not None:
        line = f"{summary.events:,} events, {reach.upcoming:,} upcoming on {today.isoformat()}"
        if reach.last is not None:
            line += f", listed up to {reach.last.isoformat()}"
        lines.append(line + ".")
    if stale := stale_line(summary.dates, today):
        lines.append(stale)
    return lines


@contextlib.contextmanager
def _sigint_cancels(cancel: Callable[[], None]) -> Iterator[None]:
    """While inside, SIGINT calls ``cancel`` instead of raising KeyboardInterrupt."""
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGINT)
    try:
        loop.add_signal_handler(signal.SIGINT, cancel)
    except (ValueError, RuntimeError, NotImplementedError):  # not the main thread; no signals
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(signal.SIGINT, previous)


def run_repl(settings: Settings, *, verbose: bool, hyperlinks: bool = True) -> ExitStatus:
    """Show the prompt at once; open the runtime behind it; run the REPL until exit."""
    from eventchat.repl.prompt import make_prompt_session
    from eventchat.runtime import require_api_key

    require_api_key(settings)  # a missing key fails now, not after the first question

    def warn(text: str) -> None:
        sys.stderr.write(text + "\n")

    async def main() -> ExitStatus:
        holder = RuntimeHolder(settings)
        session = make_prompt_session(COMMANDS, warn=warn, arguments={"format": format_names()})
        repl = Repl(holder, session, verbose=verbose, hyperlinks=hyperlinks)
        return await repl.run()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
