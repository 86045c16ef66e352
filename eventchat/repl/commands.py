"""Slash commands: a registry whose docstrings are the help (as aider's ``commands.py``).

Each handler takes the REPL and the text after the command name; the first docstring line is its
one-line help, and ``/help`` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from eventchat.render.sanitize import sanitize, sanitize_line

if TYPE_CHECKING:
    from eventchat.repl.loop import Repl

Handler = Callable[["Repl", str], None]

KEYS = (
    "Enter sends · Meta-Enter or Ctrl-J: new line · Ctrl-X Ctrl-E: edit in $EDITOR · "
    "→ takes the suggestion · Ctrl-C cancels an answer · Ctrl-D, /exit or q quits"
)

EXAMPLES = (
    "Any Python conferences in Europe next spring?",
    "Which conferences can I attend online this month?",
    "Which security conferences have a call for papers closing soon?",
    "Machine learning conferences early next year?",
    "Tell me more about the second one.",
)


@dataclass
class CommandRegistry:
    """Slash commands by name; the first docstring line of each handler is its help."""

    handlers: dict[str, Handler] = field(default_factory=dict)

    def command(self, name: str) -> Callable[[Handler], Handler]:
        """Register ``handler`` as ``/name``."""

        def register(handler: Handler) -> Handler:
            self.handlers[name] = handler
            return handler

        return register

    def resolve(self, word: str) -> tuple[Handler | None, str]:
        """The handler for ``/word`` (a unique prefix works), or None and a one-line hint."""
        name = word.lstrip("/").lower()
        if name in self.handlers:
            return self.handlers[name], ""
        matches = sorted(n for n in self.handlers if n.startswith(name))
        if len(matches) == 1:
            return self.handlers[matches[0]], ""
        if matches:
            options = ", ".join("/" + m for m in matches)
            return None, f"/{sanitize_line(name)} is ambiguous: {options}"
        return None, f"unknown command /{sanitize_line(name)} — /help lists the commands"

    def summaries(self) -> list[tuple[str, str]]:
        """``(name, first docstring line)`` for every command, by name."""
        return [
            (name, (handler.__doc__ or "").strip().splitlines()[0])
            for name, handler in sorted(self.handlers.items())
        ]

    def help_lines(self) -> list[str]:
        """One line per command: name and the first line of its docstring."""
        return [f"/{name:<9} {summary}" for name, summary in self.summaries()]


COMMANDS = CommandRegistry()


def format_names() -> list[str]:
    """What ``/format`` accepts."""
    from eventchat.settings import OutputFormat

    return [str(name) for name in get_args(OutputFormat)]


@COMMANDS.command("help")
def help_command(repl: Repl, _arg: str) -> None:
    """Show the commands and the keys."""
    repl.info("\n".join([*COMMANDS.help_lines(), KEYS]))


@COMMANDS.command("clear")
def clear_command(repl: Repl, _arg: str) -> None:
    """Forget the conversation and start afresh."""
    repl.clear()
    repl.info("conversation cleared")


@COMMANDS.command("history")
def history_command(repl: Repl, _arg: str) -> None:
    """Show the conversation the model remembers."""
    lines = []
    for message in repl.engine.history:
        role, content = message["role"], message.get("content") or ""
        if role == "user":
            lines.append("you: " + _first_line(content))
        elif role == "assistant" and content:
            lines.append("eventchat: " + _first_line(content))
        elif role == "assistant":
            names = [c["function"]["name"] for c in message.get("tool_calls") or []]
            lines.append("eventchat called " + ", ".join(sanitize_line(n) for n in names))
    repl.info("\n".join(lines) if lines else "the conversation is empty")


def _first_line(text: str, width: int = 100) -> str:
    line = sanitize_line(text.strip().split("\n", 1)[0])
    more = "…" if len(line) > width or "\n" in text.strip() else ""
    return line[:width] + more


@COMMANDS.command("model")
def model_command(repl: Repl, arg: str) -> None:
    """Show the model, or switch to /model NAME."""
    if arg:
        repl.set_model(arg)
    repl.info(f"model: {sanitize_line(repl.engine.llm.model)}")


@COMMANDS.command("format")
def format_command(repl: Repl, arg: str) -> None:
    """Show the answer format, or switch to /format rich|markdown|json|jsonl."""
    if arg:
        if arg not in format_names():
            repl.info(f"unknown format {sanitize_line(arg)!r}: choose {', '.join(format_names())}")
            return
        repl.set_format(arg)
    repl.info(f"format: {repl.settings.format}")


@COMMANDS.command("tools")
def tools_command(repl: Repl, _arg: str) -> None:
    """Show the last turn's tool calls and REST requests, with timings."""
    turn = repl.last_turn
    if turn is None or not (turn.calls or turn.requests):
        repl.info("the last turn called no tools")
        return
    lines = []
    for call in turn.calls.values():
        args = ", ".join(
            f"{sanitize_line(k)}={sanitize_line(repr(v))}" for k, v in call.arguments.items()
        )
        took = "" if call.seconds is None else f" · {call.seconds:.2f} s"
        lines.append(f"{sanitize_line(call.name)}({args}) → {call.outcome}{took}")
    lines += ["  " + request.line() for request in turn.requests]
    repl.info("\n".join(lines))


@COMMANDS.command("usage")
def usage_command(repl: Repl, _arg: str) -> None:
    """Show the tokens of the last turn and of the session."""
    turn = repl.last_turn
    last = turn.usage if turn is not None else None
    total = repl.session_usage()
    if last is not None:
        repl.info(
            f"last turn: {last.prompt_tokens} prompt + {last.completion_tokens} completion "
            f"= {last.total_tokens} tokens"
        )
    repl.info(
        f"session: {total.prompt_tokens} prompt + {total.completion_tokens} completion "
        f"= {total.total_tokens} tokens"
        + ("" if total.total_tokens else " (the model API may not report usage)")
    )


@COMMANDS.command("save")
def save_command(repl: Repl, arg: str) -> None:
    """Save the conversation as markdown: /save FILE."""
    if not arg:
        repl.info("usage: /save FILE")
        return
    parts = [f"# eventchat conversation\n\nmodel: {repl.engine.llm.model}\n"]
    for turn in repl.turns:
        answer = sanitize(turn.answer_text).strip() or "_(no answer)_"
        note = "\n\n_(interrupted)_" if turn.interrupted else ""
        note += f"\n\n_(error: {sanitize_line(turn.error)})_" if turn.error else ""
        parts.append(
            f"## You\n\n{sanitize(turn.question).strip()}\n\n## eventchat\n\n{answer}{note}\n"
        )
    path = Path(arg).expanduser()
    try:
        path.write_text("\n".join(parts), encoding="utf-8")
    except OSError as exc:
        repl.info(f"cannot write {path} ({exc.strerror or exc})")
        return
    repl.info(f"saved {len(repl.turns)} turns to {path}")


@COMMANDS.command("ics")
def ics_command(repl: Repl, arg: str) -> None:
    """Save the events named in the last answer as an iCalendar file: /ics FILE."""
    from eventchat.errors import EventchatError
    from eventchat.ics import write_ics

    turn = repl.last_turn
    if not arg:
        repl.info("usage: /ics FILE")
        return
    if turn is None:
        repl.info("no answer yet: ask about some events first")
        return
    path = Path(arg).expanduser()
    try:
        count = write_ics(path, turn.answer_text, turn.events)
    except EventchatError as exc:
        repl.info(str(exc))
        return
    if count:
        repl.info(f"saved {count} events to {path}")
    else:
        repl.info(f"the last answer names no events from its search results; {path} not written")


@COMMANDS.command("examples")
def examples_command(repl: Repl, _arg: str) -> None:
    """Show questions to try."""
    repl.info("\n".join("  " + example for example in EXAMPLES))


@COMMANDS.command("exit")
def exit_command(repl: Repl, _arg: str) -> None:
    """Leave eventchat (so do Ctrl-D and q)."""
    repl.running = False
