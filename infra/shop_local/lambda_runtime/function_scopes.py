"""Each function its own composition root, as each Lambda function has its own process.

The local shop runs every function in one process, so the core's builders (`shop.bootstrap`, each
cached: "built once per cold start") would hand every function the same services,
with their caches: a data key that one function had KMS decrypt, or a secret one function read,
would serve every other function without a call of its own. The IAM check must see each function
make its own calls, so with it on, every cached builder of `shop.bootstrap` keeps one cache per
function (code running as no function, such as test code or the seeder, shares the original one).
`cache_clear` on a builder still clears it for everyone; a call with arguments (a test's fakes) is
never cached.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from shop_local.lambda_runtime.aws_call_hooks import current_invocation

_installing = threading.Lock()


class PerFunction:
    """A cached builder with one cache per function (by physical name)."""

    def __init__(self, shared: Any) -> None:
        functools.update_wrapper(self, shared, updated=())  # the builder's own cache_clear stays its own
        self.shared = shared
        self._scopes: dict[str, Callable[..., Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        invocation = current_invocation()
        if invocation is None or not invocation.function_name or args or kwargs:
            return self.shared(*args, **kwargs)  # a call with collaborators (fakes) is never cached
        scoped = self._scopes.get(invocation.function_name)
        if scoped is None:
            with self._lock:
                scoped = self._scopes.setdefault(
                    invocation.function_name, functools.cache(self.shared.__wrapped__)
                )
        return scoped(*args, **kwargs)

    def cache_clear(self) -> None:
        self.shared.cache_clear()
        with self._lock:
            self._scopes.clear()


def install() -> None:
    """From now on, handlers loaded get per-function builders (idempotent)."""
    from shop import bootstrap

    with _installing:
        for name, value in list(vars(bootstrap).items()):
            cached = callable(value) and hasattr(value, "cache_clear") and hasattr(value, "__wrapped__")
            if cached and not isinstance(value, PerFunction):
                setattr(bootstrap, name, PerFunction(value))
