"""The tantivy index's fields, its text analyzer, and the document of one stored event.

Text fields are stemmed (English) and accent-folded by one analyzer, which also turns a
person's words into the terms a query looks up (see ``search``), so "Conferences" finds
"conference" and "zurich" finds "Zürich". Filters are exact fields: raw terms for the country
code, tags, locality key and source; fast integer days for the date filters; a fast ``start``
for the start-date order, by which the index also keeps its documents sorted. ``FORMAT`` names
this layout: an index
of another format is rebuilt, never read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import tantivy

from eventchat.store.countries import country_words, region_name

FORMAT = 5  # bump on any change to the fields, analyzers or sorting
# The order of the rows a rebuild reads, in either store: ties in a fresh index go by id.
REBUILD_ORDER = "ORDER BY start_day, start_at, id"
SORT_FIELD = "start"  # documents in start order: ties of score or start keep it
ANALYZER = "eventchat_en"
EXACT_ANALYZER = "eventchat_exact"
# The weight of a word found in each field: a word in the name counts most, as in the old
# FTS5 ranking (bm25 weights 10, 4, 1, 2, 3, 3); tuned against tests/store/judged.json.
TEXT_FIELDS: dict[str, float] = {
    "name": 10.0,
    "name_parts": 8.0,
    "tags_text": 4.0,
    "description": 1.0,
    "venue": 2.0,
    "locality": 3.0,
    "region": 3.0,
    "country": 3.0,
}
# The name again, not stemmed: the word as written counts a little more than its stem, so
# "testing" ranks "Testing United" above "Test Coast".
EXACT_FIELD, EXACT_WEIGHT = "name_exact", 3.0
MAX_TOKEN = 40  # longer tokens (a pasted hash, a URL) are not indexed or searched
_EPOCH = dt.date(1, 1, 1).toordinal()


_SYMBOLS = (  # language names the tokenizer would cut to one letter: "c++" and "c#" are not "c"
    (re.compile(r"(?<![\w+#])([a-z])\+\+(?![\w+])", re.IGNORECASE), r"\1pp"),
    (re.compile(r"(?<![\w+#])([a-z])#(?![\w#])", re.IGNORECASE), r"\1sharp"),
)


def spell_symbols(text: str) -> str:
    """``text`` with "C++" as "Cpp" and "C#" as "Csharp", at index and at query time alike."""
    if "+" not in text and "#" not in text:
        return text
    for pattern, spelled in _SYMBOLS:
        text = pattern.sub(spelled, text)
    return text


def exact_analyzer() -> tantivy.TextAnalyzer:
    """As :func:`analyzer`, without the stemmer."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def analyzer() -> tantivy.TextAnalyzer:
    """Words split on non-alphanumerics, lower-cased, accents folded, English-stemmed."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def build_schema() -> tantivy.Schema:
    """The schema of the index (``FORMAT``)."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=ANALYZER)
    builder.add_text_field(EXACT_FIELD, tokenizer_name=EXACT_ANALYZER)
    for name in ("country_code", "tag", "locality_key", "source"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in ("start_day", "end_day", "start"):
        builder.add_integer_field(name, indexed=True, fast=True)
    builder.add_boolean_field("online", indexed=True, fast=True)
    # Each deadline's local day (several per event): filters, and sort=deadline reads them.
    builder.add_integer_field("deadline_day", stored=True, indexed=True, fast=True)
    # The series an occurrence belongs to (0: none), so a page shows a series at most twice.
    builder.add_integer_field("series", indexed=True, fast=True)
    return builder.build()


def series_key(series: str | None) -> int:
    """A positive 62-bit key for a series name (0 for none)."""
    if not series:
        return 0
    import hashlib

    digest = hashlib.blake2b(series.encode("utf-8"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 2) or 1


def day_number(day: str) -> int | None:
    """Days since 0001-01-01 of an ISO date (its first ten characters), None if it is none."""
    try:
        return dt.date.fromisoformat(day[:10]).toordinal() - _EPOCH
    except ValueError:
        return None


def _seconds(start: str) -> int:
    """Seconds into the day of a date-time's local clock time (0 for a plain date)."""
    clock = start[11:19]
    try:
        t = dt.time.fromisoformat(clock)
    except ValueError:
        return 0
    return t.hour * 3600 + t.minute * 60 + t.second


def _listed(value: Any) -> list[Any]:
    """A list column: JSON text (SQLite) or already a list (PostgreSQL)."""
    loaded = json.loads(value) if isinstance(value, str) else value
    return list(loaded) if isinstance(loaded, list) else []


_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_MAX_PARTS = 6
# Run-together words whose case change is no word boundary a searcher means: "java" must not
# find JavaScript.
_WHOLE = frozenset({"javascript", "typescript", "coffeescript", "actionscript", "ecmascript"})


# Words that tech event names run together ("Devopsdays", "Vuejs", "VueconfUS"): a lower-case
# word made wholly of these is also indexed as its parts (tantivy's split_compound filter). Only
# words whose every split is harmless belong here: "script" is absent so that "javascript" never
# becomes "java" + "script".
COMPOUND_PARTS = (
    "ai", "angular", "camp", "cloud", "con", "conf", "dart", "data", "day", "days", "dev",
    "devops", "django", "fest", "go", "gopher", "js", "kotlin", "ml", "mlops", "node", "ops",
    "php", "py", "rails", "react", "ruby", "rust", "sec", "summit", "swift", "uk", "us", "vue",
    "web",
)  # fmt: skip
_SPLIT = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.split_compound(list(COMPOUND_PARTS)))
    .build()
)


def name_parts(name: str) -> str:
    """The words inside the name's run-together words: "PyConUK" gives "Py PyCon Con ConUK UK"
    (its case changes, alone and joined, as Lucene's word-delimiter filter with catenation
    does), "Devopsdays" gives "devops days" (COMPOUND_PARTS), so that "pycon uk" and "devops
    days" find them. The whole word is in the name field already; a plain word adds nothing."""
    found: list[str] = []
    for word in name.split():
        parts = [] if word.casefold() in _WHOLE else _CAMEL.findall(word)
        if 2 <= len(parts) <= _MAX_PARTS:
            found += [
                "".join(parts[i:j])
                for i in range(len(parts))
                for j in range(i + 1, len(parts) + 1)
                if j - i < len(parts)
            ]
        if len(word) > 3 and word.isalpha() and len(split := _SPLIT.analyze(word)) > 1:
            found += split
    return " ".join(found)


def _texts(row: Mapping[str, Any], tags: list[str]) -> dict[str, str]:
    """The text of each text field: the region's and country's other names added, so "uk"
    finds the United Kingdom and "california" an event whose region is "CA"."""
    code = str(row["country_code"] or "")
    region = str(row["region"] or "")
    if code and region and (named := region_name(code, region)):
        region = f"{region} {named}"
    country = " ".join([str(row["country"] or ""), *(country_words(code) if code else ())])
    texts = {name: str(row[name] or "") for name in ("name", "description", "venue", "locality")}
    texts |= {"tags_text": " ".join(tags), "region": region, "country": country}
    texts[EXACT_FIELD] = texts["name"]
    texts["name_parts"] = name_parts(texts["name"])
    return {name: spell_symbols(text) for name, text in texts.items()}


def deadline_days(value: Any) -> list[int]:
    """The local day (as :func:`day_number`) of each deadline in a ``deadlines`` column."""
    days = (day_number(str(d.get("at", ""))) for d in _listed(value or "[]") if isinstance(d, dict))
    return sorted({day for day in days if day is not None})


def document(row: Mapping[str, Any]) -> tantivy.Document:
    """The index document of one ``events`` row (either store's; see ``rows.COLUMNS``).

    A day that does not parse bounds nothing: such an event counts as started long ago and
    still under way, so a date filter never hides it by accident of its spelling.
    """
    start = day_number(str(row["start_day"]))
    end = day_number(str(row["end_day"]))
    if start is None:
        start, end = 0, 10**7
    elif end is None or end < start:
        end = start
    tags = [str(tag) for tag in _listed(row["tags"]) if tag]
    doc = tantivy.Document(
        id=row["id"],
        start_day=start,
        end_day=end,
        start=start * 86_400 + _seconds(str(row["start_at"])),
        online=bool(row["online"]),
        series=series_key(row["series"]),
    )
    for name, text in _texts(row, tags).items():
        if text:
            doc.add_text(name, text)
    for tag in tags:
        doc.add_text("tag", tag)
    for day in deadline_days(row["deadlines"]):
        doc.add_integer("deadline_day", day)
    for name in ("country_code", "locality_key", "source"):
        if row[name]:
            doc.add_text(name, str(row[name]))
    return doc
