"""The interactive loop: prompt, run a turn, render it, keep the conversation until exit."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TYPE_CHECKING

from eventchat.errors import ExitStatus
from eventchat.repl.commands import COMMANDS
from eventchat.settings import Settings, state_dir

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

    from eventchat.render import GroundedLinks
    from eventchat.runtime import Runtime

EXIT_WORDS = frozenset({"q", "quit", "exit"})


def make_prompt_session() -> PromptSession[str]:
    """A prompt-toolkit session with persistent input history."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    history_file = state_dir() / "history"
    try:
        history_file.parent.mkdir(parents=True, exist_ok=True)
        history_file.touch(exist_ok=True)
        history: FileHistory | InMemoryHistory = FileHistory(str(history_file))
    except OSError as exc:
        sys.stderr.write(f"eventchat: input history off: cannot write {history_file} ({exc})\n")
        history = InMemoryHistory()
    return PromptSession(history=history)


class Repl:
    """One interactive session over a Runtime."""

    def __init__(self, runtime: Runtime, session: PromptSession[str], *, verbose: bool) -> None:
        self.runtime = runtime
        self.session = session
        self.verbose = verbose
        self.running = True
        self.grounded: GroundedLinks | None = None

    def info(self, text: str) -> None:
        """A line for the person, on stderr so stdout stays the answers."""
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def clear(self) -> None:
        """Forget the conversation."""
        from eventchat.render import GroundedLinks

        self.runtime.engine.reset()
        self.grounded = GroundedLinks()

    def greet(self) -> None:
        """Model, events source and how to get help."""
        settings = self.runtime.settings
        self.info(
            f"eventchat · model {settings.model} · events from {self.runtime.events_source}"
            " · /help for commands, Ctrl-D to quit"
        )

    async def run(self) -> ExitStatus:
        """Prompt until the person exits."""
        from eventchat.render import GroundedLinks

        self.grounded = GroundedLinks()
        self.greet()
        while self.running:
            try:
                text = await self.session.prompt_async("› ")
            except KeyboardInterrupt:
                self.info("(Ctrl-D or /exit to quit)")
                continue
            except EOFError:
                break
            text = text.strip()
            if not text:
                continue
            if text.lower() in EXIT_WORDS:
                break
            if text.startswith("/"):
                self.dispatch(text)
                continue
            await self.ask(text)
        return ExitStatus.OK

    def dispatch(self, text: str) -> None:
        """Run a slash command."""
        word, _, arg = text.partition(" ")
        handler, hint = COMMANDS.resolve(word)
        if handler is None:
            self.info(hint)
            return
        handler(self, arg.strip())

    async def ask(self, text: str) -> None:
        """Run one turn; Ctrl-C cancels it and returns to the prompt."""
        from eventchat.session import make_turn_renderer, run_turn

        assert self.grounded is not None
        renderer = make_turn_renderer(
            self.runtime.settings, text, self.grounded, verbose=self.verbose
        )
        task = asyncio.ensure_future(run_turn(self.runtime.engine, text, renderer))
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            self.info("(cancelled)")
        finally:
            loop.remove_signal_handler(signal.SIGINT)


def run_repl(settings: Settings, *, verbose: bool) -> ExitStatus:
    """Open the runtime and run the REPL until exit."""
    from eventchat.runtime import open_runtime

    async def main() -> ExitStatus:
        async with open_runtime(settings) as runtime:
            return await Repl(runtime, make_prompt_session(), verbose=verbose).run()

    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(main())
    return ExitStatus.OK
