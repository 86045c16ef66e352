"""schema.org Event JSON-LD: lists, single objects, @graph, places, images, offers, online."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eventchat.models import stable_id
from eventchat.store.importers import parse_file
from eventchat.store.importers.fields import derived_id


def _write(tmp_path: Path, payload: Any, name: str = "events.jsonld") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload))
    return path


def test_graph_with_place_reference_postal_address_and_offers(data_dir: Path) -> None:
    batch = parse_file(data_dir / "graph.jsonld")

    assert batch.format == "schema.org"
    assert batch.skipped == 2  # the WebPage and the Place nodes
    assert batch.summary() == (
        "graph.jsonld (schema.org): 2 events, 1 bad record, 2 non-event records skipped"
    )
    synth = batch.events[0]
    assert (synth.name, synth.start, synth.end) == (
        "Synth Night",
        "2026-03-20T20:00:00+01:00",
        "2026-03-20T23:30:00+01:00",
    )
    assert (synth.venue, synth.address, synth.locality, synth.region) == (
        "Kulturbrauerei",
        "Schönhauser Allee 36, 10435",
        "Berlin",
        "Berlin",
    )
    assert (synth.country, synth.country_code) == ("Germany", "DE")
    assert synth.tags == ["music", "synth"]
    assert synth.links is not None
    assert synth.links.url == "https://tickets.example/synth"  # the offer's, as there is no url
    assert synth.links.images == ["https://venue.example/synth.jpg"]
    assert synth.id == derived_id("schema.org", "https://venue.example/events/42")


def test_organizer_contacts_never_reach_the_event(data_dir: Path) -> None:
    synth = parse_file(data_dir / "graph.jsonld").events[0]

    dumped = synth.model_dump_json()
    assert "jo@venue.example" not in dumped
    assert "5550100" not in dumped
    assert "Jo Doe" not in dumped
    assert synth.description == "Modular synths all night. Booking: [phone removed]"


def test_mixed_mode_virtual_location_and_image_variants(data_dir: Path) -> None:
    founders = parse_file(data_dir / "graph.jsonld").events[1]

    assert founders.online is True
    # A string address is read as a place: its town, country and zone are in the text.
    assert (founders.venue, founders.address) == ("Café Nord", "Torstraße 1")
    assert (founders.locality, founders.country_code) == ("Berlin", "DE")
    assert founders.timezone == "Europe/Berlin"
    assert founders.tags == ["startups", "networking"]
    assert founders.links is not None
    assert founders.links.images == ["https://venue.example/a.jpg", "https://venue.example/b.jpg"]
    url = "https://venue.example/events/founders"
    assert founders.id == stable_id("Founders Breakfast", "2026-04-02", url)


def test_bad_node_is_named_and_the_rest_parse(data_dir: Path) -> None:
    batch = parse_file(data_dir / "graph.jsonld")

    assert len(batch.events) == 2
    assert [str(e) for e in batch.errors] == [
        "graph.jsonld record 5 (\"Undated gathering\"): 'startDate' is not a date"
    ]


def test_single_object_with_country_object_and_offline_mode(data_dir: Path) -> None:
    (event,) = parse_file(data_dir / "single.txt").events

    assert (event.name, event.start, event.end) == ("Hack the Harbour", "2026-08-01", "2026-08-02")
    assert (event.venue, event.locality, event.country_code) == ("Hafen 1", "Hamburg", "DE")
    assert event.online is False
    assert event.links is not None
    assert event.links.images == ["https://harbour.example/h.png"]


def test_list_of_subtypes_online_mode_and_keyword_string(tmp_path: Path) -> None:
    payload = [
        {
            "@type": "EducationEvent",
            "name": "Intro to SQL",
            "startDate": "2026-09-01T10:00:00Z",
            "eventAttendanceMode": "OnlineEventAttendanceMode",
            "keywords": "SQL, databases",
            "location": {"@type": "VirtualLocation", "url": "https://stream.example"},
            "identifier": {"@type": "PropertyValue", "value": "sql-101"},
        },
        {"@type": "Organization", "name": "Not an event"},
        {
            "@type": "http://schema.org/SportsEvent",
            "name": "Harbour Run",
            "startDate": "2026-10-04",
            "location": {"@type": "Place", "name": "Docks", "address": "Kai 3, Hamburg"},
            "url": "harbour-run.example",
        },
    ]
    batch = parse_file(_write(tmp_path, payload))

    sql, run = batch.events
    assert (sql.online, sql.start, sql.tags) == (
        True,
        "2026-09-01T10:00:00+00:00",
        ["sql", "databases"],
    )
    assert sql.id == derived_id("schema.org", "sql-101")
    assert (run.venue, run.address, run.locality, run.online) == (
        "Docks",
        "Kai 3",
        "Hamburg",
        False,
    )
    assert run.links is not None
    assert run.links.url == "https://harbour-run.example"
    assert batch.skipped == 1


def test_html_script_blocks(data_dir: Path) -> None:
    batch = parse_file(data_dir / "page.html")

    (event,) = batch.events
    assert (event.name, event.start, event.address) == (
        "Rust & Beer",
        "2026-02-11T19:00:00+00:00",
        "Brauhaus, Main St 5",
    )
    assert [str(e) for e in batch.errors] == ["page.html JSON-LD block 2: is not valid JSON"]


def test_blank_node_ids_are_not_stable_ids(tmp_path: Path) -> None:
    node = {"@type": "Event", "@id": "_:b0", "name": "Meetup", "startDate": "2026-01-01"}

    (event,) = parse_file(_write(tmp_path, node)).events

    assert event.id == stable_id("Meetup", "2026-01-01", None)
