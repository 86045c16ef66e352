"""Free-text places ("COEX, Seoul, Korea", "Baltimore, Maryland USA") as venue, city and country.

The academic and Python sources write a place as one comma-separated string, most specific
first, the country last. Reading it right to left: the last part is a country (a name, an alias,
"Maryland USA" with the country as its last word), or a US state standing in for one ("CA",
"Hawaii"), or a region whose country is implied ("Tuscany"); a part before it that is a region of
that country becomes the region; the next is the locality; anything before that is the venue.
Online words ("Virtual", "and Online", "(hybrid)") set ``online`` and are removed; "TBD" says
nothing. What cannot be read is kept as the locality rather than guessed at.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import pycountry

from eventchat.store.countries import (
    REGION_ALIASES,
    Country,
    country_words,
    display_name,
    find_country,
)

_ONLINE = re.compile(r"\b(online|virtual|hybrid|remote)\b", re.IGNORECASE)
_NOT_A_PLACE = re.compile(
    r"^(tbd|tba|tbc|to be announced|physical|co-located\b.*)$|\b(online|virtual)\b", re.IGNORECASE
)
# Spellings in the snapshots that neither pycountry nor the shared alias table knows.
_COUNTRY_SPELLINGS = {
    "brasil": "BR",
    "italia": "IT",
    "kenia": "KE",
    "niger republic": "NE",
    "pr china": "CN",
    "greec": "GR",
    "netherland": "NL",
    "united kindom": "GB",
    "united state": "US",
    "s korea": "KR",
    "hong kong sar": "HK",
    "macao sar": "MO",
    "macau": "MO",
    "st kitts": "KN",
}
# English names of regions that pycountry knows only by their local name, with their country.
_REGION_NAMES = {"sicily": "IT", "tuscany": "IT", "sardinia": "IT", "bavaria": "DE"}
# ISO 3166 codes these apart from China; "Taipei, Taiwan, China" is searched for as Taiwan.
_WITHIN_CHINA = frozenset({"TW", "HK", "MO"})
# A city that is its country: "Singapore" names the locality as well.
_CITY_STATES = frozenset({"SG", "HK", "MO", "MC"})
_US = Country(code="US", name=display_name("US"))


def _fold(text: str) -> str:
    """Lower case without accents, dots or repeated spaces: "Québec" and "quebec" are one key."""
    decomposed = unicodedata.normalize("NFKD", text.replace(".", ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split()).casefold()


def resolve_country(text: str) -> Country | None:
    """A country from a name, alias, code or one of the snapshots' spellings ("Brasil")."""
    code = _COUNTRY_SPELLINGS.get(_fold(text))
    if code is not None:
        return Country(code=code, name=display_name(code))
    return find_country(text) or find_country(_fold(text))


# Subdivisions that share their name with their main city: "Tokyo", "Taipei", "Porto" after a
# venue are the city, so only these kinds of subdivision are read as regions by name.
_CITY_LIKE = re.compile(
    r"city|municipal|prefecture|metropolitan|county|borough|department|district"
)
# Countries whose provinces are named after their capitals ("Istanbul", "Chiang Mai").
_CAPITAL_NAMED = frozenset({"TR", "TH", "VN", "IR"})


@functools.lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Folded country names and aliases of three letters or more → alpha-2 code.

    ISO alpha-3 codes are left out but for "USA" ("UK" is added): as words they are "and"
    (Andorra), "are", "can", which are no countries in an event's name.
    """
    names = dict(_COUNTRY_SPELLINGS)
    for record in pycountry.countries:
        code = str(record.alpha_2)
        for word in country_words(code):
            if len(word) > 2 and word.upper() != str(record.alpha_3):
                names.setdefault(_fold(word), code)
    names["usa"], names["uk"] = "US", "GB"
    return names


@functools.lru_cache(maxsize=64)
def _regions(code: str) -> frozenset[str]:
    """Folded names and codes of the top-level regions of the country ``code``."""
    names = {name for name, country in _REGION_NAMES.items() if country == code}
    subdivisions = pycountry.subdivisions.get(country_code=code)  # type: ignore[no-untyped-call]
    for sub in subdivisions or []:
        if sub.parent_code is not None:
            continue
        names.add(_fold(str(sub.code).partition("-")[2]))
        if code in _CAPITAL_NAMED or _CITY_LIKE.search(str(sub.type).lower()):
            continue
        # pycountry names Chinese provinces "Zhejiang Sheng"; the data writes "Zhejiang".
        names.add(re.sub(r" (sheng|shi|zizhiqu|sar)$", "", _fold(str(sub.name))))
    return frozenset(names)


def is_region(code: str, text: str) -> bool:
    """Whether ``text`` names a region (state, province, …) of the country ``code``."""
    return _fold(text) in _regions(code)


def us_state(text: str) -> bool:
    """Whether ``text`` is a US state's name or its two-letter code ("Hawaii", "CA")."""
    if len(text) == 2 and not text.isupper():
        return False
    return is_region("US", text)


def _parts(text: str) -> list[str]:
    """The comma-separated parts of ``text`` without online words, notes and postcodes."""
    text = re.sub(r"\([^)]*\)", " ", text.replace("，", ","))
    text = re.sub(r"\s*(?:\band\b|&|/)\s*(?:online|virtual|hybrid)\b.*$", "", text, flags=re.I)
    text = re.sub(r"^\s*(?:online|virtual)\s*(?:\band\b|&|/)\s*", "", text, flags=re.I)
    parts = [_strip_stop(part) for part in text.split(",")]
    kept: list[str] = []
    for part in parts:
        if part and not part.isdigit() and not _NOT_A_PLACE.search(part) and part not in kept:
            kept.append(part)
    return kept


def _strip_stop(part: str) -> str:
    """The part without spaces and a closing full stop ("Austria." → "Austria", "D.C." kept)."""
    part = part.strip()
    return part[:-1].strip() if part.endswith(".") and "." not in part[:-1] else part


def _split_country(part: str) -> tuple[Country, list[str]] | None:
    """("Maryland USA") → (US, ["Maryland"]): a country as the part or as its last words."""
    # Two letters are a US state before a country ("San Francisco, CA"); a full name is a
    # country first ("Tbilisi, Georgia").
    if len(part) == 2 and us_state(part):
        return _US, [part]
    country = resolve_country(part)
    if country is not None:
        return country, []
    if us_state(part):
        return _US, [part]
    words = part.split()
    for size in range(min(3, len(words) - 1), 0, -1):
        country = resolve_country(" ".join(words[-size:]))
        if country is not None:
            before = words[:-size]
            # "Vancouver BC Canada": the word before the country may be its region.
            if len(before) > 1 and is_region(country.code, before[-1]):
                return country, [" ".join(before[:-1]), before[-1]]
            return country, [" ".join(before)]
    return None


def _region_country(part: str) -> Country | None:
    """The country of a region written where the country goes ("Tuscany", "Sicily")."""
    code = _REGION_NAMES.get(_fold(part))
    return Country(code=code, name=display_name(code)) if code else None


def _is_region_part(code: str, rest: list[str]) -> bool:
    """Whether the last of ``rest`` is a region; a lone name ("Utrecht") is the city first."""
    last = rest[-1]
    return (len(rest) > 1 or len(last) <= 3) and is_region(code, last)


def _title(text: str | None) -> str | None:
    """ "SAN FRANCISCO" → "San Francisco"; codes ("PA") and mixed case stay as written."""
    if text and text.isupper() and len(text) > 3:
        return text.title()
    return text


def _read_country(parts: list[str]) -> tuple[Country | None, list[str], str | None]:
    """The country the last part names, the parts before it, and a region it implies."""
    found = _split_country(parts[-1])
    if found is not None:
        country, leftover = found
        return country, [*parts[:-1], *leftover], None
    implied = _region_country(parts[-1])
    if implied is not None:
        return implied, parts[:-1], parts[-1]
    return None, parts, None


def _narrow(country: Country, rest: list[str], last: str) -> tuple[Country, list[str], str | None]:
    """A more specific country ("Taipei, Taiwan, China" is Taiwan) and the region in ``rest``."""
    inner = resolve_country(rest[-1]) if country.code == "CN" and rest else None
    if inner is not None and inner.code in _WITHIN_CHINA:
        country, rest = inner, rest[:-1]
    if rest and _is_region_part(country.code, rest):
        return country, rest[:-1], rest[-1]
    # "Edinburgh, Scotland": the nation is the country and the region.
    return country, rest, last if _fold(last) in REGION_ALIASES else None


def split_place(parts: list[str]) -> dict[str, Any]:
    """venue, locality, region, country and country_code from place parts, country last."""
    if not parts:
        return {}
    country, rest, region = _read_country(parts)
    place: dict[str, Any] = {}
    if country is not None:
        if region is None:
            country, rest, region = _narrow(country, rest, parts[-1])
        place["country"], place["country_code"] = country.name, country.code
        if not rest and country.code in _CITY_STATES:
            rest = [country.name]
    place["region"] = _title(region)
    place["locality"] = _title(rest[-1]) if rest else None
    place["venue"] = ", ".join(rest[:-1]) or None
    return place


def parse_place(text: str | None) -> dict[str, Any]:
    """venue, locality, region, country, country_code and online from a free-text place."""
    if not text or not text.strip():
        return {"online": False}
    place = split_place(_parts(text))
    place["online"] = bool(_ONLINE.search(text))
    return place
