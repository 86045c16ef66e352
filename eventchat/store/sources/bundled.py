"""The dataset bundled in the package: writing it (build script) and reading it (store build).

The dataset is gzip-compressed JSON lines of EventDetail; ``confs-tech.meta.json`` beside it
holds its version (the sha256 of the .gz file) so a store can tell cheaply whether its copy is
current without hashing or decompressing anything.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from eventchat.models import EventDetail

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DATASET_FILE = "confs-tech.jsonl.gz"
META_FILE = "confs-tech.meta.json"


def _record(event: EventDetail) -> dict[str, Any]:
    """The event without nulls, empty lists or defaults that say nothing (``online: false``)."""
    data = event.model_dump(exclude_none=True, exclude_defaults=True)
    data["id"], data["name"], data["start"] = event.id, event.name, event.start
    if "links" in data:
        data["links"] = {k: v for k, v in data["links"].items() if v not in ([], "")}
        data["links"]["id"] = event.id
    return data


def write_dataset(events: Iterable[EventDetail], out_dir: Path) -> dict[str, Any]:
    """Write the .jsonl.gz (deterministic: gzip mtime 0) and its meta file; return the meta."""
    buffer = io.BytesIO()
    count = 0
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        for event in events:
            line = json.dumps(_record(event), ensure_ascii=False, separators=(",", ":"))
            gz.write(line.encode("utf-8") + b"\n")
            count += 1
    payload = buffer.getvalue()
    (out_dir / DATASET_FILE).write_bytes(payload)
    meta = {
        "version": "sha256:" + hashlib.sha256(payload).hexdigest(),
        "events": count,
        "source": "tech-conferences/conference-data (confs.tech), MIT licence",
        "license_file": "confs-tech-LICENSE.md",
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


def read_dataset(data_dir: Path = DATA_DIR) -> Iterator[EventDetail]:
    """Every event of the bundled dataset, in file order."""
    with gzip.open(data_dir / DATASET_FILE, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield EventDetail.model_validate_json(line)
