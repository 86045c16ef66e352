"""Run eventchat as a person does: a real process, stdin closed unless given, output captured."""

from __future__ import annotations

import subprocess
import sys


def run_eventchat(
    *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``eventchat ARGS`` to completion; the environment is the test's (isolated) one."""
    return subprocess.run(
        [sys.executable, "-m", "eventchat", *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_eventchat(*args: str) -> subprocess.Popen[str]:
    """``eventchat ARGS`` in the background, stdout and stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "eventchat", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
