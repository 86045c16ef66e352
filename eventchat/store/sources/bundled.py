"""The dataset bundled in the package: writing it (build script) and reading it (store build).

Four open sources (:data:`SOURCES`, all MIT), merged into one event per real event, as
gzip-compressed JSON lines of EventDetail; ``events.meta.json`` beside it holds its version (the
sha256 of the .gz file), so a store can tell cheaply whether its copy is current, and per source
its licence, home and the date of its data, for ``eventchat data sources`` and the README.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventchat.models import EventDetail

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DATASET_FILE = "events.jsonl.gz"
META_FILE = "events.meta.json"
# Each source's own record of every event merged from several: with the single-source events of
# the dataset, each source's events as it gave them (``data update`` merges fresh data with them).
MEMBERS_FILE = "members.jsonl.gz"


@dataclass(frozen=True)
class Source:
    """One bundled source: where its copy lives, how to read it, and what to credit."""

    name: str
    folder: str  # under shared/data, as the build script reads it
    home: str
    licence: str  # the licence file in the copy
    copyright: str
    data_date: str  # the commit date of the copy
    reader: str  # module:function that reads the copy

    @property
    def licence_copy(self) -> str:
        """The licence file's name in the package."""
        return (
            f"{self.folder}-LICENSE.md" if self.folder == "confs-tech" else f"{self.folder}-LICENSE"
        )

    def read(self, path: Path) -> list[EventDetail]:
        """The events of the copy at ``path``."""
        module, _, function = self.reader.partition(":")
        read: Any = getattr(importlib.import_module(module), function)
        return list(read(path))


SOURCES = (
    Source("confs.tech", "confs-tech", "https://confs.tech", "LICENSE.md",
           "tech-conferences/conference-data contributors", "2026-08-06",
           "eventchat.store.sources.confstech:read_directory"),
    Source("python-deadlines", "python-deadlines", "https://pythondeadlin.es", "LICENSE",
           "2021 Abhishek Das; 2022 Jesper Dramsch", "2026-08-15",
           "eventchat.store.sources.python_deadlines:read_directory"),
    Source("ccf-deadlines", "ccf-deadlines", "https://ccfddl.com", "LICENSE",
           "2021 CCFDDL", "2026-08-20", "eventchat.store.sources.ccf:read_directory"),
    Source("ai-deadlines", "ai-deadlines", "https://huggingface.co/spaces/huggingface/ai-deadlines",
           "LICENSE", "2025 Hugging Face", "2026-07-16",
           "eventchat.store.sources.ai_deadlines:read_directory"),
)  # fmt: skip


def _record(event: EventDetail) -> dict[str, Any]:
    """The event without nulls, empty lists or defaults that say nothing (``online: false``)."""
    data = event.model_dump(exclude_none=True, exclude_defaults=True)
    data["id"], data["name"], data["start"] = event.id, event.name, event.start
    if "links" in data:
        data["links"] = {k: v for k, v in data["links"].items() if v not in ([], "")}
        data["links"]["id"] = event.id
    return data


def pack(events: Iterable[EventDetail]) -> tuple[bytes, int]:
    """Events as gzip-compressed JSON lines (deterministic: gzip mtime 0), and their count."""
    buffer = io.BytesIO()
    count = 0
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        for event in events:
            line = json.dumps(_record(event), ensure_ascii=False, separators=(",", ":"))
            gz.write(line.encode("utf-8") + b"\n")
            count += 1
    return buffer.getvalue(), count


def unpack(payload: bytes) -> list[EventDetail]:
    """The events of a :func:`pack` payload."""
    lines = gzip.decompress(payload).decode("utf-8").splitlines()
    return [EventDetail.model_validate_json(line) for line in lines if line]


def write_dataset(
    events: Iterable[EventDetail],
    out_dir: Path,
    *,
    counts: dict[str, int] | None = None,
    merged: int = 0,
    members: Iterable[EventDetail] = (),
) -> dict[str, Any]:
    """Write the .jsonl.gz, the members file and the meta file; return the meta.

    ``counts`` are the events each source gave before merging; ``merged`` how many merged;
    ``members`` each source's own record of the events that were merged.
    """
    payload, count = pack(events)
    (out_dir / DATASET_FILE).write_bytes(payload)
    (out_dir / MEMBERS_FILE).write_bytes(pack(members)[0])
    meta = {
        "version": "sha256:" + hashlib.sha256(payload).hexdigest(),
        "events": count,
        "merged": merged,
        "sources": [
            {
                "name": source.name,
                "home": source.home,
                "licence": "MIT",
                "copyright": source.copyright,
                "licence_file": source.licence_copy,
                "data_date": source.data_date,
                "events": (counts or {}).get(source.name, 0),
            }
            for source in SOURCES
        ],
    }
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def dataset_meta(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """The bundled dataset's meta record (version, event count, source)."""
    meta: dict[str, Any] = json.loads((data_dir / META_FILE).read_text(encoding="utf-8"))
    return meta


def dataset_version(data_dir: Path = DATA_DIR) -> str:
    """The bundled dataset's version string, ``sha256:<hex of the .gz file>``."""
    return str(dataset_meta(data_dir)["version"])


def bundled_groups(data_dir: Path = DATA_DIR) -> dict[str, list[EventDetail]]:
    """Each bundled source's events as that source gave them, before merging."""
    groups: dict[str, list[EventDetail]] = {source.name: [] for source in SOURCES}
    for event in read_dataset(data_dir):
        if event.source in groups:
            groups[event.source].append(event)
    for event in unpack((data_dir / MEMBERS_FILE).read_bytes()):
        groups.setdefault(event.source or "", []).append(event)
    return groups


def read_dataset(data_dir: Path = DATA_DIR) -> Iterator[EventDetail]:
    """Every event of the bundled dataset, in file order."""
    with gzip.open(data_dir / DATASET_FILE, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield EventDetail.model_validate_json(line)
