"""The interactive REPL: prompt-toolkit session, slash commands, Ctrl-C handling."""

from eventchat.repl.loop import run_repl

__all__ = ["run_repl"]
