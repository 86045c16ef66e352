"""Places and local times: LOCATION text and GEO against the real gazetteer, zones via zoneinfo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventchat.models import EventDetail
from eventchat.store.importers.places import (
    IMPORT_ZONE,
    Place,
    fields,
    local_time,
    resolve_place,
    valid_zone,
)


@pytest.fixture
def import_zone() -> Iterator[None]:
    """``data import --tz Europe/Berlin`` for the length of one test."""
    token = IMPORT_ZONE.set("Europe/Berlin")
    yield
    IMPORT_ZONE.reset(token)


def _where(place: Place) -> tuple[str | None, str | None, str | None]:
    return place.locality, place.country_code, place.timezone


# --- the failures seen ---------------------------------------------------------------------


def test_city_and_country() -> None:
    place = resolve_place("Zürich, Switzerland")
    assert place == Place(
        locality="Zürich",
        country="Switzerland",
        country_code="CH",
        timezone="Europe/Zurich",
        resolved=True,
    )


def test_venue_street_postcode_city_country() -> None:
    place = resolve_place("c-base, Rungestraße 20, 10179 Berlin, Germany")
    assert place.venue == "c-base"
    assert place.address == "Rungestraße 20"
    assert _where(place) == ("Berlin", "DE", "Europe/Berlin")
    assert place.country == "Germany"
    assert place.resolved
    assert not place.online


def test_region_code_between_city_and_country() -> None:
    place = resolve_place("Toronto, ON, Canada")
    assert _where(place) == ("Toronto", "CA", "America/Toronto")
    assert place.region == "Ontario"
    assert place.venue is None


def test_fields_fill_an_event() -> None:
    place = resolve_place("c-base, Rungestraße 20, 10179 Berlin, Germany")
    event = EventDetail(id="x", name="Meetup", start="2026-12-04", **fields(place))
    assert (event.venue, event.address, event.locality) == ("c-base", "Rungestraße 20", "Berlin")
    assert (event.country, event.country_code, event.region) == ("Germany", "DE", None)
    assert set(fields(place)) == {
        "venue",
        "address",
        "locality",
        "region",
        "country",
        "country_code",
    }


# --- countries, regions and postcodes ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "locality", "code", "zone"),
    [
        ("zurich, switzerland", "Zürich", "CH", "Europe/Zurich"),  # the gazetteer's spelling
        ("Berlin 10179, Deutschland", "Berlin", "DE", "Europe/Berlin"),
        ("SW1A 1AA London, UK", "London", "GB", "Europe/London"),
        (
            "Moscone Center, 747 Howard St, San Francisco, CA 94103, USA",
            "San Francisco",
            "US",
            None,
        ),
        ("Austin, TX", "Austin", "US", "America/Chicago"),
        ("Portland, OR, USA", "Portland", "US", "America/Los_Angeles"),
        ("Wilmington, DE", "Wilmington", "US", "America/New_York"),  # Delaware, not Germany
        ("Berlin, DE", "Berlin", "DE", "Europe/Berlin"),
        ("Atlanta, Georgia", "Atlanta", "US", "America/New_York"),
        ("Tbilisi, Georgia", "Tbilisi", "GE", "Asia/Tbilisi"),
        ("Cologne, Germany", "Cologne", "DE", "Europe/Berlin"),  # an alternate name
        ("Munich, Bavaria, Germany", "Munich", "DE", "Europe/Berlin"),
        ("Wien, Österreich", "Wien", "AT", "Europe/Vienna"),  # the country in German
        ("Berlin (Germany)", "Berlin", "DE", "Europe/Berlin"),
        ("Singapore", "Singapore", "SG", "Asia/Singapore"),
    ],
)
def test_localities(text: str, locality: str, code: str, zone: str | None) -> None:
    place = resolve_place(text)
    assert (place.locality, place.country_code) == (locality, code)
    if zone is not None:
        assert place.timezone == zone
    assert place.resolved


def test_us_address_keeps_venue_street_and_state() -> None:
    place = resolve_place("Moscone Center, 747 Howard St, San Francisco, CA 94103, USA")
    assert (place.venue, place.address) == ("Moscone Center", "747 Howard St")
    assert (place.region, place.country) == ("California", "United States")
    assert place.timezone == "America/Los_Angeles"


def test_lines_are_parts_like_commas() -> None:
    place = resolve_place("c-base\nRungestraße 20\r\n10179  Berlin\n Germany")
    assert (place.venue, place.address) == ("c-base", "Rungestraße 20")
    assert _where(place) == ("Berlin", "DE", "Europe/Berlin")


def test_a_postcode_part_alone_is_dropped() -> None:
    place = resolve_place("Berlin, 10179, Germany")
    assert (place.venue, place.address, place.locality) == (None, None, "Berlin")


def test_house_number_before_a_street_is_no_postcode() -> None:
    place = resolve_place("Venue, 747 Howard St, USA")
    assert (place.venue, place.address, place.locality) == ("Venue", "747 Howard St", None)


def test_region_alone_before_the_country() -> None:
    place = resolve_place("Bavaria, Germany")
    assert (place.locality, place.region, place.country_code) == (None, "Bavaria", "DE")


@pytest.mark.parametrize(
    ("text", "region"), [("New York", "New York"), ("Washington", "District of Columbia")]
)
def test_state_named_like_a_city_alone_is_the_city(text: str, region: str) -> None:
    place = resolve_place(text)
    assert (place.locality, place.region, place.country_code) == (text, region, "US")
    assert place.timezone == "America/New_York"


def test_state_alone() -> None:
    place = resolve_place("Texas")
    assert (place.locality, place.region, place.country_code) == (None, "Texas", "US")
    assert place.timezone is None  # Texas has two zones


def test_town_the_gazetteer_lacks_is_no_locality() -> None:
    place = resolve_place("Smalltown, Germany")
    assert (place.venue, place.locality, place.country_code) == ("Smalltown", None, "DE")


def test_street_first_is_all_address() -> None:
    place = resolve_place("1 Infinite Loop, Cupertino, CA 95014, USA")
    assert (place.venue, place.address, place.locality) == (None, "1 Infinite Loop", "Cupertino")


def test_canton_named_like_its_city_is_the_city() -> None:
    place = resolve_place("Bahnhofstrasse 1, Zürich, Switzerland")
    assert (place.address, place.locality, place.region) == ("Bahnhofstrasse 1", "Zürich", None)


def test_town_after_a_postcode_that_the_gazetteer_lacks() -> None:
    place = resolve_place("Kulturzentrum, Hauptstraße 5, 12345 Kleinstadt, Germany")
    assert (place.venue, place.address, place.locality) == (
        "Kulturzentrum",
        "Hauptstraße 5",
        "Kleinstadt",
    )
    # Every German city of the gazetteer is in one zone, so the country gives it.
    assert place.timezone == "Europe/Berlin"


def test_country_with_several_zones_and_an_ambiguous_city_gives_no_zone() -> None:
    place = resolve_place("Portland, USA")
    assert (place.locality, place.country_code, place.timezone) == ("Portland", "US", None)


# --- names alone: resolved only when one city dominates ------------------------------------


def test_dominant_city_alone_sets_the_country() -> None:
    assert _where(resolve_place("Paris")) == ("Paris", "FR", "Europe/Paris")
    assert _where(resolve_place("c-base, Berlin")) == ("Berlin", "DE", "Europe/Berlin")


@pytest.mark.parametrize("text", ["Springfield", "Portland", "Cambridge", "Room 5, Building A"])
def test_ambiguous_or_unknown_place_stays_venue_text(text: str) -> None:
    assert resolve_place(text) == Place(venue=text)


# --- online ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Online", "Zoom", "virtual", "https://zoom.us/j/123456", "Online (Zoom link to follow)"],
)
def test_online(text: str) -> None:
    assert resolve_place(text) == Place(online=True)


def test_hybrid_names_its_place() -> None:
    place = resolve_place("Berlin, Germany & Online")
    assert _where(place) == ("Berlin", "DE", "Europe/Berlin")
    assert not place.online
    assert resolve_place("Berlin, Germany (hybrid)").locality == "Berlin"


def test_online_word_in_a_venue_name_stays() -> None:
    place = resolve_place("Zoom Café, Berlin")
    assert (place.venue, place.locality, place.online) == ("Zoom Café", "Berlin", False)


@pytest.mark.parametrize("text", [None, "", "   ", "TBD"])
def test_nothing(text: str | None) -> None:
    assert resolve_place(text) == Place()


# --- GEO -------------------------------------------------------------------------------------


def test_geo_names_the_city_when_the_text_has_no_country() -> None:
    place = resolve_place("Moscone Center", geo=(37.7842, -122.4016))
    assert place.venue == "Moscone Center"
    assert _where(place) == ("San Francisco", "US", "America/Los_Angeles")
    assert place.resolved


def test_geo_inside_a_city_is_the_city_not_its_district() -> None:
    assert resolve_place(None, geo=(52.4986, 13.4030)).locality == "Berlin"  # Kreuzberg


def test_geo_far_from_any_city_resolves_nothing() -> None:
    assert resolve_place("Research vessel", geo=(0.0, -150.0)) == Place(venue="Research vessel")


def test_geo_gives_the_zone_a_country_with_many_zones_lacks() -> None:
    place = resolve_place("Some Hall, USA", geo=(39.7392, -104.9903))  # Denver
    assert (place.venue, place.locality, place.country_code) == ("Some Hall", None, "US")
    assert place.timezone == "America/Denver"


@pytest.mark.parametrize("geo", [(float("nan"), 0.0), (91.0, 0.0), (0.0, 181.0)])
def test_geo_out_of_range_is_ignored(geo: tuple[float, float]) -> None:
    assert resolve_place("Springfield", geo=geo) == Place(venue="Springfield")


def test_geo_does_not_override_the_text() -> None:
    place = resolve_place("Zürich, Switzerland", geo=(52.52, 13.40))
    assert _where(place) == ("Zürich", "CH", "Europe/Zurich")


_PIECES = st.sampled_from(
    ["Berlin", "Germany", "CA", "DE", "10179", "SW1A 1AA", "Online", "(", ")", "https://x.y",
     "Springfield", "ON", "&", "Zürich", "TX", "Georgia", "\n", ",", "Straße 5", "USA", "."]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(max_size=60), st.lists(_PIECES, max_size=8).map(" ".join)),
    st.one_of(st.none(), st.tuples(st.floats(), st.floats())),
)
def test_any_text_reads_without_error(text: str, geo: tuple[float, float] | None) -> None:
    place = resolve_place(text, geo=geo)
    assert not (place.online and place.resolved)
    assert place.resolved == bool(place.locality or place.country)


# --- local times -----------------------------------------------------------------------------


def test_utc_instant_is_the_local_day_in_the_events_zone() -> None:
    instant = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)
    text, zone = local_time(instant, "America/Toronto")
    assert (text, zone) == ("2026-12-04T20:00:00-05:00", "America/Toronto")
    assert dt.datetime.fromisoformat(text).strftime("%A") == "Friday"


def test_daylight_saving_boundary() -> None:
    # New York springs forward at 07:00 UTC on 8 March 2026.
    before = dt.datetime(2026, 3, 8, 6, 30, tzinfo=dt.UTC)
    after = dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)
    assert local_time(before, "America/New_York")[0] == "2026-03-08T01:30:00-05:00"
    assert local_time(after, "America/New_York")[0] == "2026-03-08T03:30:00-04:00"
    # Berlin falls back at 01:00 UTC on 25 October 2026.
    assert local_time(dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC), "Europe/Berlin")[0] == (
        "2026-10-25T02:30:00+02:00"
    )
    assert local_time(dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC), "Europe/Berlin")[0] == (
        "2026-10-25T02:30:00+01:00"
    )


def test_any_offset_converts() -> None:
    instant = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert local_time(instant, "America/Toronto") == (
        "2026-12-04T20:00:00-05:00",
        "America/Toronto",
    )


def test_naive_time_is_floating_and_kept() -> None:
    assert local_time(dt.datetime(2026, 12, 4, 20, 0), None) == ("2026-12-04T20:00:00", None)
    assert local_time(dt.datetime(2026, 12, 4, 20, 0), "Europe/Paris") == (
        "2026-12-04T20:00:00",
        "Europe/Paris",
    )


def test_tzid_attached_by_the_parser_is_kept() -> None:
    instant = dt.datetime(2026, 12, 4, 20, 0, tzinfo=ZoneInfo("America/Toronto"))
    assert local_time(instant, None) == ("2026-12-04T20:00:00-05:00", "America/Toronto")


def test_without_a_zone_the_instant_keeps_its_offset() -> None:
    instant = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)
    assert local_time(instant, None) == ("2026-12-05T01:00:00+00:00", None)


@pytest.mark.usefixtures("import_zone")
def test_import_zone_is_the_fallback() -> None:
    utc = dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)
    assert local_time(utc, None) == ("2026-12-05T00:30:00+01:00", "Europe/Berlin")
    # The event's own zone wins over the import zone.
    assert local_time(utc, "America/Toronto") == ("2026-12-04T18:30:00-05:00", "America/Toronto")
    # A floating time is read in the import zone.
    assert local_time(dt.datetime(2026, 12, 4, 20, 0), None) == (
        "2026-12-04T20:00:00",
        "Europe/Berlin",
    )
    # A local time with another offset keeps it: the import zone does not move its day.
    toronto = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert local_time(toronto, None) == ("2026-12-04T20:00:00-05:00", None)


def test_import_zone_is_unset_by_default() -> None:
    assert IMPORT_ZONE.get() is None


def test_invalid_zone_keeps_the_offset() -> None:
    instant = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)
    assert local_time(instant, "Mars/Olympus_Mons") == ("2026-12-05T01:00:00+00:00", None)


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        (" America/Toronto ", "America/Toronto"),
        ("Z", "UTC"),
        ("UTC", "UTC"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Eastern Standard Time", "America/New_York"),
        ("/mozilla.org/20050126_1/Europe/Berlin", "Europe/Berlin"),
        ("Mars/Olympus_Mons", None),
        ("../../etc/passwd", None),
        ("localtime", None),
        ("", None),
        (None, None),
    ],
)
def test_valid_zone(name: str | None, zone: str | None) -> None:
    assert valid_zone(name) == zone
