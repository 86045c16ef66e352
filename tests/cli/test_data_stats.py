"""``eventchat data stats`` over the real bundled database."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.cli import run_eventchat


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_eventchat("data", "stats", *args)


def test_stats_text_names_counts_range_and_upcoming(bundled_database: Path) -> None:
    done = run("--database", str(bundled_database))
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert first.split()[1] == "events"
    assert "upcoming on" in first
    assert any(line.startswith("countries: US ") for line in rest)
    assert any(line.startswith("sources:   confs.tech ") for line in rest)


def test_stats_json_is_consistent(bundled_database: Path) -> None:
    done = run("--json", "--database", str(bundled_database))
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert stats["events"] == sum(stats["by_source"].values())
    assert stats["events"] == sum(stats["by_year"].values())
    assert 0 <= stats["upcoming"] <= stats["events"]
    assert stats["first_start"] <= stats["last_start"]
    assert stats["by_country"]["DE"] > 0
