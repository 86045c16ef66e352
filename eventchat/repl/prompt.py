"""The prompt-toolkit session: input history, keys, slash-command completion.

Keys: Enter sends; Meta-Enter (Esc Enter) and Ctrl-J insert a newline; a bracketed paste stays
one message however many lines it has; Ctrl-X Ctrl-E edits the message in ``$VISUAL``/``$EDITOR``;
→ or Ctrl-E takes the grey suggestion from history.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout.processors import Processor, Transformation, TransformationInput

from eventchat.render.sanitize import REMOVED_CODE_POINTS
from eventchat.settings import state_dir

if TYPE_CHECKING:
    from prompt_toolkit.formatted_text import StyleAndTextTuples
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from eventchat.repl.commands import CommandRegistry

PROMPT = "› "


class SharedFileHistory(FileHistory):
    """A FileHistory safe for several REPLs at once, and for a file it cannot write.

    Each entry is appended with one ``write`` on an ``O_APPEND`` descriptor, so two sessions
    interleave whole entries and never overwrite each other. When the file cannot be written
    (read-only, disk full) ``warn`` is called once and history goes on in memory.
    """

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        super().__init__(str(path))
        self.path = path
        self.warn = warn
        self.broken = False

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(super().load_history_strings())
        except OSError as exc:
            self._fail(exc)
            return []

    def store_string(self, string: str) -> None:
        if self.broken:
            return
        lines = "".join(f"+{line}\n" for line in string.split("\n"))
        entry = f"\n# {dt.datetime.now()}\n{lines}".encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, entry)
            finally:
                os.close(fd)
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        if not self.broken:
            self.broken = True
            reason = exc.strerror or type(exc).__name__
            self.warn(
                f"eventchat: cannot save input history to {self.path} ({reason}); "
                "this session's history is kept in memory only"
            )


def history_path() -> Path:
    """``$XDG_STATE_HOME/eventchat/history``."""
    return state_dir() / "history"


class SlashCompleter(Completer):
    """Completes ``/command`` names from the registry, and ``/format``'s argument."""

    def __init__(self, registry: CommandRegistry, arguments: dict[str, list[str]]) -> None:
        self.registry = registry
        self.arguments = arguments

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        word, space, arg = text.partition(" ")
        if not space:
            for name, summary in self.registry.summaries():
                if name.startswith(word[1:].lower()):
                    yield Completion("/" + name, start_position=-len(word), display_meta=summary)
            return
        name = word[1:].lower()
        for choice in self.arguments.get(name, []):
            if choice.startswith(arg) and " " not in arg:
                yield Completion(choice, start_position=-len(arg))


def key_bindings() -> KeyBindings:
    """Enter sends; Meta-Enter and Ctrl-J insert a newline; Ctrl-C clears, or interrupts."""
    bindings = KeyBindings()

    @bindings.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        # With text, Ctrl-C discards it (as shells do); at an empty prompt it reaches the REPL.
        if event.current_buffer.text:
            event.current_buffer.reset()
        else:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    @bindings.add("enter")
    def _send(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    @bindings.add("c-j")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-x", "c-e")
    def _edit(event: KeyPressEvent) -> None:
        # Back to the prompt after editing, to read the message before Enter sends it.
        event.current_buffer.open_in_editor(validate_and_handle=False)

    return bindings


# prompt-toolkit shows C0 and C1 controls as ^X and <9b>, but writes format controls as they are.
_HIDDEN = dict.fromkeys((c for c in REMOVED_CODE_POINTS if c > 0xFF), "\N{REPLACEMENT CHARACTER}")


class ShowFormatControls(Processor):
    """Shows bidi overrides, isolates and zero-width characters in the input as a visible "�".

    Written raw, a pasted U+202E would reorder the line on screen, so the message shown is not
    the one sent. One character for one keeps every cursor position as it is.
    """

    def apply_transformation(self, transformation_input: TransformationInput) -> Transformation:
        fragments = [
            (style, text.translate(_HIDDEN), *rest)
            for style, text, *rest in transformation_input.fragments
        ]
        return Transformation(cast("StyleAndTextTuples", fragments))


def make_prompt_session(
    registry: CommandRegistry,
    *,
    warn: Callable[[str], None],
    arguments: dict[str, list[str]] | None = None,
    input: Input | None = None,
    output: Output | None = None,
) -> PromptSession[str]:
    """A prompt session over the shared history file; ``input``/``output`` for tests."""
    return PromptSession(
        PROMPT,
        history=SharedFileHistory(history_path(), warn),
        auto_suggest=AutoSuggestFromHistory(),
        completer=SlashCompleter(registry, arguments or {}),
        complete_while_typing=True,
        multiline=True,  # Enter is bound to send; newlines come from Meta-Enter, Ctrl-J, paste
        key_bindings=key_bindings(),
        enable_open_in_editor=True,  # Ctrl-X Ctrl-E
        prompt_continuation="  ",
        input_processors=[ShowFormatControls()],
        input=input,
        output=output,
    )
