"""Deterministic synthetic events, and benchmark databases built from them in ``bench/.data/``.

``generate(n)`` yields ``n`` realistic ``EventDetail``s from a fixed seed: names such as "Berlin
Python Summit 2026", ~300-character descriptions from a Zipf-weighted word list mixed with topic
words, cities with their real ISO country codes (weighted like the confs.tech data), tags from the
confs.tech topic list, dates from 2024 to 2028, ~5% online, and links. The same (n, seed) always
gives the same events, and a smaller size is a prefix of a larger one.

``python -m bench.generate [--rebuild] [SIZE ...]`` builds the databases through the store's
public API only: ``SQLiteStore(path)``, ``upsert(chunk)`` per CHUNK events, ``close()``. A database
is cached under a name that changes with the size, the generator version, ``CACHE_FORMAT`` and a
fingerprint of the store's code (``eventchat/store/``): the search index the store builds is part
of what is cached, and no narrower key (the migrations, say) can tell which change to that code
alters it. So reruns are fast until the store changes; a rebuild deletes that size's stale files.
``--rebuild`` or ``EVENTCHAT_BENCH_REBUILD=1`` forces a fresh build.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import glob
import hashlib
import itertools
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import eventchat.store
from eventchat.models import EventDetail, EventLinks, stable_id
from eventchat.store import SQLiteStore, Store

GENERATOR_VERSION = 1  # bump when the generated events change: cached databases then rebuild
# Bump when what a cached database holds changes for another reason. 2: loaded with plain
# upsert(chunk) calls, timed without generating (1 ranked frequent terms once, at the end).
CACHE_FORMAT = 2
SEED = 20_261_122
DATA_DIR = Path(__file__).parent / ".data"
CHUNK = 10_000  # events per upsert transaction: bounds memory at 1M
FIRST_DAY = dt.date(2024, 1, 1)
DAYS = (dt.date(2028, 12, 31) - FIRST_DAY).days + 1
ONLINE_SHARE = 0.05

# confs.tech topic tags with their share of the data, display name and words for descriptions.
TOPICS: list[tuple[str, int, str, tuple[str, ...]]] = [
    ("general", 1186, "Tech", ("software", "engineering", "architecture", "cloud", "startups")),
    ("javascript", 1009, "JavaScript", ("javascript", "react", "node", "vue", "frontend")),
    ("devops", 701, "DevOps", ("kubernetes", "docker", "terraform", "observability", "platform")),
    ("data", 592, "Data", ("analytics", "machine", "learning", "pipelines", "llm", "spark")),
    ("ux", 447, "UX", ("design", "research", "usability", "prototyping", "interaction")),
    ("security", 279, "Security", ("appsec", "threat", "vulnerability", "cryptography")),
    ("networking", 243, "Network", ("routing", "bgp", "latency", "5g", "sdn")),
    ("ruby", 221, "Ruby", ("ruby", "rails", "gems", "hotwire")),
    ("java", 210, "Java", ("java", "jvm", "spring", "microservices")),
    ("php", 208, "PHP", ("php", "laravel", "symfony", "wordpress")),
    ("android", 202, "Android", ("android", "kotlin", "jetpack", "mobile")),
    ("ios", 151, "iOS", ("swift", "swiftui", "xcode", "mobile")),
    ("python", 151, "Python", ("python", "django", "pandas", "fastapi", "pytest")),
    ("testing", 150, "Testing", ("testing", "automation", "qa", "playwright")),
    ("product", 115, "Product", ("roadmap", "discovery", "strategy", "growth")),
    ("dotnet", 113, ".NET", ("csharp", "dotnet", "azure", "blazor")),
    ("leadership", 94, "Leadership", ("management", "teams", "hiring", "culture")),
    ("css", 83, "CSS", ("css", "layout", "animation", "tailwind")),
    ("api", 76, "API", ("rest", "openapi", "gateway", "webhooks")),
    ("opensource", 75, "Open Source", ("community", "maintainers", "licensing", "linux")),
    ("typescript", 52, "TypeScript", ("typescript", "types", "compiler")),
    ("iot", 51, "IoT", ("sensors", "embedded", "edge", "firmware")),
    ("golang", 49, "Go", ("golang", "gophers", "concurrency")),
    ("rust", 48, "Rust", ("rust", "ownership", "wasm", "tokio")),
    ("performance", 48, "Performance", ("profiling", "latency", "caching")),
    ("graphql", 44, "GraphQL", ("graphql", "schema", "federation")),
    ("sre", 35, "SRE", ("reliability", "incidents", "slo", "oncall")),
    ("cpp", 30, "C++", ("cpp", "templates", "compilers")),
    ("accessibility", 30, "Accessibility", ("accessibility", "a11y", "wcag", "inclusive")),
    ("kotlin", 30, "Kotlin", ("kotlin", "coroutines", "multiplatform")),
    ("elixir", 29, "Elixir", ("elixir", "erlang", "beam", "phoenix")),
    ("tech-comm", 24, "Docs", ("documentation", "writing", "docs")),
    ("scala", 16, "Scala", ("scala", "akka", "functional")),
    ("clojure", 10, "Clojure", ("clojure", "lisp", "repl")),
    ("identity", 10, "Identity", ("oauth", "identity", "passkeys")),
    ("cfml", 7, "CFML", ("cfml", "coldfusion", "lucee")),
    ("haskell", 5, "Haskell", ("haskell", "monads", "functional")),
    ("elm", 4, "Elm", ("elm", "functional", "frontend")),
    ("groovy", 3, "Groovy", ("groovy", "gradle", "jvm")),
]

# (locality, region, country display name, ISO code, weight): weights follow the confs.tech data.
CITIES: list[tuple[str, str | None, str, str, int]] = [
    ("Berlin", None, "Germany", "DE", 354), ("London", None, "United Kingdom", "GB", 278),
    ("Munich", None, "Germany", "DE", 179), ("Amsterdam", None, "Netherlands", "NL", 175),
    ("San Francisco", "CA", "United States", "US", 175),
    ("New York", "NY", "United States", "US", 171), ("Paris", None, "France", "FR", 120),
    ("Barcelona", None, "Spain", "ES", 75), ("Chicago", "IL", "United States", "US", 69),
    ("Seattle", "WA", "United States", "US", 69), ("Copenhagen", None, "Denmark", "DK", 67),
    ("Austin", "TX", "United States", "US", 59), ("Warsaw", None, "Poland", "PL", 59),
    ("Bengaluru", None, "India", "IN", 58), ("Kyiv", None, "Ukraine", "UA", 54),
    ("Singapore", None, "Singapore", "SG", 53), ("Toronto", None, "Canada", "CA", 52),
    ("Stockholm", None, "Sweden", "SE", 52), ("Vienna", None, "Austria", "AT", 50),
    ("Kraków", None, "Poland", "PL", 50), ("Prague", None, "Czechia", "CZ", 49),
    ("Tel Aviv", None, "Israel", "IL", 48), ("Denver", "CO", "United States", "US", 48),
    ("Boston", "MA", "United States", "US", 47), ("Melbourne", None, "Australia", "AU", 44),
    ("Verona", None, "Italy", "IT", 38), ("Budapest", None, "Hungary", "HU", 36),
    ("Oslo", None, "Norway", "NO", 36), ("Lisbon", None, "Portugal", "PT", 35),
    ("Zürich", None, "Switzerland", "CH", 34), ("Tokyo", None, "Japan", "JP", 33),
    ("Cologne", None, "Germany", "DE", 33), ("Montreal", None, "Canada", "CA", 31),
    ("Madrid", None, "Spain", "ES", 31), ("Sydney", None, "Australia", "AU", 30),
    ("Vancouver", None, "Canada", "CA", 26), ("Dublin", None, "Ireland", "IE", 25),
    ("Dubai", None, "United Arab Emirates", "AE", 25), ("Helsinki", None, "Finland", "FI", 20),
    ("Johannesburg", None, "South Africa", "ZA", 23), ("Brussels", None, "Belgium", "BE", 22),
    ("Manchester", None, "United Kingdom", "GB", 22), ("São Paulo", None, "Brazil", "BR", 20),
    ("Hamburg", None, "Germany", "DE", 21), ("Seoul", None, "South Korea", "KR", 15),
    ("Mexico City", None, "Mexico", "MX", 15), ("Istanbul", None, "Turkey", "TR", 15),
    ("Bucharest", None, "Romania", "RO", 15), ("Buenos Aires", None, "Argentina", "AR", 12),
    ("Athens", None, "Greece", "GR", 12), ("Nairobi", None, "Kenya", "KE", 10),
    ("Lagos", None, "Nigeria", "NG", 10), ("Auckland", None, "New Zealand", "NZ", 10),
]  # fmt: skip

KINDS = ("Conf", "Summit", "Days", "Meetup")
VENUES = ("Convention Center", "Congress Centre", "Expo", "University", "Arena", "Hall")
# Generic description words in rough frequency order; drawn with Zipf weights (rank ** -0.8).
_PROSE = (
    "the and of to for with in on from our this all new about your talks workshops speakers "
    "community developers engineers join learn share day days two three teams practical "
    "experience open hands best practices future modern real world production scale building "
    "tools ideas people network together sessions keynote track tracks lightning panel "
    "discussions friendly welcome beginners experts latest trends deep dive case studies "
    "industry leaders local global online stream recorded lunch coffee party evening morning "
    "venue tickets sponsors volunteers diversity inclusive code conduct first annual edition "
    "program schedule call papers proposals submit hallway conversations careers jobs hiring "
    "release roadmap stories lessons learned failures success migration legacy systems "
    "performance security quality reliable fast simple maintainable growth mentoring talk"
)
WORDS = tuple(_PROSE.split())


@dataclass(frozen=True)
class Build:
    """A benchmark database: where it is, how many events, and how many seconds the store took to
    load them (open, every upsert, close; generating the events is not counted)."""

    path: Path
    size: int
    events: int
    seconds: float
    cached: bool


class Stopwatch:
    """Seconds spent inside ``with stopwatch:`` blocks, summed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._began = 0.0

    def __enter__(self) -> Stopwatch:
        self._began = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds += time.perf_counter() - self._began


def _cum(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


_TOPIC_CUM = _cum([float(t[1]) for t in TOPICS])
_CITY_CUM = _cum([float(c[4]) for c in CITIES])
_WORD_CUM = _cum([(rank + 1) ** -0.8 for rank in range(len(WORDS))])


def _description(rng: random.Random, topic_words: tuple[str, ...], place: str) -> str:
    """About 300 characters: common words with topic words and the place mixed in."""
    words = rng.choices(WORDS, cum_weights=_WORD_CUM, k=44)
    for word in rng.choices(topic_words, k=5):
        words.insert(rng.randrange(len(words)), word)
    words.insert(rng.randrange(len(words)), place)
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _links(rng: random.Random, event_id: str, url: str, start: dt.date) -> EventLinks:
    images = [
        f"https://img.example.org/{event_id}/{k}.jpg" for k in range(rng.choice((0, 0, 1, 3)))
    ]
    cfp = rng.random() < 0.3
    cfp_end = start - dt.timedelta(days=rng.randint(30, 120))
    return EventLinks(
        id=event_id,
        url=url,
        images=images,
        cfp_url=f"{url}cfp" if cfp else None,
        cfp_end_date=cfp_end.isoformat() if cfp else None,
        social=[f"https://mastodon.example.org/@{event_id}"] if rng.random() < 0.3 else [],
    )


def _event(rng: random.Random, index: int) -> EventDetail:
    tag, _, topic, topic_words = rng.choices(TOPICS, cum_weights=_TOPIC_CUM)[0]
    tags = [tag]
    if rng.random() < 0.25:  # confs.tech merges events listed under two topics
        tags.append(rng.choices(TOPICS, cum_weights=_TOPIC_CUM)[0][0])
    start = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    end = start + dt.timedelta(days=rng.choices((0, 1, 2), weights=(5, 3, 2))[0])
    kind = rng.choice(KINDS)
    online = rng.random() < ONLINE_SHARE
    city, region, country, code, _ = rng.choices(CITIES, cum_weights=_CITY_CUM)[0]
    if online:
        name, place = f"{topic} {kind} Online {start.year}", "online"
    elif rng.random() < 0.2:  # names such as "PythonSummit Berlin": the topic is not a word
        name, place = f"{topic.replace(' ', '')}{kind} {city} {start.year}", city
    else:
        name, place = f"{city} {topic} {kind} {start.year}", city
    url = f"https://{start.year}.e{index:x}.events.example.org/"
    event_id = stable_id(name, start.isoformat(), url)
    venue = f"{city} {rng.choice(VENUES)}" if not online and rng.random() < 0.6 else None
    return EventDetail(
        id=event_id,
        name=name,
        start=start.isoformat(),
        end=end.isoformat() if end != start else None,
        venue=venue,
        locality=None if online else city,
        region=None if online else region,
        country=None if online else country,
        country_code=None if online else code,
        online=online,
        tags=tags,
        description=_description(rng, topic_words, place),
        source="synthetic",
        links=_links(rng, event_id, url, start),
    )


def generate(n: int, seed: int = SEED) -> Iterator[EventDetail]:
    """``n`` synthetic events, the same ones for the same seed; lazily, so memory stays flat."""
    rng = random.Random(seed)
    for index in range(n):
        yield _event(rng, index)


def store_fingerprint() -> str:
    """A digest of the store's source (``eventchat/store/**.py``): it changes with any change to
    how the store writes or indexes events, wherever the files move."""
    root = Path(eventchat.store.__file__).parent
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def cache_key(size: int, seed: int = SEED) -> str:
    """What a cached database of ``size`` events depends on, as a short name part."""
    key = f"{GENERATOR_VERSION}:{CACHE_FORMAT}:{seed}:{size}:{store_fingerprint()}".encode()
    return hashlib.sha1(key, usedforsecurity=False).hexdigest()[:8]


def database_path(size: int, seed: int = SEED) -> Path:
    """The cache file for ``size`` events: its name changes with everything it depends on."""
    return DATA_DIR / f"events-{size}-v{CACHE_FORMAT}-{cache_key(size, seed)}.sqlite3"


def _rebuild_requested() -> bool:
    return os.environ.get("EVENTCHAT_BENCH_REBUILD", "").strip().lower() in {"1", "true", "yes"}


def load(store_factory: Callable[[], Store], size: int, seed: int = SEED) -> tuple[int, float]:
    """Open a store, upsert ``size`` events into it CHUNK at a time, close it; return the count
    and the seconds the store took (opening, upserting, closing: not generating)."""
    events = generate(size, seed)
    took = Stopwatch()
    with took:
        store = store_factory()
    try:
        while chunk := list(itertools.islice(events, CHUNK)):
            with took:
                store.upsert(chunk)
        count = store.count()
    finally:
        with took:
            store.close()
    return count, took.seconds


def _remove_all(size: int) -> None:
    """Delete every cached file of ``size`` events: stale keys, a half-done build, and whatever
    the store keeps beside its database (the search index)."""
    for stale in DATA_DIR.glob(f"events-{size}-*"):
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink(missing_ok=True)


@contextmanager
def _locked(size: int) -> Iterator[None]:
    """Hold this size's build lock: two runs never build one database at the same time."""
    with (DATA_DIR / f".build-{size}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build(size: int, *, rebuild: bool = False, seed: int = SEED) -> Build:
    """The database of ``size`` events, built (and timed) unless a cached one exists.

    Built where it stays, so that what the store writes beside the file stays beside it; the
    sidecar is written last, so a build cut short is no cache.
    """
    path = database_path(size, seed)
    sidecar = path.with_suffix(".json")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with _locked(size):
        if path.exists() and sidecar.exists() and not (rebuild or _rebuild_requested()):
            info = json.loads(sidecar.read_text())
            return Build(path, size, info["events"], info["seconds"], cached=True)
        _remove_all(size)
        events, seconds = load(lambda: SQLiteStore(path), size, seed)
        info = {"events": events, "seconds": seconds, "seed": seed, "format": CACHE_FORMAT}
        sidecar.write_text(json.dumps(info))
    return Build(path, size, events, seconds, cached=False)


def disk_megabytes(path: Path) -> float:
    """The size of ``path`` and of everything named after it beside it (files and folders)."""
    beside = path.parent.glob(glob.escape(path.name) + "*")
    files = (f for p in beside for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
    return sum(f.stat().st_size for f in files) / 1e6


def main(argv: list[str]) -> int:
    """Build the databases named on the command line (default 10k and 100k)."""
    rebuild = "--rebuild" in argv
    sizes = [int(a.replace("_", "")) for a in argv if a != "--rebuild"] or [10_000, 100_000]
    for size in sizes:
        done = build(size, rebuild=rebuild)
        state = "cached" if done.cached else "built"
        print(f"{done.path}: {done.events:,} events, {state}, loading took {done.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
