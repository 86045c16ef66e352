"""Drive the REPL in-process over prompt-toolkit pipe input, as on a terminal or a pipe.

:func:`chat` types lines into a pipe, runs :class:`~eventchat.repl.loop.Repl` over the real
runtime built from the environment (``load_settings``), and returns what it printed and every
line the prompt read, so a test can tell the prompt came back after a fault. With ``tty`` the
REPL's stdout and stderr say they are terminals: answers render through Rich with its Live region
and OSC 8 links, and the spinner runs, so their bytes are what a terminal would receive.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from eventchat.errors import ExitStatus
from eventchat.repl.commands import COMMANDS, format_names
from eventchat.repl.loop import Repl
from eventchat.repl.prompt import make_prompt_session
from eventchat.runtime import open_runtime
from eventchat.settings import load_settings

ENTER = "\r"
CTRL_D = "\x04"


class TtyBuffer(io.StringIO):
    """A StringIO that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@dataclass
class Session:
    """What one REPL session left behind."""

    status: ExitStatus
    out: str
    err: str
    repl: Repl
    reads: list[str | None] = field(default_factory=list)

    def errors(self) -> list[str]:
        """The ``eventchat:`` lines on stderr (one-line diagnostics)."""
        return [line for line in self.err.splitlines() if line.startswith("eventchat:")]


@dataclass
class Keyboard:
    """What a typist gets: the pipe and the running REPL."""

    pipe: PipeInput
    repl: Repl

    def type(self, *lines: str) -> None:
        """Type each line and Enter."""
        self.pipe.send_text("".join(line + ENTER for line in lines))

    def quit(self) -> None:
        """Ctrl-D."""
        self.pipe.send_text(CTRL_D)

    async def turns_done(self, count: int) -> None:
        """Wait (up to 20 s) until ``count`` turns have finished."""
        for _ in range(2000):
            if len(self.repl.turns) >= count and self.repl.turn_task is None:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{count} turns did not finish")


Typist = Callable[[Keyboard], Awaitable[None]]


async def chat(*lines: str, tty: bool = False, typist: Typist | None = None) -> Session:
    """Run the REPL over ``lines`` (each sent with Enter, then Ctrl-D) and collect its output.

    ``typist``, when given, types after ``lines`` while the REPL runs (Ctrl-D included).
    """
    settings, _ = load_settings({})
    out = TtyBuffer() if tty else io.StringIO()
    err = TtyBuffer() if tty else io.StringIO()
    reads: list[str | None] = []
    with create_pipe_input() as pipe:
        pipe.send_text("".join(line + ENTER for line in lines) + ("" if typist else CTRL_D))
        async with open_runtime(settings) as runtime:
            session = make_prompt_session(
                COMMANDS,
                warn=lambda line: err.write(line + "\n"),
                arguments={"format": format_names()},
                input=pipe,
                output=DummyOutput(),
            )
            repl = Repl(runtime, session, verbose=False, out=out, err=err)
            read = repl.read

            async def recorded_read() -> str | None:
                line = await read()
                reads.append(line)
                return line

            repl.read = recorded_read  # type: ignore[method-assign]
            task = asyncio.ensure_future(typist(Keyboard(pipe, repl))) if typist else None
            status = await repl.run()
            if task is not None:
                await task
    return Session(status, out.getvalue(), err.getvalue(), repl, reads)
