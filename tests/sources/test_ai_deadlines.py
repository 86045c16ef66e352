"""ai-deadlines: the real snapshot, with states as countries, both deadline layouts, tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventchat.store.sources import ai_deadlines
from eventchat.store.sources.reading import SourceRead
from tests.sources.conftest import (
    DATA,
    check_deadlines_and_ids,
    named,
    needs_ai_deadlines,
    open_deadlines,
    upcoming,
)

pytestmark = needs_ai_deadlines


def test_counts_every_edition_read_or_skipped(ai_read: SourceRead) -> None:
    # 122 editions: Eurographics 2027 has no date at all; UAI 2026's only date is last year's.
    assert len(ai_read.events) == 120
    assert ai_read.skipped == {"no day": 1, "date outside the edition's year": 1}
    assert not ai_read.deadlines_skipped
    names = {event.name for event in ai_read.events}
    assert "Eurographics 2027" not in names
    assert "UAI 2026" not in names


def test_upcoming_and_open(ai_read: SourceRead) -> None:
    assert len(upcoming(ai_read.events)) == 13
    assert open_deadlines(ai_read.events) == [("CEC 2027", "paper")]


def test_a_us_state_given_as_the_country(ai_read: SourceRead) -> None:
    event = named(ai_read.events, "AAAI 2025")  # city Philadelphia, country Pennsylvania
    assert (event.venue, event.locality, event.region, event.country, event.country_code) == (
        "Pennsylvania Convention Center",  # "…, Philadelphia, USA" said twice
        "Philadelphia",
        "Pennsylvania",
        "United States",
        "US",
    )
    assert event.description == "AAAI Conference on Artificial Intelligence"
    assert event.tags[0] == "ai"
    assert "machine-learning" in event.tags
    assert event.links is not None
    assert [(d.kind, d.at, d.timezone) for d in event.links.deadlines] == [
        ("abstract", "2024-08-07T23:59:59-12:00", "AoE"),
        ("paper", "2024-08-15T23:59:59-12:00", "AoE"),
        ("notification", "2024-12-09T23:59:59-12:00", "AoE"),
        ("camera_ready", "2024-12-19T23:59:59-12:00", "AoE"),
    ]
    assert event.links.deadlines[1].label == "Paper submission deadline"


def test_older_flat_deadline_fields(ai_read: SourceRead) -> None:
    event = named(ai_read.events, "CVPR 2025")  # Nashville, Tennessee; deadline + timezone
    assert (event.locality, event.region, event.country_code) == ("Nashville", "Tennessee", "US")
    assert (event.start, event.end) == ("2025-06-10", "2025-06-17")  # from "June 10-17, 2025"
    assert event.links is not None
    assert [(d.kind, d.at, d.timezone) for d in event.links.deadlines] == [
        ("abstract", "2024-11-07T23:59:00-08:00", "UTC-8"),
        ("paper", "2024-11-14T23:59:00-08:00", "UTC-8"),
    ]


def test_the_list_wins_over_flat_fields(ai_read: SourceRead) -> None:
    event = named(ai_read.events, "CVPR 2026")  # both layouts; the flat one has no zone
    assert event.links is not None
    kinds = [d.kind for d in event.links.deadlines]
    assert kinds.count("paper") == 1
    assert len(kinds) == 7


def test_a_region_given_as_the_country(ai_read: SourceRead) -> None:
    event = named(ai_read.events, "ECIR 2025")  # country "Tuscany"
    assert (event.locality, event.region, event.country, event.country_code) == (
        "Lucca",
        "Tuscany",
        "Italy",
        "IT",
    )


def test_start_from_another_year_falls_back_to_the_date_text(ai_read: SourceRead) -> None:
    event = named(ai_read.events, "ICASSP 2026")  # start: 2025-05-04, date: May 4-8, 2026
    assert (event.start, event.end) == ("2026-05-04", "2026-05-08")
    assert event.links is not None
    # "GMT+02" is written as UTC+2 here (Barcelona in September), not POSIX's Etc/GMT+2.
    assert [(d.kind, d.at, d.timezone) for d in event.links.deadlines] == [
        ("submission", "2025-09-18T08:59:59+02:00", "GMT+02")
    ]


def test_iana_zone_in_the_list(ai_read: SourceRead) -> None:
    event = named(ai_read.events, "HICSS 2027")
    assert event.links is not None
    assert event.links.deadlines[0].at == "2026-06-15T23:59:59-10:00"
    assert event.links.deadlines[0].timezone == "Pacific/Honolulu"


def test_deadlines_have_offsets_and_ids_are_stable(ai_read: SourceRead) -> None:
    check_deadlines_and_ids(ai_read, ai_deadlines.read_source(DATA / "ai-deadlines"))


def test_a_directory_without_conference_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="conferences"):
        ai_deadlines.read_directory(tmp_path)
