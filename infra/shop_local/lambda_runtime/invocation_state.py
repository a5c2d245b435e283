"""powertools' per-process state, kept per invocation: Lambda gives each container a process of its
own, the local shop runs every function's containers as threads of one process.

- Logger keys. `inject_lambda_context` appends the function's name, ARN and request id to the one
  formatter that every `Logger(service=...)` of a service shares, so two functions running at once
  log each other's names, and a function that logs outside it logs the last one's. Each
  invocation's thread gets its own Lambda context as powertools' thread-local keys, which win
  over the shared ones.
- Metrics. Every `Metrics` of the process adds to one metric set: two invocations flushing at once
  would print each other's metrics, or fail while iterating a set another thread adds to. Each
  thread gets its own sets (an invocation runs in a thread of its own: `FunctionPool.invoke`).
- Cold start. powertools has one cold-start flag per process: a new container's first invocation
  is a cold start again (its `cold_start` log key exactly; the ColdStart metric, which reads the
  process flag, unless another function's invocation ends first).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging.formatter import set_context_keys
from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
from aws_lambda_powertools.metrics.provider import cold_start
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

_SLOTS = "_shop_local_per_thread"
_installing = threading.Lock()


class _PerThread:
    """A data descriptor: the calling thread's own value, `factory(instance)` at its first read."""

    def __init__(self, name: str, factory: Callable[[Any], Any]) -> None:
        self.name, self.factory = name, factory

    @staticmethod
    def _slots(instance: Any) -> threading.local:
        slots = instance.__dict__.get(_SLOTS)
        return slots if slots is not None else instance.__dict__.setdefault(_SLOTS, threading.local())

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        slots = self._slots(instance)
        try:
            return getattr(slots, self.name)
        except AttributeError:
            value = self.factory(instance)
            setattr(slots, self.name, value)
            return value

    def __set__(self, instance: Any, value: Any) -> None:
        setattr(self._slots(instance), self.name, value)


def _default_dimensions(provider: Any) -> dict[str, str]:
    return {name: str(value) for name, value in dict(provider.default_dimensions).items()}


_METRIC_STATE: dict[str, Callable[[Any], Any]] = {
    "metric_set": lambda _: {},
    "dimension_set": _default_dimensions,
    "metadata_set": lambda _: {},
    "dimension_sets": lambda _: [],
}


def install() -> None:
    """Idempotent; before invocations run in threads of this process."""
    with _installing:
        for name, factory in _METRIC_STATE.items():
            if not isinstance(AmazonCloudWatchEMFProvider.__dict__.get(name), _PerThread):
                setattr(AmazonCloudWatchEMFProvider, name, _PerThread(name, factory))


def begin_invocation(context: Any, cold: bool) -> None:
    """In the invocation's own thread, before the handler runs: the keys that powertools'
    `inject_lambda_context` would log for this context, and this container's cold start."""
    if cold:
        cold_start.is_cold_start = True
    keys: dict[str, Any] = {"cold_start": cold, **build_lambda_context_model(context).__dict__}
    set_context_keys(**keys)  # powertools annotates each value as a dict; any value goes
