"""The interactive loop: prompt, run a turn, render it, keep the conversation until exit.

Ctrl-C while a turn runs cancels it at once (the engine keeps the partial answer, marked
interrupted, so the next request is valid) and comes back to the prompt. At an empty prompt Ctrl-C
says how to leave; a second one within two seconds leaves, as do Ctrl-D, ``/exit`` and ``q``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import signal
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from eventchat.chat.stream import Usage
from eventchat.errors import EventchatError, ExitStatus
from eventchat.repl.commands import COMMANDS, format_names
from eventchat.repl.turnlog import Recorder, RequestLog, TurnRecord, events_http_client
from eventchat.settings import Settings

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

    from eventchat.chat.engine import ChatEngine
    from eventchat.render import GroundedLinks
    from eventchat.runtime import Runtime

EXIT_WORDS = frozenset({"q", "quit", "exit"})
DOUBLE_CTRL_C_SECONDS = 2.0
# What the first turn would otherwise import while the person waits for the answer.
WARM_MODULES = (
    "openai.types.chat",
    "openai.resources.chat",
    "markdown_it",
    "rich.markdown",
    "rich.live",
    "rich.status",
    "eventchat.render.rich_stream",
    "eventchat.render.plain",
)


class Repl:
    """One interactive session over a Runtime."""

    def __init__(
        self,
        runtime: Runtime,
        session: PromptSession[str],
        *,
        verbose: bool,
        out: TextIO | None = None,
        err: TextIO | None = None,
        hyperlinks: bool = True,
    ) -> None:
        from eventchat.render import GroundedLinks

        self.runtime = runtime
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
        http = events_http_client(runtime.events)
        if http is not None:
            self.requests.install(http)
        self.turn_task: asyncio.Task[ExitStatus] | None = None
        self._last_ctrl_c = float("-inf")

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

    def clear(self) -> None:
        """Forget the conversation."""
        from eventchat.render import GroundedLinks

        self.engine.reset()
        self.grounded = GroundedLinks()
        self.turns.clear()

    def set_model(self, name: str) -> None:
        """Use model ``name`` from the next turn on."""
        self.settings = self.settings.model_copy(update={"model": name})
        self.engine.llm.model = name

    def set_format(self, name: str) -> None:
        """Render answers as ``name`` from the next turn on."""
        self.settings = self.settings.model_copy(update={"format": name})

    async def greet(self) -> None:
        """Model, events source (with its event count when embedded) and how to get help."""
        from eventchat import __version__
        from eventchat.models import SearchQuery

        source = self.runtime.events_source
        if not self.settings.api_url:
            # A cheap search: the count for the greeting, and the embedded API warmed up.
            with contextlib.suppress(EventchatError):
                page = await self.runtime.events.search(SearchQuery(limit=1))
                source += f" ({page.total:,} events)"
        self.info(
            f"eventchat {__version__} · model {self.engine.llm.model} · events from {source}\n"
            "Ask about tech events. /help for commands and keys, /examples for ideas, "
            "Ctrl-D to quit."
        )

    async def run(self) -> ExitStatus:
        """Prompt until the person exits."""
        await self.greet()
        warm = asyncio.ensure_future(warm_up(self.runtime))
        try:
            while self.running:
                text = await self.read()
                if text is None:
                    break
                await self.handle(text)
        finally:
            warm.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warm
        return ExitStatus.OK

    async def read(self) -> str | None:
        """The next message, "" for nothing to do, or None to exit."""
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

    async def handle(self, text: str) -> None:
        """Act on one message: exit word, slash command or question."""
        text = text.strip()
        if not text:
            return
        if text.lower() in EXIT_WORDS:
            self.running = False
        elif text.startswith("/"):
            self.dispatch(text)
        else:
            await self.ask(text)

    def dispatch(self, text: str) -> None:
        """Run a slash command."""
        word, _, arg = text.partition(" ")
        handler, hint = COMMANDS.resolve(word)
        if handler is None:
            self.info(hint)
            return
        handler(self, arg.strip())

    async def ask(self, text: str) -> ExitStatus:
        """Run one turn; Ctrl-C (SIGINT) cancels it and returns to the prompt."""
        from eventchat.session import make_turn_renderer, run_turn

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
        self.turn_task = asyncio.ensure_future(run_turn(self.engine, text, recorder))
        with _sigint_cancels(self.interrupt):
            await asyncio.wait([self.turn_task])
        task, self.turn_task = self.turn_task, None
        self.requests.turn = None
        if task.cancelled():
            turn.interrupted = True
            self.info("(interrupted: the partial answer is kept)")
            return ExitStatus.INTERRUPTED
        return task.result()

    def interrupt(self) -> None:
        """Cancel the running turn, if any (what Ctrl-C does while an answer streams)."""
        if self.turn_task is not None:
            self.turn_task.cancel()


@contextlib.contextmanager
def _sigint_cancels(cancel: Any) -> Any:
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


async def warm_up(runtime: Runtime) -> None:
    """While the person types: import what the first turn needs; reach a remote events API."""

    def imports() -> None:
        for name in WARM_MODULES:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
        runtime.engine.llm.client.chat.completions  # noqa: B018 - builds the SDK's resources

    with contextlib.suppress(Exception):
        await asyncio.to_thread(imports)
    if runtime.settings.api_url:
        from eventchat.models import SearchQuery

        with contextlib.suppress(Exception):
            await runtime.events.search(SearchQuery(limit=1))


def run_repl(settings: Settings, *, verbose: bool, hyperlinks: bool = True) -> ExitStatus:
    """Open the runtime and run the REPL until exit."""
    from eventchat.repl.prompt import make_prompt_session
    from eventchat.runtime import open_runtime

    def warn(text: str) -> None:
        sys.stderr.write(text + "\n")

    async def main() -> ExitStatus:
        async with open_runtime(settings) as runtime:
            session = make_prompt_session(COMMANDS, warn=warn, arguments={"format": format_names()})
            repl = Repl(runtime, session, verbose=verbose, hyperlinks=hyperlinks)
            return await repl.run()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
