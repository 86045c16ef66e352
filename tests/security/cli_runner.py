"""Run the eventchat CLI in-process (click's CliRunner): stdout, stderr and the exit code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from typer.testing import CliRunner

from eventchat.cli import app


@dataclass(frozen=True)
class Outcome:
    """What one CLI run left behind."""

    code: int
    stdout: str
    stderr: str
    exception: BaseException | None


# The scripted model server runs in a thread of this process; when eventchat drops a connection
# mid-reply (a malformed chunk), socketserver reports it on sys.stderr, which CliRunner has
# swapped for eventchat's: that report is the test server's, not eventchat's output.
_SERVER_REPORT = re.compile(
    r"-{40}\nException occurred during processing of request from [^\n]*\n"
    r"(?:(?:Traceback|  |\S+Error|\S+Exception)[^\n]*\n)*(?:-{40}\n)?"
)


def invoke(*args: str) -> Outcome:
    """``eventchat ARGS`` in this process, with the test's (isolated) environment."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=True)
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    stderr = _SERVER_REPORT.sub("", result.stderr)
    return Outcome(result.exit_code, result.stdout, stderr, exception)
