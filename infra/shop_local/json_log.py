"""The local cloud's own log lines (access log, cold starts, poller events): one JSON object per line.

Written whole under a lock, because request threads and pollers log at the same time and
interleaved halves of two lines are useless to anyone reading or parsing the log. The running shop
also routes its functions' output through `WholeLines` (`whole_lines()`): `print` writes a line and
its newline in two calls, and with unbuffered output another thread's line can land between them.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from datetime import UTC, datetime
from typing import Any, TextIO

_lock = threading.RLock()


def emit(**fields: Any) -> None:
    """Write one line to stderr; callers never pass bodies, tokens or Authorization headers."""
    line = json.dumps({"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **fields}, default=str)
    with _lock:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


class WholeLines(io.TextIOBase):
    """A text stream that passes on only whole lines, each under the log lock.

    What a thread writes is held (per thread) until its newline arrives; `flush` passes on the
    calling thread's unfinished line as it is, so a prompt still shows.
    """

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self._target = target
        self._pending = threading.local()

    def write(self, text: str) -> int:
        held: str = getattr(self._pending, "text", "") + text
        lines, newline, rest = held.rpartition("\n")
        self._pending.text = rest
        if newline:
            self._pass_on(lines + newline)
        return len(text)

    def flush(self) -> None:
        held: str = getattr(self._pending, "text", "")
        self._pending.text = ""
        self._pass_on(held)

    def _pass_on(self, text: str) -> None:
        with _lock:
            if text:
                self._target.write(text)
            self._target.flush()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._target.fileno()

    def isatty(self) -> bool:
        return self._target.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._target.encoding


def whole_lines() -> None:
    """From now on, stdout and stderr pass on whole lines only (the running local shop)."""
    if not isinstance(sys.stdout, WholeLines):
        sys.stdout = WholeLines(sys.stdout)
    if not isinstance(sys.stderr, WholeLines):
        sys.stderr = WholeLines(sys.stderr)
