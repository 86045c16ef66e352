"""The README's examples, ``/examples`` and the README picture find events at the stated date.

Each example question is mapped to the ``event_search`` arguments a model would send for it, and
each ``eventchat search`` command line to the search it runs; every one must find upcoming events
in the bundled data at ``--today 2026-12-03`` (the date the README states), through the real
events API and store. The examples are read from README.md, ``EXAMPLES`` and
``docs/session_svg.py`` (``/examples`` from ``EXAMPLES`` in ``eventchat/repl/commands.py``), so
an example added without an entry here fails.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shlex
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI

from eventchat import lookup
from eventchat.client.rest import RestEventsClient
from eventchat.models import SearchQuery
from eventchat.settings import load_settings
from eventchat.tools import DATA_BEGIN, DATA_END, EventTools, ToolRegistry
from eventchat.tools.events import SearchArgs
from tests.security.cli_runner import invoke

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SESSION_SVG = ROOT / "docs" / "session_svg.py"
COMMANDS = ROOT / "eventchat" / "repl" / "commands.py"
SECTIONS = ("Use", "The chat", "Pipes and scripting", "Search without a model")
TODAY = dt.date(2026, 12, 3)

FOLLOW_UP = "event_details of the second event the previous example found"

# Each example question -> the event_search arguments a model sends for it, at TODAY.
QUESTIONS: dict[str, dict[str, Any] | str] = {
    # README, "Use"
    "Security conferences in the Netherlands?": {"search": "security", "country": "Netherlands"},
    "JavaScript conferences this year?": {"search": "javascript", "start_before": "2026-12-31"},
    "Which of these are in Berlin?": {"locality": "Berlin"},  # notes.txt on stdin: what is there
    # README, "Pipes and scripting"
    "AI conferences in the UK?": {"search": "ai", "country": "UK"},
    "Python in Germany?": {"search": "python", "country": "Germany"},
    "Which of these are online?": {"online": True},
    # /examples, in order: the last one asks about the one before it
    "Any Python conferences in Europe next spring?": {
        "search": "python",
        "start_after": "2027-03-01",
        "start_before": "2027-05-31",
    },
    "Which conferences can I attend online this month?": {
        "online": True,
        "start_before": "2026-12-31",
    },
    "Which security conferences have a call for papers closing soon?": {
        "search": "security",
        "cfp_open": True,
        "sort": "deadline",
    },
    "Machine learning conferences early next year?": {
        "search": "machine learning",
        "start_after": "2027-01-01",
        "start_before": "2027-03-31",
    },
    "Tell me more about the second one.": FOLLOW_UP,
    # the README picture (docs/session_svg.py: QUESTION, SEARCH)
    "Any Python conferences coming up?": {"search": "python"},
}

# Each README ``eventchat search`` command (as shlex reads it, without its pipe and comment)
# -> the search it runs, at TODAY (start_after defaults to TODAY).
SEARCHES: dict[str, dict[str, Any]] = {
    "search devops --country Germany": {"q": "devops", "country": "Germany"},
    "search '' --tag ai --from 2027-01-01 --to 2027-03-31 --format markdown": {
        "tags": ["ai"],
        "start_after": "2027-01-01",
        "start_before": "2027-03-31",
    },
    "search '' --locality London --format json": {"locality": "London"},
    "search --cfp-open --sort deadline --today 2026-12-03": {"cfp_open": True, "sort": "deadline"},
    "search '' --cfp-open --deadline-before 2026-12-17": {
        "cfp_open": True,
        "deadline_before": "2026-12-17",
    },
}


def sections() -> dict[str, str]:
    """README.md's level-two sections by title."""
    parts = re.split(r"^## (.+)$", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def commands() -> list[list[str]]:
    """Every shell line in the code blocks of SECTIONS, as words; pipes are ``|`` words."""
    found = []
    for title in SECTIONS:
        for block in re.findall(r"^```sh\n(.*?)^```", sections()[title], re.S | re.M):
            found += [shlex.split(line, comments=True) for line in block.splitlines()]
    return [words for words in found if words]


def readme_examples() -> tuple[list[str], list[str]]:
    """The example questions and the ``eventchat search`` commands in SECTIONS' code blocks."""
    questions, searches = [], []
    for words in commands():
        pipeline = [list(group) for group in _split(words, "|")]
        for i, argv in enumerate(pipeline):
            if argv[0] != "eventchat":
                continue
            if argv[1:2] == ["search"]:
                searches.append(shlex.join(argv[1:]))
            elif "-q" in argv:
                questions.append(argv[argv.index("-q") + 1])
            elif i and pipeline[i - 1][0] == "echo":  # echo "QUESTION" | eventchat
                questions.append(pipeline[i - 1][1])
    return [q for q in questions if q != "..."], searches


def _split(words: list[str], sep: str) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for word in words:
        if word == sep:
            groups.append([])
        else:
            groups[-1].append(word)
    return groups


def constants(path: Path, *names: str) -> dict[str, Any]:
    """The literal module-level constants ``names`` of the Python file ``path`` (read, not run)."""
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names and value is not None:
            found[target.id] = ast.literal_eval(value)
    assert set(found) == set(names), found
    return found


def picture() -> dict[str, Any]:
    """TODAY, QUESTION and SEARCH of docs/session_svg.py."""
    return constants(SESSION_SVG, "TODAY", "QUESTION", "SEARCH")


EXAMPLES: tuple[str, ...] = constants(COMMANDS, "EXAMPLES")["EXAMPLES"]


def test_the_tables_cover_exactly_the_examples_in_the_readme_examples_and_picture() -> None:
    questions, searches = readme_examples()
    shown = picture()
    assert sorted(QUESTIONS) == sorted({*questions, *EXAMPLES, shown["QUESTION"]})
    assert sorted(SEARCHES) == sorted(searches)
    assert QUESTIONS[shown["QUESTION"]] == shown["SEARCH"]
    assert shown["TODAY"] == TODAY.isoformat()
    assert f"--today {TODAY.isoformat()}" in sections()["Use"]  # the README states the date


def test_the_table_uses_only_event_search_arguments() -> None:
    for question, args in QUESTIONS.items():
        if isinstance(args, dict):
            assert set(args) <= set(SearchArgs.model_fields), question
            SearchArgs.model_validate(args)
    for command, fields in SEARCHES.items():
        assert set(fields) <= set(SearchQuery.model_fields), command


@pytest.fixture
async def tools(events_app: FastAPI, anyio_backend: str) -> AsyncIterator[ToolRegistry]:
    """The chat's event tools at TODAY over the real events API and the bundled database."""
    transport = httpx2.ASGITransport(app=events_app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://events.test") as http:
        yield ToolRegistry(EventTools(RestEventsClient(http), today=lambda: TODAY).tools())


def data(content: str) -> dict[str, Any]:
    first, body, last = content.split("\n")
    assert (first, last) == (DATA_BEGIN, DATA_END)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def upcoming(event: dict[str, Any]) -> bool:
    return str(event.get("end") or event["start"])[:10] >= TODAY.isoformat()


@pytest.mark.anyio
@pytest.mark.parametrize("question", list(QUESTIONS))
async def test_each_question_finds_upcoming_events(tools: ToolRegistry, question: str) -> None:
    args = QUESTIONS[question]
    if args == FOLLOW_UP:
        previous = EXAMPLES[EXAMPLES.index(question) - 1]
        found = data((await tools.call("event_search", QUESTIONS[previous])).content)
        assert len(found["events"]) >= 2, previous  # there is a second one
        output = await tools.call("event_details", {"ids": [found["events"][1]["id"]]})
        assert not output.error
        assert data(output.content)["count"] == 1
        return
    output = await tools.call("event_search", args)
    result = data(output.content)
    assert not output.error
    assert "relaxed" not in result, result["relaxed"]  # found as asked, not with less
    assert result["count"] >= 1, result.get("message")
    assert all(upcoming(e) for e in result["events"])


@pytest.mark.parametrize("command", list(SEARCHES))
def test_each_search_command_finds_upcoming_events(
    command: str, bundled_database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTCHAT_TODAY", TODAY.isoformat())
    settings, _ = load_settings()
    wanted = SearchQuery.model_validate({"start_after": TODAY, **SEARCHES[command]})
    expected = lookup.search_store(settings, wanted)
    assert expected.hits, command
    assert all(upcoming(hit.event.model_dump()) for hit in expected.hits)

    argv = shlex.split(command)
    if "--format" in argv:  # the README's format is for people; the test reads JSON
        at = argv.index("--format")
        del argv[at : at + 2]
    done = invoke(*argv, "--format", "json")
    assert done.code == 0, done.stderr
    ran = [event["id"] for event in json.loads(done.stdout)["events"]]
    assert ran == [hit.event.id for hit in expected.hits]  # the table says what the command runs
