"""How old the event data is: each source's date, and the one line that says it is stale.

A source's date is the day its data was taken: for a bundled source the date of its copy (in the
dataset's meta), moved forward by ``eventchat data update`` (recorded in the store's meta as
``updated:<source>``). Data older than STALE_DAYS gets one line naming the command that
refreshes it. Nothing here imports a store or a network library.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

STALE_DAYS = 30
UPDATED_KEY = "updated:{}"


@dataclass(frozen=True)
class SourceDate:
    """One source and the day its data in this store was taken."""

    name: str
    day: dt.date
    updated: bool  # by ``data update`` (else: the bundled copy's date)


def source_dates(meta: Callable[[str], str | None]) -> list[SourceDate]:
    """Each bundled source's date in the store whose ``meta`` lookup is given."""
    from eventchat.store.sources.bundled import dataset_meta

    found = []
    for source in dataset_meta().get("sources", []):
        updated = meta(UPDATED_KEY.format(source["name"]))
        day = dt.date.fromisoformat(updated or source["data_date"])
        found.append(SourceDate(source["name"], day, updated is not None))
    return found


def newest_day(dates: list[SourceDate]) -> dt.date | None:
    """The day of the newest data among ``dates``; None when there are none."""
    return max((d.day for d in dates), default=None)


def older_than(dates: list[SourceDate], today: dt.date, days: int) -> bool:
    """True when the newest data is more than ``days`` days old on ``today`` (none: False)."""
    newest = newest_day(dates)
    return newest is not None and (today - newest).days > days


def stale_line(dates: list[SourceDate], today: dt.date) -> str | None:
    """One line when the newest data is older than STALE_DAYS on ``today``, else None."""
    newest = newest_day(dates)
    if newest is None:
        return None
    age = (today - newest).days
    if age <= STALE_DAYS:
        return None
    return (
        f"The event data is {age} days old (newest from {newest.isoformat()}) — "
        "run `eventchat data update` for newer events."
    )
