"""Country resolution: a name, a common alias or an ISO 3166 code becomes an alpha-2 code.

pycountry knows the ISO names; the alias table adds what people (and the confs.tech data) write
instead: "U.K.", "USA", "Deutschland", "Holland", "Korea". Matching ignores case, dots and
surrounding space, so "u.s.a." and "USA" are the same alias.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pycountry

from eventchat.errors import UsageError

# Keys are normalised with _key(): lower case, no dots, single spaces.
_ALIASES: dict[str, str] = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "us": "US",
    "america": "US",
    "united states of america": "US",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "korea": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "russia": "RU",
    "turkey": "TR",
    "czech republic": "CZ",
    "xk": "XK",
    "kosovo": "XK",  # not in ISO 3166; XK is the code the EU and most data sets use
    "uae": "AE",
}

# Display names where pycountry's name is formal ("Korea, Republic of") and no common_name helps.
_DISPLAY: dict[str, str] = {
    "US": "United States",
    "GB": "United Kingdom",
    "RU": "Russia",
    "TR": "Turkey",
    "XK": "Kosovo",
}

# Sub-national names that alias a country: kept as the region when the data names them.
REGION_ALIASES = frozenset({"england", "scotland", "wales", "northern ireland"})


@dataclass(frozen=True)
class Country:
    """An ISO 3166-1 alpha-2 code and the display name eventchat shows for it."""

    code: str
    name: str


class UnknownCountryError(UsageError):
    """A country name or code that neither pycountry nor the alias table knows."""

    def __init__(self, text: str) -> None:
        super().__init__(f"unknown country {text!r} — use a name or an ISO code such as DE")
        self.text = text


def _key(text: str) -> str:
    return " ".join(text.replace(".", "").split()).casefold()


def display_name(code: str) -> str:
    """The display name for an alpha-2 code (``"GB"`` → ``"United Kingdom"``)."""
    if code in _DISPLAY:
        return _DISPLAY[code]
    record = pycountry.countries.get(alpha_2=code)
    if record is None:
        return code
    return str(getattr(record, "common_name", None) or record.name)


@functools.lru_cache(maxsize=1024)
def find_country(text: str) -> Country | None:
    """Resolve a name, alias, alpha-2 or alpha-3 code; ``None`` when unknown."""
    key = _key(text)
    if not key:
        return None
    code = _ALIASES.get(key)
    if code is None:
        try:
            code = str(pycountry.countries.lookup(key).alpha_2)
        except LookupError:
            return None
    return Country(code=code, name=display_name(code))


@functools.lru_cache(maxsize=512)
def country_words(code: str) -> tuple[str, ...]:
    """What people call the country ``code``: its display and ISO names, its codes and the
    aliases that resolve to it (``"GB"`` → United Kingdom, GB, GBR, UK, Britain, …)."""
    words = [display_name(code), code]
    record = pycountry.countries.get(alpha_2=code)
    if record is not None:
        words += [str(record.name), str(record.alpha_3)]
    words += [alias for alias, target in _ALIASES.items() if target == code]
    return tuple(dict.fromkeys(words))


@functools.lru_cache(maxsize=4096)
def region_name(code: str, region: str) -> str | None:
    """The name of a region given as its ISO 3166-2 code (``"US", "CA"`` → California)."""
    found = pycountry.subdivisions.get(code=f"{code}-{region.strip().upper()}")  # type: ignore[no-untyped-call]
    return None if found is None else str(found.name)


def resolve_country(text: str) -> Country:
    """Like :func:`find_country`, but an unknown country raises UnknownCountryError."""
    country = find_country(text)
    if country is None:
        raise UnknownCountryError(text.strip())
    return country
