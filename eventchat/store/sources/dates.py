"""Free-text event dates and deadline instants from the academic and Python sources.

Dates: "February 16-23, 2027", "29 June - 2 July, 2026", "Oct. 6-10, 2025" become a first and a
last day. Text without a day ("November, 2026", "2027", "TBD") raises :class:`NoDate`: a day is
never invented. The year written in the text must be the edition's year (a few entries carry
the previous edition's dates); text without a year takes the edition's.

Deadlines: a local time ("2026-01-29 11:59:59") in a zone as the source names it: "AoE"
(UTC-12), "UTC+8", "GMT+02", "PST", "PT", or an IANA name, becomes an ISO 8601 instant with its
UTC offset; for an IANA zone the offset is the one in force at that moment.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Three letters tell the months apart, and typos ("Septemper") keep them.
_MONTHS = {name[:3].casefold(): number for number, name in enumerate(calendar.month_name) if name}
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_OFFSET = re.compile(r"^(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_AOE = dt.timezone(dt.timedelta(hours=-12), "AoE")
# Abbreviations the snapshots use. "PST" is written as a fixed offset, so it stays one; "PT"
# names the Pacific zone, which observes daylight saving time.
_NAMED_ZONES: dict[str, dt.tzinfo] = {
    "aoe": _AOE,
    "utc": dt.UTC,
    "gmt": dt.UTC,
    "z": dt.UTC,
    "pst": dt.timezone(dt.timedelta(hours=-8)),
    "pdt": dt.timezone(dt.timedelta(hours=-7)),
    "est": dt.timezone(dt.timedelta(hours=-5)),
    "edt": dt.timezone(dt.timedelta(hours=-4)),
    "pt": ZoneInfo("America/Los_Angeles"),
    "et": ZoneInfo("America/New_York"),
}


class NoDate(ValueError):
    """Date text that does not name a day, or names one the edition cannot have."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason


def _month(word: str) -> int | None:
    """The month a word names by its first three letters ("Sep", "Sept.", "Septemper")."""
    return _MONTHS.get(word[:3].casefold()) if len(word) >= 3 else None


def parse_date_range(text: str, edition_year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of free-text dates; :class:`NoDate` when there is no day."""
    months: list[int] = []
    days: list[int] = []
    years: list[int] = []
    for token in _TOKEN.findall(text.replace("–", "-")):
        if token.isdigit():
            (years if len(token) == 4 else days).append(int(token))
        elif (month := _month(token)) is not None:
            months.append(month)
    if not days or not months:
        raise NoDate("no day", text)
    if len(days) > 2 or len(months) > 2 or len(set(years)) > 2:
        raise NoDate("unreadable date", text)
    first_year, last_year = (years[0], years[-1]) if years else (edition_year, edition_year)
    try:
        start = dt.date(first_year, months[0], days[0])
        end = dt.date(last_year, months[-1], days[-1])
    except ValueError:
        raise NoDate("unreadable date", text) from None
    if end < start:
        raise NoDate("unreadable date", text)
    if edition_year not in (start.year, end.year):
        raise NoDate("date outside the edition's year", text)
    return start, end


def find_zone(name: str) -> dt.tzinfo | None:
    """The zone a source names: AoE, UTC±H, GMT±HH, a few abbreviations, or an IANA name."""
    name = name.strip()
    if (zone := _NAMED_ZONES.get(name.casefold())) is not None:
        return zone
    if match := _OFFSET.match(name):
        sign, hours, minutes = match.groups()
        offset = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        return dt.timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_time(value: object) -> dt.datetime | None:
    """A naive local date-time from YAML (a string, or what PyYAML made of an unquoted one).

    ``None`` for what is not a moment: "TBD", "None", "Cancelled", or a date without a time.
    """
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if not isinstance(value, str) or not re.match(r"\d{4}-\d\d-\d\d[ T]\d", value.strip()):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip()).replace(tzinfo=None)
    except ValueError:
        return None


def instant(local: dt.datetime, zone: dt.tzinfo) -> str:
    """``local`` in ``zone`` as ISO 8601 with its offset: "2026-01-29T11:59:59-12:00"."""
    return local.replace(tzinfo=zone).isoformat()
