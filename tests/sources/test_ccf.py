"""ccf-deadlines: the real snapshot, parsed into events with places, tags and deadline instants."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventchat.store.sources import ccf
from eventchat.store.sources.reading import SourceRead
from tests.sources.conftest import (
    DATA,
    check_deadlines_and_ids,
    named,
    needs_ccf,
    open_deadlines,
    upcoming,
)

pytestmark = needs_ccf


def test_counts_every_edition_read_or_skipped(ccf_read: SourceRead) -> None:
    # 1,160 editions: 23 dated by month, year or "TBD" only, 6 whose date text is another
    # year's (SIGMOD 2023 "June 18-23, 2022"), 2 "TBD" deadlines.
    assert len(ccf_read.events) == 1131
    assert ccf_read.skipped == {"no day": 23, "date outside the edition's year": 6}
    assert ccf_read.deadlines_skipped == {"TBD": 2}
    assert len(ccf_read.events) + sum(ccf_read.skipped.values()) == 1160


def test_upcoming_editions_and_open_deadlines(ccf_read: SourceRead) -> None:
    # SOURCE.md counts 95 from 2026-12-03 and 11 with an open deadline by edition year; six of
    # its 2027 editions have no day yet (CSF 2027 "TBA" among them, with its open deadline).
    assert len(upcoming(ccf_read.events)) == 95
    still_open = open_deadlines(ccf_read.events)
    assert len(still_open) == 18
    assert len({name for name, _ in still_open}) == 10
    assert ("USENIX Security 2027", "abstract") in still_open


def test_edition_with_aoe_deadlines(ccf_read: SourceRead) -> None:
    event = named(ccf_read.events, "INFOCOM 2027")
    assert (event.start, event.end) == ("2027-05-24", "2027-05-27")  # "May 24 - 27, 2027"
    assert (event.locality, event.region, event.country, event.country_code) == (
        "Honolulu",
        "HI",
        "United States",
        "US",
    )
    assert event.description == "IEEE International Conference on Computer Communications"
    assert event.tags == ["networking"]
    assert event.source == "ccf-deadlines"
    assert event.links is not None
    assert event.links.url == "https://infocom2027.ieee-infocom.org/"
    assert [(d.kind, d.at, d.timezone) for d in event.links.deadlines] == [
        ("abstract", "2026-07-24T23:59:59-12:00", "AoE"),
        ("paper", "2026-07-31T23:59:59-12:00", "AoE"),
    ]
    assert event.links.cfp_end_date == "2026-07-31"


def test_edition_with_a_utc_plus_8_deadline(ccf_read: SourceRead) -> None:
    event = named(ccf_read.events, "NLPCC 2026")
    assert event.links is not None
    assert [(d.kind, d.at, d.timezone) for d in event.links.deadlines] == [
        ("paper", "2026-06-20T23:59:59+08:00", "UTC+8")
    ]
    # "Macau, China": ISO 3166 codes Macao apart, and a city-state's city is itself.
    assert (event.locality, event.country_code) == ("Macao", "MO")
    assert event.tags == ["ai"]


def test_venue_city_and_country_from_one_place_text(ccf_read: SourceRead) -> None:
    event = named(ccf_read.events, "ICASSP 2024")  # "COEX, Seoul, Korea"
    assert (event.venue, event.locality, event.country, event.country_code) == (
        "COEX",
        "Seoul",
        "South Korea",
        "KR",
    )


def test_free_text_date_forms(ccf_read: SourceRead) -> None:
    aaai = named(ccf_read.events, "AAAI 2027")  # "February 16-23, 2027"
    assert (aaai.start, aaai.end) == ("2027-02-16", "2027-02-23")
    assert (aaai.locality, aaai.region, aaai.country_code) == ("Montréal", "Québec", "CA")
    iwqos = named(ccf_read.events, "IWQoS 2026")  # "29 June - 2 July, 2026"
    assert (iwqos.start, iwqos.end) == ("2026-06-29", "2026-07-02")
    ndss = named(ccf_read.events, "NDSS 2027")  # "March 22 - March 26, 2027"
    assert (ndss.start, ndss.end) == ("2027-03-22", "2027-03-26")


def test_rounds_keep_their_comment_as_label(ccf_read: SourceRead) -> None:
    event = named(ccf_read.events, "NDSS 2027")
    assert event.links is not None
    assert [(d.kind, d.label) for d in event.links.deadlines] == [
        ("paper", "Summer"),
        ("paper", "Fall"),
    ]
    assert event.tags == ["security"]


def test_pacific_time_follows_daylight_saving(ccf_read: SourceRead) -> None:
    event = named(ccf_read.events, "VLDB 2027")
    assert event.links is not None
    offsets = {d.at[:10]: d.at[-6:] for d in event.links.deadlines}
    assert offsets["2026-10-01"] == "-07:00"
    assert offsets["2026-12-01"] == "-08:00"


def test_editions_without_a_day_are_skipped_not_invented(ccf_read: SourceRead) -> None:
    names = {event.name for event in ccf_read.events}
    assert "MobiCom 2026" not in names  # "November, 2026"
    assert "CSF 2027" not in names  # "TBA"
    assert "SIGMOD 2023" not in names  # "June 18-23, 2022"
    assert "SIGMOD 2026" in names


def test_deadlines_have_offsets_and_ids_are_stable(ccf_read: SourceRead) -> None:
    check_deadlines_and_ids(ccf_read, ccf.read_source(DATA / "ccf-deadlines"))


def test_a_directory_without_series_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="conference"):
        ccf.read_directory(tmp_path)
