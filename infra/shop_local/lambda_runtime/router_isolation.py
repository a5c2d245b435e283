"""One request's event per thread in powertools' resolvers, so that concurrent containers stay apart.

Powertools keeps the event being resolved on the BaseRouter class (`BaseRouter.current_event =
...` in every resolve), one slot per process. In Lambda a process serves one request at a time;
the local shop runs many containers as threads of one process, so a handler could read another
request's event, hence another caller's principal, body or Idempotency-Key (seen: 3 in 2,000
requests from 32 threads). Here both slots become per-thread, on the class (what resolve writes
and Router reads) and on instances (what the resolver's own code reads); each invocation runs in
its own thread (FunctionPool), which is then what one Lambda process is.
"""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

_SLOTS = ("current_event", "lambda_context")
_state = threading.local()
_installing = threading.Lock()


class _PerThread:
    """A data descriptor whose value belongs to the calling thread."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        try:
            return getattr(_state, self.name)
        except AttributeError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(_state, self.name, value)


def install() -> None:
    """Idempotent; call before resolvers run concurrently in threads of this process."""
    with _installing:
        meta = type(BaseRouter)
        if all(isinstance(meta.__dict__.get(name), _PerThread) for name in _SLOTS):
            return
        for name in _SLOTS:  # instance reads (self.current_event) go through the class's own dict
            setattr(BaseRouter, name, _PerThread(name))
        per_thread = {name: _PerThread(name) for name in _SLOTS}  # class reads and writes: the metaclass
        BaseRouter.__class__ = type(f"PerThread{meta.__name__}", (meta,), per_thread)  # type: ignore[method-assign]
