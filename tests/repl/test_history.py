"""Input history: shared by two REPLs at once, and harmless when it cannot be written."""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from eventchat.repl.commands import COMMANDS
from eventchat.repl.prompt import SharedFileHistory, SlashCompleter, history_path


def strings(history: SharedFileHistory) -> list[str]:
    return list(history.load_history_strings())


def test_history_lives_in_xdg_state_home(clean_environ: Path) -> None:
    assert history_path() == clean_environ / "state" / "eventchat" / "history"


def test_two_sessions_append_without_clobbering_each_other(tmp_path: Path) -> None:
    path = tmp_path / "state" / "history"
    warnings: list[str] = []
    first, second = (
        SharedFileHistory(path, warnings.append),
        SharedFileHistory(path, warnings.append),
    )
    list(first.load_history_strings())
    list(second.load_history_strings())
    first.append_string("from the first")
    second.append_string("from the second\nover two lines")
    first.append_string("the first again")
    # A third REPL started now sees every entry, newest first.
    assert strings(SharedFileHistory(path, warnings.append)) == [
        "the first again",
        "from the second\nover two lines",
        "from the first",
    ]
    assert warnings == []


def test_a_full_disk_warns_once_and_history_goes_on_in_memory() -> None:
    warnings: list[str] = []
    history = SharedFileHistory(Path("/dev/full"), warnings.append)
    history.append_string("one")
    history.append_string("two")
    assert len(warnings) == 1
    assert "/dev/full" in warnings[0]
    assert "memory only" in warnings[0]
    assert list(history.get_strings()) == ["one", "two"]


def test_an_unwritable_place_warns_once(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state directory should be")
    warnings: list[str] = []
    history = SharedFileHistory(blocker / "eventchat" / "history", warnings.append)
    assert strings(history) == []
    history.append_string("one")
    history.append_string("two")
    assert len(warnings) == 1


def completions(text: str) -> list[str]:
    completer = SlashCompleter(COMMANDS, {"format": ["rich", "markdown", "json", "jsonl"]})
    found = completer.get_completions(Document(text), CompleteEvent(completion_requested=True))
    return [c.text for c in found]


def test_slash_commands_complete_from_the_registry() -> None:
    assert completions("/h") == ["/help", "/history"]
    assert completions("/") == ["/" + name for name, _ in COMMANDS.summaries()]
    assert completions("/format j") == ["json", "jsonl"]
    assert completions("python in /h") == []
