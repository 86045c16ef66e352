"""Slash commands: a registry whose docstrings are the help (as aider's ``commands.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventchat.repl.loop import Repl

Handler = Callable[["Repl", str], None]


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
            return None, f"/{name} is ambiguous: {options}"
        return None, f"unknown command /{name} — /help lists the commands"

    def help_lines(self) -> list[str]:
        """One line per command: name and the first line of its docstring."""
        lines = []
        for name, handler in sorted(self.handlers.items()):
            summary = (handler.__doc__ or "").strip().splitlines()[0]
            lines.append(f"/{name:<10} {summary}")
        return lines


COMMANDS = CommandRegistry()


@COMMANDS.command("help")
def help_command(repl: Repl, _arg: str) -> None:
    """Show the commands and the keys."""
    keys = "Ctrl-C cancels an answer; Ctrl-D or /exit quits."
    repl.info("\n".join([*COMMANDS.help_lines(), keys]))


@COMMANDS.command("clear")
def clear_command(repl: Repl, _arg: str) -> None:
    """Forget the conversation and start afresh."""
    repl.clear()
    repl.info("conversation cleared")


@COMMANDS.command("exit")
def exit_command(repl: Repl, _arg: str) -> None:
    """Leave eventchat."""
    repl.running = False
