"""The chat command's core: choose the mode (REPL, one question, pipe), run it, return a status.

- A terminal on stdin and no ``-q``: the REPL.
- ``-q TEXT``: one question; piped stdin, if any, is context appended in a fenced block.
- No ``-q`` and piped stdin: stdin is the question.
"""

from __future__ import annotations

import asyncio
import os
import select
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from eventchat.errors import ExitStatus, UsageError
from eventchat.settings import OutputFormat, Settings, load_settings

if TYPE_CHECKING:
    from eventchat.chat.engine import ChatEngine
    from eventchat.render import GroundedLinks, Renderer, RenderFormat

# How long a -q run waits for an inherited pipe to show data before ignoring it: long enough for
# `cat notes.txt | eventchat -q ...`, short enough that an idle inherited stdin never hangs.
STDIN_WAIT_SECONDS = 0.3
MAX_STDIN_BYTES = 1_000_000


def settings_from(flags: dict[str, Any], config: Path | None) -> Settings:
    """Settings from the command line's flags and the config file."""
    settings, _origin = load_settings(flags, config)
    return settings


def resolve_format(fmt: OutputFormat, *, out_is_tty: bool) -> RenderFormat:
    """``auto`` means rich on a terminal and raw markdown anywhere else."""
    if fmt == "auto":
        return "rich" if out_is_tty else "markdown"
    return fmt


def read_piped_stdin(stream: IO[str], *, wait: bool) -> str | None:
    """Text piped or redirected into stdin, or None for a terminal or an idle inherited stdin."""
    if stream.isatty():
        return None
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return None
    if not (stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode)):
        return None  # /dev/null and other devices carry no question
    if not wait and not stat.S_ISREG(mode):
        ready, _, _ = select.select([stream], [], [], STDIN_WAIT_SECONDS)
        if not ready:
            return None
    return stream.read(MAX_STDIN_BYTES)


def compose_question(question: str | None, piped: str | None) -> str:
    """The text sent to the model: the question, with piped context in a fenced block."""
    piped = (piped or "").strip()
    if question is None:
        if not piped:
            raise UsageError('no question: pass -q "TEXT", pipe one on stdin, or run in a terminal')
        return piped
    if not question.strip():
        raise UsageError('the question is empty: pass -q "TEXT"')
    if not piped:
        return question
    fence = "~~~~" if "```" in piped else "```"
    return f"{question}\n\nContext from standard input:\n{fence}\n{piped}\n{fence}"


@dataclass(frozen=True)
class Options:
    """The chat command's flags that are not settings."""

    no_stdin: bool = False
    verbose: bool = False
    hyperlinks: bool = True
    ics: Path | None = None


def main(settings: Settings, question: str | None, options: Options) -> ExitStatus:
    """Run the chat command and return its exit status."""
    if settings.no_color:
        # Every console honours NO_COLOR, the stderr spinner's too, which takes no colour flag.
        os.environ.setdefault("NO_COLOR", "1")
    stdin = sys.stdin
    if question is None and stdin is not None and stdin.isatty():
        from eventchat.repl import run_repl

        return run_repl(settings, verbose=options.verbose, hyperlinks=options.hyperlinks)
    piped = None
    if stdin is not None and not options.no_stdin:
        piped = read_piped_stdin(stdin, wait=question is None)
    text = compose_question(question, piped)
    try:
        return asyncio.run(ask_once(settings, text, options))
    except KeyboardInterrupt:
        # asyncio.run cancelled the turn: the renderer has flushed the partial answer.
        sys.stderr.write("\neventchat: interrupted\n")
        return ExitStatus.INTERRUPTED


def make_turn_renderer(
    settings: Settings,
    question: str,
    grounded: GroundedLinks,
    *,
    verbose: bool,
    out: TextIO | None = None,
    err: TextIO | None = None,
    hyperlinks: bool = True,
) -> Renderer:
    """The renderer for one turn, chosen from the format setting and the terminal."""
    from eventchat.render import make_renderer

    out = out or sys.stdout
    fmt = resolve_format(settings.format, out_is_tty=_isatty(out))
    return make_renderer(
        fmt,
        out=out,
        err=err or sys.stderr,
        color=use_color(settings),
        hyperlinks=hyperlinks,
        width=None,
        question=question,
        model=settings.model,
        today=settings.effective_today().isoformat(),
        grounded=grounded,
        verbose=verbose,
    )


def use_color(settings: Settings) -> bool:
    """Colour unless ``--no-color``, ``NO_COLOR`` or ``TERM=dumb`` says otherwise."""
    return not settings.no_color and os.environ.get("TERM") != "dumb"


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


async def run_turn(engine: ChatEngine, text: str, renderer: Renderer) -> ExitStatus:
    """Stream one turn into the renderer; the status of its outcome."""
    from eventchat.chat.stream import TurnError

    status = ExitStatus.OK
    try:
        async for event in engine.run_turn(text):
            renderer.handle(event)
            if isinstance(event, TurnError):
                status = event.error.exit_status
    finally:
        renderer.close()
    return status


async def ask_once(settings: Settings, text: str, options: Options) -> ExitStatus:
    """One question, one streamed answer; with ``--ics`` its events written as iCalendar."""
    from eventchat.render import GroundedLinks
    from eventchat.repl.turnlog import Recorder, RequestLog, TurnRecord, events_http_client
    from eventchat.runtime import open_runtime

    async with open_runtime(settings) as runtime:
        turn = TurnRecord(text)
        if options.verbose:
            http = events_http_client(runtime.events)
            if http is not None:
                log = RequestLog()
                log.turn = turn
                log.install(http)
        renderer = make_turn_renderer(
            settings, text, GroundedLinks(), verbose=options.verbose, hyperlinks=options.hyperlinks
        )
        recorder = Recorder(renderer, turn, trace=sys.stderr if options.verbose else None)
        status = await run_turn(runtime.engine, text, recorder)
    if options.ics is not None and status == ExitStatus.OK:
        write_answer_ics(options.ics, turn.answer_text, turn.events)
    return status


def write_answer_ics(path: Path, answer: str, events: list[dict[str, Any]]) -> None:
    """``--ics FILE``: the answer's events as iCalendar, or a note that there were none."""
    from eventchat.ics import write_ics

    count = write_ics(path, answer, events)
    if count:
        sys.stderr.write(f"eventchat: wrote {count} events to {path}\n")
    else:
        sys.stderr.write(f"eventchat: the answer names no events; {path} not written\n")
