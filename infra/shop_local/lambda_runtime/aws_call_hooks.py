"""Which function is making an AWS call, and a hook on every botocore client created from now on.

Shared by the benchmarks' call counter and the IAM check. A call belongs to the function whose
code is running on the calling thread: `load_handler` runs a handler module's cold start as that
function and wraps the handler so that its invocations are known (on the FunctionPool's
`lambda:<LogicalId>` threads and when a test calls a handler directly alike); a thread named
`lambda:<LogicalId>` with no such invocation (a test's own loader) still counts as that function. Test code, the provisioner, the seeder and the pollers are
no function.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import botocore.session

LAMBDA_THREAD_PREFIX = "lambda:"


@dataclass(frozen=True)
class Invocation:
    logical_id: str
    function_name: str  # the physical name: tells the functions of two stacks apart
    principal: str = "system"  # who the request is for: its authorizer's principal, else "anonymous"


def principal_of(event: Any) -> str:
    """The principal an API event runs for (its authorizer's), "anonymous" for an API event without
    one, "system" for queue, stream and schedule events."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    if not isinstance(context, dict):
        return "system"
    authorizer = context.get("authorizer")
    found = authorizer.get("principalId") if isinstance(authorizer, dict) else None
    return str(found) if found else "anonymous"


_running: ContextVar[Invocation | None] = ContextVar("shop_local_invocation", default=None)
_attachers: list[Callable[[Any], None]] = []
_installing = threading.Lock()


def current_invocation() -> Invocation | None:
    """The function invocation running on this thread, if any."""
    running = _running.get()
    if running is not None:
        return running
    name = threading.current_thread().name
    if name.startswith(LAMBDA_THREAD_PREFIX):
        logical_id = name.removeprefix(LAMBDA_THREAD_PREFIX)
        return Invocation(logical_id, "")
    return None


def caller() -> str:
    """The calling function's logical id, else the thread's name (the benchmarks' attribution)."""
    running = current_invocation()
    return running.logical_id if running is not None else threading.current_thread().name


@contextmanager
def running(logical_id: str, function_name: str) -> Iterator[None]:
    """What runs inside is that function's (its cold start, or an invocation)."""
    token = _running.set(Invocation(logical_id, function_name))
    try:
        yield
    finally:
        _running.reset(token)


def attributed(logical_id: str, function_name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """`handler`, running as the invocation of that function while it runs."""

    @functools.wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        token = _running.set(Invocation(logical_id, function_name, principal_of(event)))
        try:
            return handler(event, context)
        finally:
            _running.reset(token)

    return invoke


def on_new_clients(attach: Callable[[Any], None]) -> None:
    """Call `attach(client)` for every botocore client (boto3's included) created from now on."""
    with _installing:
        if attach in _attachers:
            return
        if not _attachers:
            _patch_create_client()
        _attachers.append(attach)


def _patch_create_client() -> None:
    original = botocore.session.Session.create_client

    def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(session, *args, **kwargs)
        for attach in list(_attachers):
            attach(client)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign, assignment]
