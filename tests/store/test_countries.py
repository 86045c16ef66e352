"""Country resolution: names, aliases and ISO codes become alpha-2 codes."""

from __future__ import annotations

import pytest

from eventchat.store import UnknownCountryError, find_country, resolve_country


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("united kingdom", "GB"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United States", "US"),
        ("America", "US"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("Holland", "NL"),
        ("South Korea", "KR"),
        ("Korea", "KR"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("gbr", "GB"),
        ("  france  ", "FR"),
        ("Czech Republic", "CZ"),
        ("Kosovo", "XK"),
    ],
)
def test_names_aliases_and_codes_resolve(text: str, code: str) -> None:
    assert resolve_country(text).code == code


def test_display_names_are_common_names_not_formal_ones() -> None:
    assert resolve_country("U.S.A.").name == "United States"
    assert resolve_country("KR").name == "South Korea"
    assert resolve_country("Taiwan").name == "Taiwan"


@pytest.mark.parametrize("text", ["Xyz", "", "   ", "Atlantis", "U.K.X"])
def test_unknown_country_is_none_or_a_clear_error(text: str) -> None:
    assert find_country(text) is None
    with pytest.raises(UnknownCountryError, match="use a name or an ISO code such as DE"):
        resolve_country(text)
