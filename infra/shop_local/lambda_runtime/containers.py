"""Warm "containers" per function, one request at a time each, as Lambda runs them.

Powertools resolvers keep the current event on module globals, so one loaded handler module must
never serve two requests at once. Each function gets a pool of independently loaded modules,
created lazily up to a limit; a container that timed out is abandoned (Lambda would kill it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from shop_local.json_log import emit as _log
from shop_local.lambda_runtime import invocation_state, router_isolation
from shop_local.lambda_runtime.functions import FunctionSpec, Handler, LambdaContext, load_handler

Loader = Callable[[FunctionSpec], Handler]
MAX_CONTAINERS = 16


class FunctionFailed(RuntimeError):
    """The function raised, could not be loaded, or ran past its Timeout."""


class FunctionTimeout(FunctionFailed):
    pass


class FunctionPool:
    """The containers of one function."""

    def __init__(
        self, spec: FunctionSpec, loader: Loader = load_handler, limit: int = MAX_CONTAINERS
    ) -> None:
        router_isolation.install()  # powertools' current event, one per process otherwise
        invocation_state.install()  # its metric sets too; its logger keys and cold start: invoke
        self.spec, self._loader, self._limit = spec, loader, limit
        self._free: list[Handler] = []
        self._count = 0
        self._changed = threading.Condition()

    @property
    def containers(self) -> int:
        return self._count

    def _acquire(self) -> tuple[Handler, bool]:
        """A free container, or a new one (True: its first invocation is a cold start)."""
        with self._changed:
            while not self._free and self._count >= self._limit:
                self._changed.wait()
            if self._free:
                return self._free.pop(), False
            self._count += 1
        started = time.monotonic()
        try:
            handler = self._loader(self.spec)
        except BaseException as exc:
            self._release(None)
            raise FunctionFailed(f"{self.spec.logical_id}: init failed: {type(exc).__name__}: {exc}") from exc
        init_ms = round((time.monotonic() - started) * 1000, 1)
        _log(
            event="cold_start",
            function=self.spec.logical_id,
            function_name=self.spec.function_name,
            init_ms=init_ms,
            containers=self._count,
        )
        return handler, True

    def _release(self, handler: Handler | None) -> None:
        """Put a container back, or (None) forget one so that a fresh one can be loaded."""
        with self._changed:
            if handler is None:
                self._count -= 1
            else:
                self._free.append(handler)
            self._changed.notify()

    def invoke(self, event: dict[str, Any], arn: str = "") -> Any:
        handler, cold = self._acquire()
        context = LambdaContext.for_function(self.spec, arn)
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                invocation_state.begin_invocation(context, cold)
                outcome["result"] = handler(event, context)
            except BaseException as exc:  # noqa: BLE001 - reported to the caller below
                outcome["error"] = exc

        worker = threading.Thread(target=run, name=f"lambda:{self.spec.logical_id}", daemon=True)
        worker.start()
        worker.join(self.spec.timeout)
        if worker.is_alive():
            self._release(None)
            raise FunctionTimeout(f"{self.spec.logical_id}: Task timed out after {self.spec.timeout} seconds")
        self._release(handler)
        if "error" in outcome:
            error = outcome["error"]
            raise FunctionFailed(f"{self.spec.logical_id}: {type(error).__name__}: {error}") from error
        return outcome.get("result")


class Functions:
    """Every function of the stack by logical id; what the gateway and the pollers invoke."""

    def __init__(
        self, specs: Iterable[FunctionSpec], loader: Loader = load_handler, limit: int = MAX_CONTAINERS
    ):
        self.pools = {spec.logical_id: FunctionPool(spec, loader, limit) for spec in specs}

    def spec(self, logical_id: str) -> FunctionSpec:
        return self.pools[logical_id].spec

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        pool = self.pools.get(logical_id)
        if pool is None:
            raise FunctionFailed(f"no function {logical_id!r} in the template")
        return pool.invoke(event)
