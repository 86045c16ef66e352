"""eventchat JSON: CFP end dates and deadlines checked like dates; "Online" is no country."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eventchat.store.importers import parse_file


def _write(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(rows))
    return path


@pytest.mark.parametrize(
    ("links", "problem"),
    [
        ({"cfp_end_date": "TBD"}, "'links.cfp_end_date' is not a date"),
        ({"cfp_end_date": "2026-13-45"}, "'links.cfp_end_date' is not a date"),
        ({"cfp_end_date": 20260301}, "'links.cfp_end_date' is not a date"),
        ({"deadlines": [{"kind": "cfp", "at": "TBD"}]}, "'links.deadlines.0.at' is not a date"),
        (
            {
                "deadlines": [
                    {"kind": "cfp", "at": "2026-03-01"},
                    {"kind": "paper", "at": "2026-13-45"},
                ]
            },
            "'links.deadlines.1.at' is not a date",
        ),
        ({"deadlines": [{"kind": "cfp"}]}, "'links.deadlines.0.at' is missing"),
    ],
)
def test_bad_deadline_dates_are_one_line_naming_the_field(
    tmp_path: Path, links: dict[str, Any], problem: str
) -> None:
    rows = [
        {"name": "Conf", "start": "2026-05-01", "links": links},
        {"name": "Fine", "start": "2026-05-02"},
    ]

    batch = parse_file(_write(tmp_path, rows))

    assert [e.name for e in batch.events] == ["Fine"]
    assert [str(e) for e in batch.errors] == [f'events.json record 1 ("Conf"): {problem}']


def test_good_deadlines_are_normalised_and_kept(tmp_path: Path) -> None:
    links = {
        "cfp_end_date": "2026-03-01",
        "deadlines": [
            {"kind": "cfp", "at": "2026-03-01T23:59:00Z", "timezone": "UTC", "label": "Talks"},
            {"kind": "notification", "at": "2026-04-01"},
        ],
    }

    (event,) = parse_file(
        _write(tmp_path, [{"name": "Conf", "start": "2026-05-01", "links": links}])
    ).events

    assert event.links is not None
    assert event.links.cfp_end_date == "2026-03-01"
    assert [(d.kind, d.at, d.label) for d in event.links.deadlines] == [
        ("cfp", "2026-03-01T23:59:00+00:00", "Talks"),
        ("notification", "2026-04-01", None),
    ]


@pytest.mark.parametrize(
    "place",
    [
        {"country": "Virtual"},
        {"country": "Online"},
        {"country": "online", "country_code": "XX"},
        {"country": "Remote", "locality": "Online"},
    ],
)
def test_online_as_a_country_is_online_and_no_country(
    tmp_path: Path, place: dict[str, str]
) -> None:
    (event,) = parse_file(
        _write(tmp_path, [{"name": "Conf", "start": "2026-05-01", **place}])
    ).events

    assert (event.online, event.country, event.country_code, event.locality) == (
        True,
        None,
        None,
        None,
    )


def test_a_real_country_and_a_code_alone_stay(tmp_path: Path) -> None:
    rows = [
        {"name": "A", "start": "2026-05-01", "country": "Germany", "country_code": "DE"},
        {"name": "B", "start": "2026-05-01", "country_code": "FR"},
    ]

    first, second = parse_file(_write(tmp_path, rows)).events

    assert (first.online, first.country, first.country_code) == (False, "Germany", "DE")
    assert (second.online, second.country_code) == (False, "FR")
