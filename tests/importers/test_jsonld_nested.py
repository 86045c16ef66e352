"""schema.org events nested in other nodes: event, subEvent, superEvent, reservationFor, lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eventchat.store.importers import parse_file


def _write(tmp_path: Path, payload: Any, name: str = "events.jsonld") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload))
    return path


def _event(name: str, start: str, **fields: Any) -> dict[str, Any]:
    return {"@type": "Event", "name": name, "startDate": start, **fields}


def test_an_organizations_events_are_read(tmp_path: Path) -> None:
    org = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "Python Users Berlin",
        "event": [_event("Meetup May", "2026-05-12"), _event("Meetup June", "2026-06-09")],
    }

    batch = parse_file(_write(tmp_path, org))

    assert [e.name for e in batch.events] == ["Meetup May", "Meetup June"]
    assert (batch.skipped, batch.errors) == (1, [])  # the Organization itself


def test_a_series_that_only_holds_its_sub_events_is_skipped_not_bad(tmp_path: Path) -> None:
    series = {
        "@context": "https://schema.org",
        "@type": "EventSeries",
        "name": "Summer concerts",
        "subEvent": [_event("Concert 1", "2026-07-01"), _event("Concert 2", "2026-07-08")],
    }

    batch = parse_file(_write(tmp_path, series))

    assert [e.name for e in batch.events] == ["Concert 1", "Concert 2"]
    assert (batch.skipped, batch.errors) == (1, [])


def test_a_festival_with_dates_and_its_sub_events_are_all_read(tmp_path: Path) -> None:
    festival = _event(
        "Jazz Festival",
        "2026-08-01",
        endDate="2026-08-03",
        subEvent={"@type": "MusicEvent", "name": "Opening night", "startDate": "2026-08-01"},
    )
    festival["@context"] = "https://schema.org"

    batch = parse_file(_write(tmp_path, festival))

    assert [e.name for e in batch.events] == ["Jazz Festival", "Opening night"]


def test_a_super_event_repeated_in_each_sub_event_is_one_event(tmp_path: Path) -> None:
    fest = {"@type": "Festival", "name": "Fête", "startDate": "2026-06-21"}
    payload = [
        _event("Stage A", "2026-06-21T18:00:00+02:00", superEvent=fest),
        _event("Stage B", "2026-06-21T20:00:00+02:00", superEvent=fest),
    ]
    payload[0]["@context"] = "https://schema.org"

    batch = parse_file(_write(tmp_path, payload))

    assert [e.name for e in batch.events] == ["Stage A", "Fête", "Stage B"]
    assert (batch.duplicates, batch.errors) == (0, [])


def test_a_reservations_event_is_read_and_the_person_is_not(tmp_path: Path) -> None:
    reservation = {
        "@context": "https://schema.org",
        "@type": "EventReservation",
        "reservationNumber": "E123",
        "underName": {"@type": "Person", "name": "Anna Example", "email": "anna@example.org"},
        "reservationFor": _event("Rust Summit", "2026-09-10", location="Online"),
    }

    batch = parse_file(_write(tmp_path, reservation))

    (event,) = batch.events
    assert (event.name, event.online) == ("Rust Summit", True)
    assert "Anna" not in event.model_dump_json()


def test_an_item_list_in_a_graph_and_a_pages_main_entity(tmp_path: Path) -> None:
    listed = {
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": _event("Talk 1", "2026-03-01")},
            {"@type": "ListItem", "position": 2, "url": "https://talks.example/2"},
            _event("Talk 3", "2026-03-03"),
        ],
    }
    page = {"@type": "WebPage", "name": "Talks", "mainEntity": listed}
    graph = {"@context": "https://schema.org", "@graph": [page]}

    batch = parse_file(_write(tmp_path, graph))

    assert [e.name for e in batch.events] == ["Talk 1", "Talk 3"]
    assert (batch.skipped, batch.errors) == (1, [])  # the WebPage


def test_nested_references_are_not_events_twice(tmp_path: Path) -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "EventSeries", "name": "Tours", "subEvent": [{"@id": "#t1"}]},
            _event("Old town tour", "2026-04-04T11:00:00+02:00", **{"@id": "#t1"}),
        ],
    }

    batch = parse_file(_write(tmp_path, graph))

    assert [e.name for e in batch.events] == ["Old town tour"]
    assert (batch.skipped, batch.duplicates, batch.errors) == (1, 0, [])


def test_a_bad_nested_event_is_named_and_its_siblings_import(tmp_path: Path) -> None:
    org = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "Club",
        "event": [_event("Good", "2026-05-01"), _event("Undated", "soon")],
    }

    batch = parse_file(_write(tmp_path, org))

    assert [e.name for e in batch.events] == ["Good"]
    assert [str(e) for e in batch.errors] == [
        "events.jsonld record 3 (\"Undated\"): 'startDate' is not a date"
    ]


def test_events_nested_very_deep_do_not_crash(tmp_path: Path) -> None:
    node: dict[str, Any] = _event("Deepest", "2026-01-01")
    for _ in range(400):
        node = {"@type": "Organization", "event": node}
    node["@context"] = "https://schema.org"

    batch = parse_file(_write(tmp_path, node))

    assert batch.events == []  # past the depth events are read to, and no RecursionError
