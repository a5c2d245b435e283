"""Traces, metrics and the Lambda context in the logs, for every function, from one place.

`observed` is what makes a function's handler: powertools' Logger context (function name, request
id, cold start), Tracer (a subsegment per invocation, boto3 calls traced) and Metrics (everything
counted during the invocation flushed as one EMF line at its end, plus the ColdStart metric).
API functions get it through `shop.api.lambda_entry`; the others put `@observed` on their handler.
Its first invocation also ends the garbage collector's pause of the init (`shop.init_phase`).

Business metrics are counted with `count` where the fact is known (a service, a handler). They are
Count metrics in the POWERTOOLS_METRICS_NAMESPACE namespace with one dimension, `service`
(POWERTOOLS_SERVICE_NAME), so that alarms can name them exactly; powertools' ColdStart metric
also carries `function_name`.

Outside Lambda (the local shop, the tests) powertools turns the Tracer into a no-op by itself (no
LAMBDA_TASK_ROOT, or POWERTOOLS_TRACE_DISABLED). Responses are never put on traces: they hold
tokens and personal data.
"""

from __future__ import annotations

import functools
import gc
import os
import warnings
from collections.abc import Callable
from typing import Any, Literal, overload

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from shop import deadline

NAMESPACE, SERVICE = "ServerlessShop", "shop"  # the template's Globals, for when they are not set

BusinessMetric = Literal[
    "OrdersCreated",  # checkout committed an order (PENDING_PAYMENT, stock reserved)
    "OutOfStockRefusals",  # checkout refused: a line had too little stock
    "PaymentsSucceeded",  # a charge approved and recorded on its order
    "PaymentsFailed",  # a card declined (the order stays payable)
    "PaymentsVoided",  # an approved charge whose order had moved on, refunded at once
    "OrdersCancelled",  # by the customer or an admin
    "RefundsPending",  # a paid order was cancelled: a refund is owed
    "RefundsCompleted",  # the gateway returned the money and the payment is REFUNDED
    "ReservationsExpired",  # the sweep cancelled an unpaid order whose reservation ended
    "EmailsSent",  # a customer email accepted by SES
    "EmailsFailed",  # a send that failed (its SQS record comes back)
    "LoginFailures",  # wrong email or password, or a disabled account
    "RateLimited",  # a per-client limit refused a registration, guest token or login
    "TokenReuseDetected",  # a rotated refresh token came back: its family is revoked
    "UsersRegistered",  # a customer account was created
    "AccessTokensRefused",  # the authorizer refused a bearer token (401)
    "OrderEventsPublished",  # order events the stream publisher put on the bus
]

Handler = Callable[[dict[str, Any], Any], Any]

# Most invocations (reads) count nothing, which is normal: powertools would warn about each.
warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)

logger = Logger(service=SERVICE)
tracer = Tracer(service=os.getenv("POWERTOOLS_SERVICE_NAME") or SERVICE, patch_modules=["boto3"])
metrics = Metrics(
    namespace=os.getenv("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE,
    service=os.getenv("POWERTOOLS_SERVICE_NAME") or SERVICE,
)


def count(metric: BusinessMetric, value: int = 1) -> None:
    """Count a business fact in this invocation's metrics (flushed when the handler returns)."""
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=value)


@overload
def observed(handler: Handler, *, correlation_id_path: str | None = None) -> Handler: ...
@overload
def observed(
    handler: None = None, *, correlation_id_path: str | None = None
) -> Callable[[Handler], Handler]: ...


def observed(
    handler: Handler | None = None, *, correlation_id_path: str | None = None
) -> Handler | Callable[[Handler], Handler]:
    """`@observed` or `@observed(correlation_id_path=...)` on a Lambda handler."""
    if handler is None:
        return lambda given: observed(given, correlation_id_path=correlation_id_path)
    measured = metrics.log_metrics(handler, capture_cold_start_metric=True)
    traced = tracer.capture_lambda_handler(measured, capture_response=False)
    made: Handler = logger.inject_lambda_context(traced, correlation_id_path=correlation_id_path)

    @functools.wraps(made)
    def within_deadline(event: Any, context: Any) -> Any:
        if not gc.isenabled():
            _end_init_phase()
        with deadline.invocation(context):
            return made(event, context)

    return within_deadline


def _end_init_phase() -> None:
    """The first invocation of a function loaded with the collector paused (`shop.init_phase`): what
    the init made is kept out of the collector's scans from now on, and the collector runs again."""
    gc.freeze()
    gc.enable()
