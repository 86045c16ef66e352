"""schema.org locations read as places (text, PostalAddress, geo), and UTC times made local."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventchat.store.importers import parse_file
from eventchat.store.importers.places import IMPORT_ZONE


def _write(tmp_path: Path, payload: Any, name: str = "events.jsonld") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload))
    return path


def _event(start: str, location: Any = None, **fields: Any) -> dict[str, Any]:
    node = {"@context": "https://schema.org", "@type": "Event", "name": "Show", "startDate": start}
    return {**node, **({"location": location} if location is not None else {}), **fields}


@pytest.fixture
def import_zone() -> Iterator[None]:
    token = IMPORT_ZONE.set("Asia/Tokyo")
    yield
    IMPORT_ZONE.reset(token)


def test_a_utc_start_is_written_in_the_places_zone(tmp_path: Path) -> None:
    place = {"@type": "Place", "name": "Massey Hall", "address": "178 Victoria St, Toronto, ON"}
    node = _event("2026-05-02T00:00:00Z", place, endDate="2026-05-02T02:30:00Z")

    (show,) = parse_file(_write(tmp_path, node)).events

    # 8 pm on the Friday in Toronto, not midnight on the Saturday
    assert (show.start, show.end) == ("2026-05-01T20:00:00-04:00", "2026-05-01T22:30:00-04:00")
    assert show.timezone == "America/Toronto"
    assert (show.venue, show.locality, show.region, show.country_code) == (
        "Massey Hall",
        "Toronto",
        "Ontario",
        "CA",
    )


def test_a_postal_address_keeps_its_fields_and_gains_its_zone(data_dir: Path) -> None:
    synth = parse_file(data_dir / "graph.jsonld").events[0]

    assert synth.start == "2026-03-20T20:00:00+01:00"
    assert (synth.address, synth.locality, synth.country_code) == (
        "Schönhauser Allee 36, 10435",
        "Berlin",
        "DE",
    )
    assert synth.timezone == "Europe/Berlin"


def test_a_postal_address_without_a_country_gets_one(tmp_path: Path) -> None:
    address = {
        "@type": "PostalAddress",
        "streetAddress": "Hafenstraße 1",
        "addressLocality": "Hamburg",
    }
    node = _event("2026-08-01", {"@type": "Place", "name": "Hafen 1", "address": address})

    (event,) = parse_file(_write(tmp_path, node)).events

    assert (event.venue, event.address, event.locality) == ("Hafen 1", "Hafenstraße 1", "Hamburg")
    assert (event.country, event.country_code, event.timezone) == ("Germany", "DE", "Europe/Berlin")
    assert event.start == "2026-08-01"  # a date stays the date


def test_geo_alone_names_the_town(tmp_path: Path) -> None:
    place = {
        "@type": "Place",
        "name": "The Yard",
        "geo": {"@type": "GeoCoordinates", "latitude": "52.52", "longitude": 13.405},
    }

    (event,) = parse_file(_write(tmp_path, _event("2026-06-01T17:00:00Z", place))).events

    assert (event.venue, event.locality, event.country_code) == ("The Yard", "Berlin", "DE")
    assert (event.start, event.timezone) == ("2026-06-01T19:00:00+02:00", "Europe/Berlin")


def test_a_string_location_is_read_as_a_place(tmp_path: Path) -> None:
    node = _event("2026-06-01", "c-base, Rungestraße 20, 10179 Berlin, Germany")

    (event,) = parse_file(_write(tmp_path, node)).events

    assert (event.venue, event.address, event.locality) == ("c-base", "Rungestraße 20", "Berlin")
    assert event.timezone == "Europe/Berlin"


def test_an_unknown_place_is_kept_as_written_and_noted(tmp_path: Path) -> None:
    node = _event("2026-02-11T19:00:00Z", "Brauhaus, Main St 5")

    batch = parse_file(_write(tmp_path, node))

    (event,) = batch.events
    assert (event.address, event.locality, event.timezone) == ("Brauhaus, Main St 5", None, None)
    assert event.start == "2026-02-11T19:00:00+00:00"  # no zone known: the instant as given
    assert batch.notes == [
        'events.jsonld record 1 ("Show"): no town or country in location "Brauhaus, Main St 5",'
        " kept as written"
    ]


def test_online_words_are_online_not_a_place(tmp_path: Path) -> None:
    payload = [
        _event("2026-06-01", "Online"),
        _event("2026-06-02", {"@type": "Place", "name": "Virtual"}),
        _event("2026-06-03", {"@type": "PostalAddress", "addressCountry": "Online"}),
    ]

    events = parse_file(_write(tmp_path, payload)).events

    assert [(e.online, e.venue, e.address, e.country) for e in events] == [
        (True, None, None, None)
    ] * 3


@pytest.mark.usefixtures("import_zone")
def test_an_online_events_utc_start_is_read_in_the_import_zone(tmp_path: Path) -> None:
    node = _event(
        "2026-06-01T03:00:00Z", {"@type": "VirtualLocation", "url": "https://meet.example"}
    )

    (event,) = parse_file(_write(tmp_path, node)).events

    assert (event.start, event.timezone, event.online) == (
        "2026-06-01T12:00:00+09:00",
        "Asia/Tokyo",
        True,
    )


def test_without_an_import_zone_an_online_start_stays_as_given(tmp_path: Path) -> None:
    node = _event("2026-06-01T03:00:00Z", "Online")

    (event,) = parse_file(_write(tmp_path, node)).events

    assert (event.start, event.timezone) == ("2026-06-01T03:00:00+00:00", None)


def test_the_id_does_not_depend_on_the_zone_the_start_is_written_in(tmp_path: Path) -> None:
    utc = _event("2026-05-02T00:00:00Z", "Toronto, ON", url="https://shows.example/1")
    offset = _event("2026-05-01T20:00:00-04:00", "Online", url="https://shows.example/1")

    (first,) = parse_file(_write(tmp_path, utc, "a.jsonld")).events
    (second,) = parse_file(_write(tmp_path, offset, "b.jsonld")).events

    assert first.id == second.id
