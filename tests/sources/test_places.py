"""Free-text places as venue, locality, region and country, as the snapshots write them."""

from __future__ import annotations

import pytest

from eventchat.store.sources.places import parse_place


@pytest.mark.parametrize(
    ("text", "venue", "locality", "region", "code"),
    [
        ("COEX, Seoul, Korea", "COEX", "Seoul", None, "KR"),
        ("Baltimore, Maryland USA", None, "Baltimore", "Maryland", "US"),
        ("Vancouver BC Canada", None, "Vancouver", "BC", "CA"),
        ("SAN FRANCISCO, CA", None, "San Francisco", "CA", "US"),
        ("Antwerp, BE", None, "Antwerp", None, "BE"),
        ("Tbilisi, Georgia", None, "Tbilisi", None, "GE"),
        ("Atlanta, Georgia, USA", None, "Atlanta", "Georgia", "US"),
        ("Washington, D.C., USA", None, "Washington", "D.C.", "US"),
        ("Disney Springs, Buena Vista, FL, USA", "Disney Springs", "Buena Vista", "FL", "US"),
        ("Hangzhou, Zhejiang, P.R. China", None, "Hangzhou", "Zhejiang", "CN"),
        ("Taipei, Taiwan, China", None, "Taipei", None, "TW"),
        ("Hyatt Hotel, Shatin, Hong Kong, China", "Hyatt Hotel", "Shatin", None, "HK"),
        ("Hitotsubashi Hall, Tokyo, Japan", "Hitotsubashi Hall", "Tokyo", None, "JP"),
        ("Utrecht, Netherlands", None, "Utrecht", None, "NL"),
        ("Palermo, Sicily, Italy", None, "Palermo", "Sicily", "IT"),
        ("Lucca, Tuscany", None, "Lucca", "Tuscany", "IT"),
        ("Glasgow, Scotland", None, "Glasgow", "Scotland", "GB"),
        ("Nairobi, Kenia", None, "Nairobi", None, "KE"),
        ("Singapore", None, "Singapore", None, "SG"),
        ("Austria.", None, None, None, "AT"),
        (
            "Crowne Plaza St. Petersburg Airport, 196210",
            None,
            "Crowne Plaza St. Petersburg Airport",
            None,
            None,
        ),
        ("Montreal", None, "Montreal", None, None),
    ],
)
def test_place_parts(
    text: str, venue: str | None, locality: str | None, region: str | None, code: str | None
) -> None:
    place = parse_place(text)
    assert (place.get("venue"), place.get("locality"), place.get("region")) == (
        venue,
        locality,
        region,
    )
    assert place.get("country_code") == code
    assert place["online"] is False


@pytest.mark.parametrize(
    ("text", "locality", "code"),
    [
        ("Virtual", None, None),
        ("Online", None, None),
        ("Bruges, Belgium and Online", "Bruges", "BE"),
        ("Online & Copenhagen, Denmark", "Copenhagen", "DK"),
        ("Amalfi, Italy / Virtual venue", "Amalfi", "IT"),
        ("Istanbul, Turkey (Online)", "Istanbul", "TR"),
        ("Costa Rica (hybrid)", None, "CR"),
        ("Online and Physical (Location TBC)", None, None),
    ],
)
def test_online_words_set_online_and_leave_the_place(
    text: str, locality: str | None, code: str | None
) -> None:
    place = parse_place(text)
    assert place["online"] is True
    assert (place.get("locality"), place.get("country_code")) == (locality, code)


@pytest.mark.parametrize("text", ["TBD", "", None, "Co-located withUSENIX Security '21"])
def test_nothing_to_read(text: str | None) -> None:
    place = parse_place(text)
    assert place.get("locality") is None
    assert place.get("country") is None
