"""developers.events: fixtures written here in the feed's shape (its data is CC BY-NC, not copied).

Every event and CfP below is invented; only the layout is the feed's: ``date`` as UTC-midnight
epoch milliseconds, "City (Country)" locations, ``cfp`` objects and ``{key, value}`` tags.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from eventchat.models import EventDetail, stable_id
from eventchat.store.sources import devevents

# UTC midnights, as the feed's generator writes them (Date.UTC).
JUN_01 = 1780272000000  # 2026-06-01
JUN_03 = 1780444800000  # 2026-06-03
MAR_15 = 1773532800000  # 2026-03-15
APR_30 = 1777507200000  # 2026-04-30
MAY_05 = 1777939200000  # 2026-05-05
SEP_10 = 1788998400000  # 2026-09-10
NOV_20 = 1795132800000  # 2026-11-20
NOV_21 = 1795219200000  # 2026-11-21
DEC_31 = 1798675200000  # 2026-12-31
JAN_02 = 1798848000000  # 2027-01-02

IN_PERSON = {
    "name": "Harbour JS Days",
    "date": [JUN_01, JUN_03],
    "hyperlink": "https://harbourjs.example/",
    "location": "Lyon (France)",
    "city": "Lyon",
    "country": "France",
    "cfp": {
        "link": "https://harbourjs.example/cfp",
        "until": "15-March-2026",
        "untilDate": MAR_15,
    },
    "tags": [
        {"key": "tech", "value": "JavaScript"},
        {"key": "topic", "value": "Web Development"},
        {"key": "language", "value": "french"},
    ],
    "misc": '<a href="https://harbourjs.example/cfp"><img alt="CFP" src="x"/></a>',
    "status": "open",
}
ONE_DAY = {
    "name": "Tiny Rust Meetup Day",
    "date": [SEP_10],
    "hyperlink": "https://tinyrust.example",
    "location": "Portland, OR (USA)",
    "city": "Portland, OR",
    "country": "USA",
    "cfp": {},
    "tags": [],
    "misc": "",
    "status": "open",
}
ONLINE = {
    "name": "Cloud Native Online Summit",
    "date": [NOV_20, NOV_21],
    "hyperlink": "https://cnos.example/2026",
    "location": "Online",
    "city": "Online",
    "country": "Online",
    "cfp": {},
    "tags": [{"key": "topic", "value": "cloud"}],
    "misc": "",
    "status": "open",
}
HYBRID = {
    "name": "DataFjord",
    "date": [DEC_31, JAN_02],
    "hyperlink": "https://datafjord.example",
    "location": "Bergen (Norway) & Online",
    "city": "Bergen",
    "country": "Norway",
    "cfp": {},
    "tags": [{"key": "tech", "value": "Python"}],
    "misc": "",
    "status": "open",
}
ENTITY = {
    "name": "  Dev  &amp; Ops Caf&eacute;   Summit ",
    "date": [MAY_05],
    "hyperlink": "https://devops-cafe.example",
    "location": "Berlin (Germany)",
    "city": "Berlin",
    "country": "Germany",
    "status": "open",
}
CANCELLED = {
    **ONE_DAY,
    "name": "Gone Conf",
    "hyperlink": "https://gone.example",
    "status": "Canceled",
}
GARBAGE: list[Any] = [
    {**IN_PERSON, "name": None},  # no name
    {**IN_PERSON, "name": "   "},  # a name of spaces
    {**IN_PERSON, "name": "Dated by text", "date": "2026-06-01"},  # date not a list
    {**IN_PERSON, "name": "Dated by strings", "date": [str(JUN_01)]},  # ms as a string
    {**IN_PERSON, "name": "Dated by NaN", "date": [None]},  # the generator's NaN
    {**IN_PERSON, "name": "Empty date", "date": []},
    {**IN_PERSON, "name": "Bad end", "date": [JUN_01, "soon"]},
    {**IN_PERSON, "name": "Backwards", "date": [JUN_03, JUN_01]},
    {**IN_PERSON, "name": "Epoch zero", "date": [0]},
    {**IN_PERSON, "name": "Boolean date", "date": [True]},
    dict.fromkeys(IN_PERSON),  # null everything
    None,
    "a string",
    42,
    [IN_PERSON],
]


def feed(*records: Any) -> bytes:
    return json.dumps(list(records)).encode("utf-8")


def by_name(events: list[EventDetail], name: str) -> EventDetail:
    found = [event for event in events if event.name == name]
    assert len(found) == 1, f"{len(found)} events named {name!r}"
    return found[0]


def test_in_person_event_with_city_country_cfp_and_tags() -> None:
    events, skipped = devevents.parse(feed(IN_PERSON))
    assert skipped == 0
    [event] = events
    assert event.id == stable_id("Harbour JS Days", "2026-06-01", "https://harbourjs.example/")
    assert (event.start, event.end) == ("2026-06-01", "2026-06-03")
    assert (event.locality, event.region, event.country, event.country_code) == (
        "Lyon",
        None,
        "France",
        "FR",
    )
    assert event.online is False
    assert event.tags == ["javascript", "web-development"]  # "language" is not a topic
    assert event.source == "developers.events" == devevents.SOURCE
    assert (event.venue, event.description) == (None, None)
    assert event.links is not None
    assert event.links.id == event.id
    assert event.links.url == "https://harbourjs.example/"
    assert event.links.cfp_url == "https://harbourjs.example/cfp"
    assert event.links.cfp_end_date == "2026-03-15"
    assert [(d.kind, d.at, d.timezone) for d in event.links.deadlines] == [
        ("cfp", "2026-03-15", None)
    ]


def test_one_day_event_without_end_ms() -> None:
    [event], skipped = devevents.parse(feed(ONE_DAY))
    assert skipped == 0
    assert (event.start, event.end) == ("2026-09-10", "2026-09-10")
    # "Portland, OR (USA)": the state is the region, as confs.tech reads "City, ST".
    assert (event.locality, event.region, event.country, event.country_code) == (
        "Portland",
        "OR",
        "United States",
        "US",
    )
    assert event.links is not None
    assert event.links.deadlines == []
    assert (event.links.cfp_url, event.links.cfp_end_date) == (None, None)


def test_online_event_has_no_place() -> None:
    [event], _ = devevents.parse(feed(ONLINE))
    assert event.online is True
    assert (event.locality, event.country, event.country_code) == (None, None, None)
    assert (event.start, event.end) == ("2026-11-20", "2026-11-21")
    assert event.tags == ["cloud"]


def test_hybrid_event_keeps_its_place_and_is_online() -> None:
    [event], _ = devevents.parse(feed(HYBRID))
    assert event.online is True
    assert (event.locality, event.country, event.country_code) == ("Bergen", "Norway", "NO")
    assert (event.start, event.end) == ("2026-12-31", "2027-01-02")  # across the year


def test_place_from_location_when_city_and_country_are_missing() -> None:
    record = {"name": "Location only", "date": [JUN_01], "location": "Bergen (Norway) & Online"}
    [event], _ = devevents.parse(feed(record))
    assert (event.locality, event.country_code, event.online) == ("Bergen", "NO", True)


def test_oldest_archives_write_country_then_city() -> None:
    records = [
        {"name": "Old A", "date": [JUN_01], "city": "France", "country": "Paris"},
        {"name": "Old B", "date": [JUN_01], "city": "Scotland", "country": "Edinburgh"},
    ]
    events, _ = devevents.parse(feed(*records))
    assert (by_name(events, "Old A").locality, by_name(events, "Old A").country_code) == (
        "Paris",
        "FR",
    )
    old_b = by_name(events, "Old B")
    assert (old_b.locality, old_b.region, old_b.country_code) == ("Edinburgh", "Scotland", "GB")


def test_country_alone_and_unknown_country() -> None:
    records = [
        {
            "name": "Country only",
            "date": [JUN_01],
            "location": "USA",
            "city": "USA",
            "country": "USA",
        },
        {"name": "Misspelt", "date": [JUN_01], "city": "Paris", "country": "Frannce"},
    ]
    events, _ = devevents.parse(feed(*records))
    alone = by_name(events, "Country only")
    assert (alone.locality, alone.country, alone.country_code) == (None, "United States", "US")
    misspelt = by_name(events, "Misspelt")  # kept as written, never guessed
    assert (misspelt.locality, misspelt.country, misspelt.country_code) == (
        "Paris",
        "Frannce",
        None,
    )


def test_deadline_added_from_all_cfps() -> None:
    cfps = [
        {
            "link": "https://cnos.example/speak",
            "until": "30-April-2026",
            "untilDate": APR_30,
            "conf": {
                "name": "Cloud Native Online Summit",
                "date": [NOV_20, NOV_21],
                "hyperlink": "https://cnos.example/2026/",  # the trailing slash differs
                "location": "Online",
                "status": "open",
            },
        },
        {  # matched by name and start date: this conf has no hyperlink
            "link": "https://tinyrust.example/talks",
            "until": "5-May-2026",
            "untilDate": MAY_05,
            "conf": {"name": "Tiny Rust Meetup Day", "date": [SEP_10]},
        },
        {  # the event's own CfP wins; the file's copy adds nothing
            "link": "https://elsewhere.example/cfp",
            "untilDate": APR_30,
            "conf": {"name": "Harbour JS Days", "date": [JUN_01, JUN_03]},
        },
    ]
    events, skipped = devevents.parse(feed(IN_PERSON, ONE_DAY, ONLINE), feed(*cfps))
    assert skipped == 0
    online = by_name(events, "Cloud Native Online Summit")
    assert online.links is not None
    assert online.links.cfp_url == "https://cnos.example/speak"
    assert online.links.cfp_end_date == "2026-04-30"
    assert [(d.kind, d.at) for d in online.links.deadlines] == [("cfp", "2026-04-30")]
    one_day = by_name(events, "Tiny Rust Meetup Day")
    assert one_day.links is not None
    assert [(d.kind, d.at) for d in one_day.links.deadlines] == [("cfp", "2026-05-05")]
    own = by_name(events, "Harbour JS Days")
    assert own.links is not None
    assert own.links.cfp_url == "https://harbourjs.example/cfp"
    assert [(d.kind, d.at) for d in own.links.deadlines] == [("cfp", "2026-03-15")]


def test_cfp_for_one_of_two_same_named_events_goes_by_location() -> None:
    lima = {**ONE_DAY, "name": "DevFest", "hyperlink": None, "location": "Lima (Peru)"}
    lima.update(city="Lima", country="Peru")
    oslo = {**lima, "location": "Oslo (Norway)", "city": "Oslo", "country": "Norway"}
    cfp = {
        "link": "https://devfest.example/oslo-cfp",
        "untilDate": MAY_05,
        "conf": {"name": "DevFest", "date": [SEP_10], "location": "Oslo (Norway)"},
    }
    events, skipped = devevents.parse(feed(lima, oslo), feed(cfp))
    assert skipped == 0
    assert len({event.id for event in events}) == 2
    deadlines = {
        event.locality: [d.at for d in event.links.deadlines] for event in events if event.links
    }
    assert deadlines == {"Lima": [], "Oslo": ["2026-05-05"]}


def test_cfp_records_that_fit_no_event_are_counted() -> None:
    cfps: list[Any] = [
        {"untilDate": APR_30, "conf": {"name": "Nobody's Conf", "date": [SEP_10]}},
        {"untilDate": "April", "conf": {"name": "Tiny Rust Meetup Day", "date": [SEP_10]}},
        {"untilDate": APR_30, "conf": None},
        None,
    ]
    events, skipped = devevents.parse(feed(ONE_DAY), feed(*cfps))
    assert skipped == 4
    assert events[0].links is not None
    assert events[0].links.deadlines == []
    read = devevents.read_feeds(feed(ONE_DAY), feed(*cfps))
    assert read.skipped == {
        "cfp record for no event": 1,
        "cfp record without dates": 1,
        "cfp record without conf": 2,
    }


def test_garbage_records_are_skipped_and_counted() -> None:
    events, skipped = devevents.parse(feed(IN_PERSON, *GARBAGE, ONE_DAY))
    assert sorted(event.name for event in events) == ["Harbour JS Days", "Tiny Rust Meetup Day"]
    assert skipped == len(GARBAGE)
    read = devevents.read_feeds(feed(*GARBAGE))
    assert read.events == []
    assert read.skipped == {
        "no name": 3,
        "no date list": 2,
        "unreadable start date": 4,
        "unreadable end date": 1,
        "end before start": 1,
        "not an object": 4,
    }


def test_garbage_inside_a_good_record_is_dropped_not_raised() -> None:
    record = {
        **IN_PERSON,
        "hyperlink": "* 1-3: [Harbour JS Days](broken - Lyon (France)",  # the regex's leftover
        "cfp": {"link": "", "until": "soon", "untilDate": None},
        "tags": ["java", {"key": "tech"}, {"key": 3, "value": "x"}, {"key": "tech", "value": "Go"}],
        "city": ["Lyon"],
        "country": 7,
        "status": None,
    }
    [event], skipped = devevents.parse(feed(record))
    assert skipped == 0
    assert event.links is not None
    assert (event.links.url, event.links.cfp_url, event.links.deadlines) == (None, None, [])
    assert event.tags == ["go"]
    # city and country are not text: the place is read from "Lyon (France)" instead.
    assert (event.locality, event.country_code) == ("Lyon", "FR")
    read = devevents.read_feeds(feed(record))
    assert read.deadlines_skipped == {"unreadable cfp.untilDate": 1}


def test_bare_host_hyperlink_becomes_https() -> None:
    [event], _ = devevents.parse(feed({**ONE_DAY, "hyperlink": "tinyrust.example/2026"}))
    assert event.links is not None
    assert event.links.url == "https://tinyrust.example/2026"


def test_cancelled_events_are_left_out_and_counted() -> None:
    cancelled_too = {**CANCELLED, "name": "Also Gone", "status": "Cancelled"}
    events, skipped = devevents.parse(feed(ONE_DAY, CANCELLED, cancelled_too))
    assert [event.name for event in events] == ["Tiny Rust Meetup Day"]
    assert skipped == 2
    assert devevents.read_feeds(feed(CANCELLED, cancelled_too)).skipped == {"cancelled": 2}


def test_virtualized_status_means_online() -> None:
    [event], _ = devevents.parse(feed({**IN_PERSON, "status": "Virtualized"}))
    assert (event.online, event.locality) == (True, "Lyon")


def test_repeated_record_is_one_event() -> None:
    events, skipped = devevents.parse(feed(IN_PERSON, IN_PERSON))
    assert len(events) == 1
    assert skipped == 1
    assert devevents.read_feeds(feed(IN_PERSON, IN_PERSON)).skipped == {"duplicate": 1}


def test_html_entities_and_spaces_in_names() -> None:
    [event], _ = devevents.parse(feed(ENTITY))
    assert event.name == "Dev & Ops Café Summit"
    assert event.id == stable_id(
        "Dev & Ops Café Summit", "2026-05-05", "https://devops-cafe.example"
    )


@pytest.mark.parametrize(
    "document",
    [
        b'{"events": []}',
        b"null",
        b'"all-events"',
        b"42",
        b"<!doctype html><html></html>",
        b"",
        b"\xff\xfe\x00garbage",
    ],
)
def test_a_document_that_is_not_a_json_list_raises_value_error(document: bytes) -> None:
    with pytest.raises(ValueError, match=r"all-events\.json"):
        devevents.parse(document)
    with pytest.raises(ValueError, match=r"all-cfps\.json"):
        devevents.parse(feed(IN_PERSON), document)


def test_empty_lists_and_nan() -> None:
    assert devevents.parse(b"[]") == ([], 0)
    assert devevents.parse(b"[]", b"[]") == ([], 0)
    # Python's json reads the NaN a JavaScript generator may write; it is no date.
    assert devevents.parse(b'[{"name": "NaN Conf", "date": [NaN]}]') == ([], 1)


@pytest.fixture(params=["Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14 and UTC-11
def far_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is Unix only")
    zone: str = request.param
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield zone
    monkeypatch.undo()
    time.tzset()


def test_dates_are_utc_whatever_the_local_zone(far_zone: str) -> None:
    offset = {"Pacific/Kiritimati": 14, "Pacific/Pago_Pago": -11}[far_zone]
    assert time.localtime(JUN_01 / 1000).tm_gmtoff == offset * 3600  # the zone is in force
    events, _ = devevents.parse(feed(IN_PERSON, HYBRID))
    harbour, fjord = by_name(events, "Harbour JS Days"), by_name(events, "DataFjord")
    assert (harbour.start, harbour.end) == ("2026-06-01", "2026-06-03")
    assert (fjord.start, fjord.end) == ("2026-12-31", "2027-01-02")
    assert harbour.links is not None
    assert harbour.links.cfp_end_date == "2026-03-15"


def test_events_are_ordered_by_start_and_ids_stable() -> None:
    first, _ = devevents.parse(feed(HYBRID, ONLINE, IN_PERSON, ONE_DAY, ENTITY))
    again, _ = devevents.parse(feed(ENTITY, ONE_DAY, IN_PERSON, ONLINE, HYBRID))
    assert [event.start for event in first] == sorted(event.start for event in first)
    assert [event.id for event in first] == [event.id for event in again]
