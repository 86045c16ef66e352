"""``eventchat data import`` of a 200k-event JSON Lines file: throughput and peak memory, today's
whole-file import beside the streaming one, in the same run.

The file is ``bench.generate``'s events, one ``EventDetail`` JSON object a line (~150 MB at 200k,
cached in ``bench/.data/``). Each import runs in its own process on a fresh SQLite database (a
``--database`` file: no bundled dataset), and its peak memory is that process's maximum resident
set size as the kernel counts it (``os.wait4``), so nothing the parent holds is in it:

    baseline   the import as it was before streaming, kept here as a faithful copy: read the
               whole file, decode it, split it into lines, parse every record, then one
               ``store.upsert`` of every event
    streaming  ``eventchat.datacmd.run_import``, the command's own core: lines read one by one,
               each chunk compared with what the store holds (new / updated / unchanged) and
               written before the next is read
    re-import  the streaming import of the same file again, into the database it just filled:
               every event is read back and found unchanged

Throughput is events per second of the import itself (interpreter start-up excluded); ratios
are to the baseline. The counts each run reports are checked (200,000 new, then 200,000
unchanged). Target (issue: imports stream): peak memory ≤ 300 MB at 200k.

``EVENTCHAT_BENCH_IMPORT_SIZE`` (default 200000) sets the number of events;
``EVENTCHAT_BENCH_IMPORT_CHUNKS=1000,5000,20000`` times the streaming import at each chunk size
(default: the command's own, 5,000).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.generate import DATA_DIR, GENERATOR_VERSION, SEED, generate
from bench.report import Row

DEFAULT_SIZE = 200_000
TARGET_PEAK_MB = 300
TODAY = dt.date(2026, 12, 3)


def _size() -> int:
    return int(os.environ.get("EVENTCHAT_BENCH_IMPORT_SIZE", str(DEFAULT_SIZE)).replace("_", ""))


def _chunks() -> list[int]:
    from eventchat.store.importers import CHUNK

    given = os.environ.get("EVENTCHAT_BENCH_IMPORT_CHUNKS", "")
    return [int(c.replace("_", "")) for c in given.split(",") if c.strip()] or [CHUNK]


def label(size: int) -> str:
    """200000 -> "200k"."""
    return f"{size // 10**6}M" if size % 10**6 == 0 else f"{size // 1000}k"


def events_file(size: int) -> Path:
    """The JSON Lines file of ``size`` generated events, written once and cached."""
    path = DATA_DIR / f"import-{size}-g{GENERATOR_VERSION}-s{SEED}.jsonl"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for event in generate(size):
                out.write(event.model_dump_json(exclude_none=True) + "\n")
        os.replace(tmp, path)
    return path


# -- the baseline: the import before streaming, copied as it was ------------------------------


def _old_parse_file(path: Path, today: dt.date) -> Any:
    """``parse_file`` before streaming: the whole file read, decoded, parsed, then returned."""
    from eventchat.errors import UsageError

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    return _old_parse_text(content, path, today)


def _old_parse_text(content: str, path: Path, today: dt.date) -> Any:
    """``parse_text`` before streaming, as it told the formats apart."""
    from eventchat.errors import UsageError
    from eventchat.store.importers import _json, html, ical, parse_text

    if ical.looks_like_ical(content) or html.looks_like_html(content):
        return parse_text(content, path, today=today)  # unchanged: read whole then and now
    try:
        payload: Any = json.loads(content)
    except RecursionError:
        raise UsageError(f"{path.name}: JSON nested too deeply to import") from None
    except ValueError:
        return _old_jsonl(content, path)
    return _json(payload, path)


def _old_jsonl(content: str, path: Path) -> Any:
    """``_jsonl`` before streaming: every line of the text in one list, then every record."""
    from eventchat.errors import UsageError
    from eventchat.store.importers import _jsonl_record
    from eventchat.store.importers.batch import ImportBatch, collect
    from eventchat.store.importers.native import FORMAT, jsonl_records

    lines = content.splitlines()
    first = next((line for line in lines if line.strip()), "")
    try:
        opening = json.loads(first)
    except (ValueError, RecursionError):
        opening = None
    if not isinstance(opening, dict):
        raise UsageError(f"{path.name} is not a format eventchat can import")
    return collect(ImportBatch(path, FORMAT), jsonl_records(path.name, lines), _jsonl_record)


def _old_run_import(database: str, paths: list[Path], today: dt.date) -> dict[str, int]:
    """``run_import`` before streaming: parse every file, then one write of every event."""
    from eventchat.errors import UsageError
    from eventchat.store import open_store

    batches = []
    for path in paths:
        try:
            batches.append(_old_parse_file(path, today))
        except UsageError as exc:
            sys.stderr.write(f"eventchat: skipped file: {exc}\n")
    for batch in batches:
        for error in batch.errors:
            sys.stderr.write(f"eventchat: skipped: {error}\n")
        sys.stderr.write(batch.summary() + "\n")
    store = open_store(database)
    try:
        imported = store.upsert([event for batch in batches for event in batch.events])
    finally:
        store.close()
    return {"imported": imported}


# -- one import in a child process ----------------------------------------------------------


def child(argv: list[str]) -> int:
    """``python -m bench.import_bench child old|new FILE DATABASE [CHUNK]``: one import, its
    lines on stderr as the command prints them, its seconds as one JSON line on stdout."""
    mode, file, database = argv[:3]
    began = time.perf_counter()
    if mode == "old":
        counts = _old_run_import(database, [Path(file)], TODAY)
    else:
        from eventchat.datacmd import run_import
        from eventchat.settings import Settings

        run_import(Settings(database=database, today=TODAY), [Path(file)], chunk=int(argv[3]))
        counts = {}
    print(json.dumps({"seconds": time.perf_counter() - began, **counts}))
    return 0


@dataclass(frozen=True)
class Run:
    """One child's import: seconds, peak resident memory, the summary line it printed."""

    seconds: float
    peak_mb: float
    line: str


def _spawn(*args: str) -> Run:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.import_bench", "child", *args],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, no one else's
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = err.read().splitlines()
        if proc.returncode != 0:
            raise RuntimeError(f"import child {args[0]} failed:\n" + "\n".join(lines[-20:]))
        result = json.loads(out.read().strip().splitlines()[-1])
    last = next((line for line in reversed(lines) if line.startswith("imported")), "")
    if "imported" in result:
        last = f"imported {result['imported']:,} events (one write)"
    return Run(result["seconds"], usage.ru_maxrss / 1024, last)  # ru_maxrss is KiB on Linux


def _throughput(size: int, run: Run) -> str:
    return f"{size / run.seconds:,.0f} events/s ({run.seconds:.1f} s)"


def _ratio(value: float) -> str:
    return f"{value:.2f}×"


def _verdict(peak_mb: float) -> str:
    met = "met" if peak_mb <= TARGET_PEAK_MB else "MISSED"
    return f"peak ≤ {TARGET_PEAK_MB} MB: {met}"


def _counts_check(run: Run, expected: str) -> str:
    return "counts right" if expected in run.line else f"COUNTS WRONG (want {expected!r})"


def _databases() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        n = 0
        while True:
            n += 1
            yield Path(tmp) / f"run{n}" / "events.sqlite3"


def run() -> list[Row]:
    """The table's rows."""
    size = _size()
    group = f"import {label(size)}"
    file = events_file(size)
    megabytes = file.stat().st_size / 1e6
    rows = [Row(group, "file", f"{size:,} events, {megabytes:.0f} MB of JSON Lines", "")]
    databases = _databases()
    base = _spawn("old", str(file), str(next(databases)))
    rows += [
        Row(
            group,
            "baseline (today: whole file, one write): throughput",
            _throughput(size, base),
            "",
        ),
        Row(group, "baseline: peak memory", f"{base.peak_mb:,.0f} MB", "", _verdict(base.peak_mb)),
    ]
    for chunk in _chunks():
        db = next(databases)
        new = _spawn("new", str(file), str(db), str(chunk))
        again = _spawn("new", str(file), str(db), str(chunk))
        what = f"streaming, {chunk:,} a write"
        rows += [
            Row(group, f"{what}: throughput", _throughput(size, new),
                _ratio(base.seconds / new.seconds), _counts_check(new, f"{size:,} new")),
            Row(group, f"{what}: peak memory", f"{new.peak_mb:,.0f} MB",
                _ratio(new.peak_mb / base.peak_mb), _verdict(new.peak_mb)),
            Row(group, f"{what}: re-import, all unchanged", _throughput(size, again),
                _ratio(base.seconds / again.seconds), _counts_check(again, f"{size:,} unchanged")),
            Row(group, f"{what}: re-import peak memory", f"{again.peak_mb:,.0f} MB",
                _ratio(again.peak_mb / base.peak_mb), _verdict(again.peak_mb)),
        ]  # fmt: skip
    rows.append(Row(group, "ratios", "throughput: baseline s / run s; memory: run / baseline", ""))
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        raise SystemExit(child(sys.argv[2:]))
    from bench.report import render

    print(render(run()))
