"""Each invocation's wall time, split into time inside AWS calls, password hashing and the rest.

The rest is "the handler's own time": what the function spends in Python (validation, models,
domain rules, serialisation, logging) that no faster database would save. Handlers are wrapped
by the FunctionPool's loader, so every container of every function is measured; Argon2 is
measured by wrapping `shop.domain.passwords`' three hashing functions, which the auth service
calls through the module.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_counter import AwsCalls

from shop_local.lambda_runtime.aws_call_hooks import caller
from shop_local.lambda_runtime.functions import FunctionSpec, Handler, load_handler

HASHING = ("hash_password", "verify_password", "spend_verification_time")


@dataclass(frozen=True)
class Invocation:
    function: str
    wall_ms: float
    aws_ms: float
    hashing_ms: float

    @property
    def own_ms(self) -> float:
        return max(0.0, self.wall_ms - self.aws_ms - self.hashing_ms)


class Invocations:
    def __init__(self, calls: AwsCalls) -> None:
        self._calls = calls
        self._done: list[Invocation] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def mark(self) -> int:
        with self._lock:
            return len(self._done)

    def since(self, mark: int, function: str | None = None) -> list[Invocation]:
        with self._lock:
            recent = self._done[mark:]
        return [i for i in recent if function is None or i.function == function]

    def loader(self, spec: FunctionSpec) -> Handler:
        """A FunctionPool loader: the real handler, timed."""
        handler = load_handler(spec)

        def timed(event: dict[str, Any], context: Any) -> Any:
            aws_before, hashing_before = self._calls.thread_seconds(), self._hashing()
            started = time.perf_counter()
            try:
                return handler(event, context)
            finally:
                wall = time.perf_counter() - started
                done = Invocation(
                    function=caller(),
                    wall_ms=wall * 1000,
                    aws_ms=(self._calls.thread_seconds() - aws_before) * 1000,
                    hashing_ms=(self._hashing() - hashing_before) * 1000,
                )
                with self._lock:
                    self._done.append(done)

        return timed

    def _hashing(self) -> float:
        return float(getattr(self._local, "seconds", 0.0))

    def measure_password_hashing(self) -> None:
        from shop.domain import passwords

        for name in HASHING:
            original = getattr(passwords, name)
            if getattr(original, "bench_timed", False):
                continue
            setattr(passwords, name, self._timed(original))

    def _timed(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._local.seconds = self._hashing() + time.perf_counter() - started

        timed.bench_timed = True  # type: ignore[attr-defined]
        return timed
