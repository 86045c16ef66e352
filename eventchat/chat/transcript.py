"""The transcript log (``log_file``): model requests and responses and tool calls, as JSON lines.

One JSON object per line, appended, each with its ``time`` and ``type``: ``turn`` (the person's
text), ``request`` (model, messages, tools and parameters as sent), ``response`` (text, tool
calls, finish reason, usage, seconds), ``error`` and ``tool`` (name, arguments, result, seconds).
Requests are logged from their parameters, never their headers, so the Authorization header is
never written; any secret handed in (the API key) is masked wherever it appears, even in text the
person typed. A failure to write warns once and the chat goes on without the log.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

MASK = "****"


def _warn_on_stderr(message: str) -> None:
    print(message, file=sys.stderr)


class Transcript:
    """Appends records to ``path``; never raises."""

    def __init__(
        self,
        path: Path,
        *,
        secrets: Iterable[str] = (),
        warn: Callable[[str], None] = _warn_on_stderr,
    ) -> None:
        self.path = path
        self.secrets = [s for s in secrets if s]
        self.warn = warn
        self.failed = False

    def write(self, kind: str, **fields: Any) -> None:
        """Append one record of type ``kind``."""
        if self.failed:
            return
        record = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")}
        record |= {"type": kind, **fields}
        line = json.dumps(record, ensure_ascii=False, default=str)
        for secret in self.secrets:
            line = line.replace(secret, MASK)
        try:
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            self.failed = True
            self.warn(
                f"eventchat: cannot write the transcript to {self.path} "
                f"({exc.strerror or exc}) — going on without it; check log_file"
            )
