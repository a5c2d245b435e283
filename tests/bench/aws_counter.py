"""Every AWS call the shop's functions make, counted with botocore's event hooks.

`AwsCalls.install()` makes every botocore client created afterwards register three handlers on
its own event system: `provide-client-params` (asks DynamoDB for ReturnConsumedCapacity=TOTAL
where the operation takes it and the caller did not ask), `before-call` (count, start the clock)
and `after-call` / `after-call-error` (stop it, read ConsumedCapacity). A call is attributed to the
function whose invocation makes it (`shop_local.lambda_runtime.aws_call_hooks.caller`: the local FunctionPool runs
each invocation on a thread named `lambda:<LogicalId>`), so consumers and pollers running meanwhile
never blur a route's figures.
Time spent inside calls also accumulates per thread, for the warm-cost benchmark.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shop_local.lambda_runtime.aws_call_hooks import caller, current_invocation, on_new_clients

READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
SERVICE_NAMES = {
    "dynamodb": "DynamoDB",
    "kms": "KMS",
    "sns": "SNS",
    "sqs": "SQS",
    "secretsmanager": "Secrets Manager",
    "sesv2": "SES",
    "ses": "SES",
    "dynamodbstreams": "DynamoDB Streams",
}


ItemKey = tuple[str, str, str]  # table (its logical name), pk, sk


def written_keys(operation: str, params: dict[str, Any]) -> tuple[ItemKey, ...]:
    """The items a DynamoDB write writes: Put, Update, Delete, and each of a transaction's or batch's."""

    def key(table: str, item: dict[str, Any]) -> ItemKey:  # every table's key is pk[/sk], or id
        first = item.get("pk") or item.get("id") or {}
        return table.rsplit("-", 1)[-1], str(first.get("S", "")), str(item.get("sk", {}).get("S", ""))

    if operation == "PutItem":
        return (key(params["TableName"], params["Item"]),)
    if operation in {"UpdateItem", "DeleteItem"}:
        return (key(params["TableName"], params["Key"]),)
    if operation == "TransactWriteItems":
        return tuple(
            key(body["TableName"], body.get("Item") or body["Key"])
            for element in params.get("TransactItems", [])
            for kind, body in element.items()
            if kind in {"Put", "Update", "Delete"}
        )
    if operation == "BatchWriteItem":
        return tuple(
            key(table, request.get("PutRequest", {}).get("Item") or request["DeleteRequest"]["Key"])
            for table, requests in params.get("RequestItems", {}).items()
            for request in requests
        )
    return ()


@dataclass(frozen=True)
class Call:
    function: str  # the function's logical id, or the name of the (non-Lambda) thread
    service: str  # as in SERVICE_NAMES' values
    operation: str
    seconds: float
    read_units: float
    write_units: float
    failed: bool
    units_by_target: tuple[tuple[str, float], ...] = ()  # ("OrdersTable/gsi2", 2.0): table or index
    principal: str = "system"  # whom the invocation's request was for (aws_call_hooks.principal_of)
    written: tuple[ItemKey, ...] = ()  # the DynamoDB items a write call writes

    @property
    def label(self) -> str:
        return f"{self.service}.{self.operation}"


def _consumed(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    consumed = parsed.get("ConsumedCapacity")
    return consumed if isinstance(consumed, list) else [consumed] if consumed else []


def _units(parsed: dict[str, Any]) -> float:
    return float(sum(float(item.get("CapacityUnits") or 0) for item in _consumed(parsed)))


def _units_by_target(parsed: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    """INDEXES detail: the table's own units and each index's (a stack's table names lose their prefix)."""
    found: list[tuple[str, float]] = []
    for item in _consumed(parsed):
        table = str(item.get("TableName", "?")).rsplit("-", 1)[-1]
        if "Table" not in item:
            found.append((table, float(item.get("CapacityUnits") or 0)))
            continue
        found.append((table, float(item["Table"].get("CapacityUnits") or 0)))
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            for index, units in (item.get(kind) or {}).items():
                found.append((f"{table}/{index}", float(units.get("CapacityUnits") or 0)))
    return tuple(found)


class AwsCalls:
    """The calls recorded so far; `mark()` and `since(mark)` bracket a request."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._installed = False

    # ------------------------------------------------------------- reading
    def mark(self) -> int:
        with self._lock:
            return len(self._calls)

    def since(self, mark: int, function: str | None = None) -> list[Call]:
        with self._lock:
            recent = self._calls[mark:]
        return [call for call in recent if function is None or call.function == function]

    def thread_seconds(self) -> float:
        """Seconds this thread has spent inside AWS calls (a running total)."""
        return float(getattr(self._local, "seconds", 0.0))

    # ------------------------------------------------------------- hooks
    def install(self) -> None:
        """From now on, every botocore client (boto3's included) reports its calls here."""
        if self._installed:
            return
        self._installed = True
        on_new_clients(self.attach)

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("provide-client-params.*.*", self._ask_capacity)
        events.register("before-parameter-build.dynamodb.*", self._remember_written)
        events.register("before-call.*.*", self._before)
        events.register("after-call.*.*", self._after)
        events.register("after-call-error.*.*", self._after_error)

    @staticmethod
    def _ask_capacity(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.service_model.service_name != "dynamodb":
            return
        if "ReturnConsumedCapacity" in model.input_shape.members and "ReturnConsumedCapacity" not in params:
            params["ReturnConsumedCapacity"] = "INDEXES"

    @staticmethod
    def _remember_written(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.name in WRITES:  # the API's own parameters (before-call sees the serialised request)
            context["bench_written"] = written_keys(model.name, params)

    @staticmethod
    def _before(model: Any, context: dict[str, Any], **_: Any) -> None:
        context["bench_started"] = time.perf_counter()
        context["bench_model"] = model  # after-call-error is not given the model

    def _after(
        self, http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        status = getattr(http_response, "status_code", 200)
        self._record(model, context, parsed if isinstance(parsed, dict) else {}, failed=status >= 400)

    def _after_error(self, context: dict[str, Any], **_: Any) -> None:
        model = context["bench_model"]
        self._record(model, context, {}, failed=True)

    def _record(self, model: Any, context: dict[str, Any], parsed: dict[str, Any], failed: bool) -> None:
        started = context.pop("bench_started", None)
        seconds = time.perf_counter() - started if started is not None else 0.0
        self._local.seconds = self.thread_seconds() + seconds
        service = model.service_model.service_name
        operation = model.name
        units = _units(parsed)
        running = current_invocation()
        call = Call(
            function=caller(),
            service=SERVICE_NAMES.get(service, service),
            operation=operation,
            seconds=seconds,
            read_units=units if operation in READS else 0.0,
            write_units=units if operation in WRITES else 0.0,
            failed=failed,
            units_by_target=_units_by_target(parsed) if units else (),
            principal=running.principal if running is not None else "system",
            written=context.pop("bench_written", ()),
        )
        with self._lock:
            self._calls.append(call)


def by_service(calls: Iterable[Call]) -> Counter[str]:
    return Counter(call.service for call in calls)


def by_operation(calls: Iterable[Call]) -> Counter[str]:
    return Counter(call.label for call in calls)
