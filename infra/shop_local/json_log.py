"""The local cloud's own log lines (access log, cold starts, poller events): one JSON object per line.

Written whole under a lock, because request threads and pollers log at the same time and
interleaved halves of two lines are useless to anyone reading or parsing the log.
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime
from typing import Any

_lock = threading.Lock()


def emit(**fields: Any) -> None:
    """Write one line to stderr; callers never pass bodies, tokens or Authorization headers."""
    line = json.dumps({"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **fields}, default=str)
    with _lock:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
