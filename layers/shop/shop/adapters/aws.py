"""boto3 clients, one per service per process (cold start), with endpoints from the standard settings.

boto3 reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> itself, so the same code talks to the
embedded emulator, LocalStack or AWS.

The retry policy, one for every call: botocore's standard mode, at most 3 attempts, 1 s to connect
and 5 s to read, full-jitter backoff (DynamoDB's non-throttling base 25 ms, throttling's 1 s: at
most 1 s then 2 s of waiting); and a retry is only sent if it can end before the invocation's
timeout (`stop_retrying_in_time`), so that no retrying outlasts a function. The services' own loops
on top (a busy transaction sent again, an audit entry that lost its place, an order that changed
under a payment) are bounded by count, each a few attempts with jittered waits of milliseconds;
docs/decisions/retry-policy.md adds them up.

botocore's standard retry mode retries throttling and 5xx answers, but not DynamoDB's
TransactionConflictException: the answer to a single-item write (PutItem, UpdateItem, DeleteItem)
that met a transaction in flight on the same item. The write was refused, not applied, so it is
retried here like a throttled one (same budget of retries, full-jitter backoff); hot items such as a
product's stock (inventory adjustments racing checkouts) otherwise turn a race into a 500.

Every TransactWriteItems carries a ClientRequestToken: botocore fills it in, once per call (the
parameter is an idempotency token in the service model), so botocore's own resends of that call
after a read timeout whose answer was lost carry the same token, and DynamoDB applies a committed
transaction once and answers the resend with success instead of failing its conditions against
its own writes. A deliberate new attempt after a cancellation is a new call with a new token. The
embedded emulator honours the token too (shop_local.engines.moto_request_tokens).

Every client comes from one boto3 session, so that the data they share (endpoints, partitions,
retry and default settings) is loaded once per cold start, not once per client: about 45 ms for
each client after the first. A session is not safe to make clients from in two threads at once
(the local shop loads containers in parallel), hence the lock.

The session's model loader (`ServiceModels`) skips one step of botocore's: before loading a
service's model, botocore lists every service it knows (about 440 folders, each opened, once for
the API model and once for the endpoint rules) only to refuse an unknown name. That listing is
about 20 ms of every cold start; here it is read only when the model is not found, to word the
same UnknownServiceError. The models loaded are botocore's own, unchanged.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, DataNotFoundError
from botocore.loaders import ExtrasProcessor, Loader, instance_cache

from shop import deadline

MAX_ATTEMPTS = 3  # a call is sent at most 3 times (botocore's standard mode, `total_max_attempts`)
CONNECT_TIMEOUT, READ_TIMEOUT = 1, 5
ATTEMPT_SECONDS = deadline.ATTEMPT_SECONDS  # at least CONNECT_TIMEOUT + READ_TIMEOUT (tests/unit)
_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    connect_timeout=CONNECT_TIMEOUT,
    read_timeout=READ_TIMEOUT,
    tcp_keepalive=True,
)
_CONFLICT_BASE_SECONDS = 0.025  # botocore's base for DynamoDB's non-throttling retries


class OutOfTime(BotoCoreError):
    """A retry that could not end before the invocation's timeout was not sent."""

    fmt = "No retry of {operation}: {seconds_left:.1f} s left in this invocation"


def stop_retrying_in_time(request: Any, **_: Any) -> None:
    """A `before-send` hook: a retry is sent only if it can end before the invocation times out, so
    that the function answers (and a transaction's outcome is looked up) instead of being killed
    mid-call. The first attempt is always sent."""
    retries = (getattr(request, "context", None) or {}).get("retries") or {}
    left = deadline.seconds_left()
    if retries.get("attempt", 1) > 1 and left is not None and left < ATTEMPT_SECONDS:
        raise OutOfTime(operation=request.url.rsplit("/", 1)[-1] or "the call", seconds_left=left)


def retry_transaction_conflicts(attempts: int, response: Any = None, **_: Any) -> float | None:
    """A `needs-retry.dynamodb` hook: the delay before another attempt, or None (not ours to retry)."""
    if response is None or attempts >= MAX_ATTEMPTS:
        return None
    if response[1].get("Error", {}).get("Code") != "TransactionConflictException":
        return None
    return random.uniform(0, _CONFLICT_BASE_SECONDS * 2**attempts)  # noqa: S311 - jitter, not crypto


class ServiceModels(Loader):
    """botocore's loader, without listing every known service before each model it loads."""

    @instance_cache
    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        try:
            version = api_version or self.determine_latest_version(service_name, type_name)
            model = self.load_data(os.path.join(service_name, version, type_name))
        except DataNotFoundError:  # botocore's own path: the listing, and its UnknownServiceError
            return super().load_service_model(service_name, type_name, api_version)
        ExtrasProcessor().process(model, self._extras(service_name, version, type_name))
        return model

    def _extras(self, service_name: str, version: str, type_name: str) -> Iterator[Any]:
        """The model's extras files (`service-2.sdk-extras.json`...), merged in as botocore merges them."""
        for extras_type in self.extras_types:
            try:
                yield self.load_data(os.path.join(service_name, version, f"{type_name}.{extras_type}-extras"))
            except DataNotFoundError:
                continue


def _core_session() -> botocore.session.Session:
    """A botocore session whose loader is `ServiceModels`, with the search path botocore's own would
    have (AWS_DATA_PATH's folders first)."""
    core = botocore.session.get_session()
    data_path = core.get_config_variable("data_path")
    extra = (
        [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)] if data_path else []
    )
    core.register_component("data_loader", ServiceModels(extra_search_paths=extra))
    return core


_making = threading.Lock()


@cache
def session() -> boto3.session.Session:
    """The process's session (its credentials resolved at the first client); cleared with `client`'s
    cache by whoever changes the environment (shop_local.runtime.apply_environment)."""
    return boto3.session.Session(botocore_session=_core_session())


@cache
def client(service: str) -> Any:
    with _making:
        made = session().client(service, config=_CONFIG)  # type: ignore[call-overload]
    if service == "dynamodb":
        made.meta.events.register("needs-retry.dynamodb", retry_transaction_conflicts)
    made.meta.events.register("before-send", stop_retrying_in_time)
    return made


class LazyClient:
    """`client(service)`, made at its first use: for the services that only some requests of a
    function call (KMS, Secrets Manager, SES), so that the others do not load the service's model
    at cold start."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(client(self.service), name)


def lazy_client(service: str) -> Any:
    return LazyClient(service)
