"""The source snapshots in ``../shared/data``, each read once per session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pytest

from eventchat.models import EventDetail
from eventchat.store.sources import ai_deadlines, ccf, confstech, python_deadlines
from eventchat.store.sources.reading import SourceRead

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
TODAY = "2026-12-03"
# A deadline is still open on TODAY if it has not passed anywhere on Earth.
OPEN_FROM = dt.datetime.fromisoformat(f"{TODAY}T00:00-12:00")


def _needs(name: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not (DATA / name).is_dir(), reason=f"{name} snapshot not found at {DATA / name}"
    )


needs_ccf = _needs("ccf-deadlines")
needs_python_deadlines = _needs("python-deadlines")
needs_ai_deadlines = _needs("ai-deadlines")
needs_confs_tech = _needs("confs-tech")


@pytest.fixture(scope="session")
def ccf_read() -> SourceRead:
    return ccf.read_source(DATA / "ccf-deadlines")


@pytest.fixture(scope="session")
def python_read() -> SourceRead:
    return python_deadlines.read_source(DATA / "python-deadlines")


@pytest.fixture(scope="session")
def ai_read() -> SourceRead:
    return ai_deadlines.read_source(DATA / "ai-deadlines")


@pytest.fixture(scope="session")
def confs_tech_events() -> list[EventDetail]:
    return confstech.read_directory(DATA / "confs-tech")


def named(events: Iterable[EventDetail], name: str) -> EventDetail:
    """The one event called ``name``."""
    found = [event for event in events if event.name == name]
    assert len(found) == 1, f"{len(found)} events named {name!r}"
    return found[0]


def upcoming(events: Iterable[EventDetail]) -> list[EventDetail]:
    """Events ending on or after TODAY."""
    return [event for event in events if (event.end or event.start)[:10] >= TODAY]


def open_deadlines(events: Iterable[EventDetail]) -> list[tuple[str, str]]:
    """(event name, deadline kind) of every deadline still open on TODAY."""
    return [
        (event.name, deadline.kind)
        for event in events
        for deadline in (event.links.deadlines if event.links else [])
        if dt.datetime.fromisoformat(deadline.at) >= OPEN_FROM
    ]


def check_deadlines_and_ids(read: SourceRead, again: SourceRead) -> None:
    """Every deadline an instant with an offset; ids unique and the same on a second read."""
    for event in read.events:
        assert event.links is not None
        assert event.links.id == event.id
        for deadline in event.links.deadlines:
            at = dt.datetime.fromisoformat(deadline.at)
            assert at.utcoffset() is not None, (event.name, deadline)
            assert deadline.timezone, (event.name, deadline)
    ids = [event.id for event in read.events]
    assert len(set(ids)) == len(ids)
    assert [event.id for event in again.events] == ids
