"""python-deadlines: the real snapshot, with IANA-zone deadlines, tags and places."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventchat.store.sources import python_deadlines
from eventchat.store.sources.reading import SourceRead
from tests.sources.conftest import (
    DATA,
    check_deadlines_and_ids,
    named,
    needs_python_deadlines,
    open_deadlines,
    upcoming,
)

pytestmark = needs_python_deadlines


def test_counts_every_record_and_every_non_deadline(python_read: SourceRead) -> None:
    # 58 + 585 + 552 records, all dated. "None", "TBA" and "Cancelled" CfPs are counted by what
    # they say; nine extensions are dates without a time; one is a URL.
    assert len(python_read.events) == 1195
    assert not python_read.skipped
    assert python_read.deadlines_skipped == {
        "None": 98,
        "Cancelled": 28,
        "TBA": 17,
        "date without a time": 9,
        "not a date-time": 1,
    }


def test_upcoming_and_open(python_read: SourceRead) -> None:
    assert sorted(event.name for event in upcoming(python_read.events)) == [
        "PyCon Austria 2027",
        "PyCon Germany 2027",
        "PyCon Lithuania 2027",
        "PyCon Namibia 2027",
        "PyData Global 2026",
        "SciPy India 2026",
    ]
    assert open_deadlines(python_read.events) == [("PyCon Lithuania 2027", "cfp")]


def test_iana_zone_gives_the_offset_at_that_instant(python_read: SourceRead) -> None:
    event = named(python_read.events, "PyCon Germany & PyData Conference 2026")
    assert (event.start, event.end, event.locality, event.country_code) == (
        "2026-04-14",
        "2026-04-17",
        "Darmstadt",
        "DE",
    )
    assert event.tags == ["python", "data"]  # sub "PY,DATA"
    assert event.links is not None
    assert event.links.url == "https://2026.pycon.de/"
    assert event.links.cfp_url == "https://pretalx.com/pyconde-pydata-2026/cfp"
    assert [(d.kind, d.at, d.timezone, d.label) for d in event.links.deadlines] == [
        ("cfp", "2025-12-21T23:59:59+01:00", "Europe/Berlin", None),
        ("tutorial", "2026-01-11T23:59:00+01:00", "Europe/Berlin", None),
        ("cfp", "2026-01-18T23:59:59+01:00", "Europe/Berlin", "Extended CfP deadline"),
    ]
    assert event.links.cfp_end_date == "2026-01-18"  # the extension is when the CfP closes


def test_one_zone_two_offsets(python_read: SourceRead) -> None:
    winter = named(python_read.events, "North Bay Python 2026").links
    summer = named(python_read.events, "PyBay 2026").links
    assert winter is not None
    assert summer is not None
    assert winter.deadlines[0].at == "2026-02-14T09:00:00-08:00"
    assert summer.deadlines[0].at == "2026-07-31T23:59:00-07:00"
    assert winter.deadlines[0].timezone == summer.deadlines[0].timezone == "America/Los_Angeles"


def test_no_timezone_is_the_sources_default_aoe(python_read: SourceRead) -> None:
    event = named(python_read.events, "PyCon Lithuania 2027")
    assert event.links is not None
    assert [(d.kind, d.at, d.timezone) for d in event.links.deadlines] == [
        ("cfp", "2027-01-13T23:59:00-12:00", "AoE")
    ]


def test_cancelled_cfp_is_no_deadline_but_its_extension_is(python_read: SourceRead) -> None:
    event = named(python_read.events, "PyCon Estonia 2026")
    assert event.links is not None
    assert [(d.kind, d.label) for d in event.links.deadlines] == [("cfp", "Extended CfP deadline")]


def test_online_event_has_no_place(python_read: SourceRead) -> None:
    event = named(python_read.events, "Wagtail Space 2026")
    assert event.online
    assert (event.locality, event.country) == (None, None)
    assert event.tags == ["python", "web"]


def test_social_handles_and_note(python_read: SourceRead) -> None:
    wroclaw = named(python_read.events, "PyCon Wroclaw 2026")
    assert wroclaw.links is not None
    assert wroclaw.links.social == ["@pyconwroclaw"]
    chile = named(python_read.events, "PyCon Chile 2023")
    assert chile.description == "Saturday presence, 2 days Online"
    assert chile.online  # extra_places: [Online]
    assert (chile.locality, chile.country_code) == ("Valparaiso", "CL")


def test_same_name_same_year_in_several_cities_stays_apart(python_read: SourceRead) -> None:
    china = [e for e in python_read.events if e.name == "PyCon China 2023"]
    assert sorted(e.locality or "" for e in china) == ["Beijing", "Chengdu", "Guangzhou"]


def test_deadlines_have_offsets_and_ids_are_stable(python_read: SourceRead) -> None:
    check_deadlines_and_ids(python_read, python_deadlines.read_source(DATA / "python-deadlines"))


def test_a_directory_without_data_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"conferences\.yml"):
        python_deadlines.read_directory(tmp_path)
