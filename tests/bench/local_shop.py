"""The whole local shop in the benchmark's own process, so that botocore hooks see every call.

Same parts as `python -m shop_local run` (emulator, template provisioned, FunctionPool containers,
gateway with the real Lambda authorizers, SQS/stream/schedule pollers), with two differences:
requests go to the gateway's WSGI app directly (no socket, no HTTP server threads competing for
the two cores), and handlers are loaded through a timing wrapper. With `dynamodb_url` (DynamoDB
Local, the real engine) DynamoDB goes there and its ConsumedCapacity figures are real; moto's are
placeholders (a constant 1 or 0.5 per call).
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from aws_counter import AwsCalls
from handler_timing import Invocations
from werkzeug.test import Client

from shop_local.api_gateway.gateway import Gateway
from shop_local.engines.emulator import Emulator, start_emulator
from shop_local.event_mappings.poller import Pollers
from shop_local.provisioning.stack import Stack

DYNAMODB_ENDPOINTS = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class LocalShop:
    """A started shop. `calls` and `invocations` record everything its functions do."""

    emulator: Emulator
    stack: Stack
    gateway: Gateway
    pollers: Pollers
    calls: AwsCalls
    invocations: Invocations
    engine: str  # "DynamoDB Local" or "moto"
    environment: dict[str, str] = field(default_factory=dict)
    _client: Client | None = None
    _log: IO[str] | None = None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if self._client is None:
            self._client = Client(self.gateway)
        with self._quiet():
            answer = self._client.open(path, method=method, json=body, headers=sent)
        return Answer(answer.status_code, dict(answer.headers), answer.get_data())

    @contextlib.contextmanager
    def _quiet(self) -> Any:
        """The gateway's access log (one JSON line per request) goes to the log file."""
        if self._log is None:
            yield
            return
        with contextlib.redirect_stderr(self._log):
            yield

    def drain(self, timeout: float = 60.0) -> None:
        with self._quiet():
            self.pollers.drain(timeout)

    def stop(self) -> None:
        with self._quiet():
            self.pollers.stop()
            self.emulator.stop()
        if self._log is not None:
            self._log.close()


def start_local_shop(log_path: Path, dynamodb_url: str | None = None) -> LocalShop:
    """Start, provision and wire everything; the process environment becomes the functions'."""
    from shop_local.engines.dynamodb_local import local_template
    from shop_local.lambda_runtime.containers import Functions
    from shop_local.provisioning.provision import provision
    from shop_local.provisioning.template import find_template, load_template
    from shop_local.runtime import apply_environment, build_gateway, build_pollers, process_environment

    calls = AwsCalls()
    calls.install()  # before any client exists
    invocations = Invocations(calls)
    invocations.measure_password_hashing()
    log = log_path.open("a")
    emulator = start_emulator()
    environment: dict[str, str] = dict.fromkeys(DYNAMODB_ENDPOINTS, dynamodb_url) if dynamodb_url else {}
    apply_environment(
        {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
        | environment
    )
    template_path = find_template()
    template = load_template(template_path)
    if dynamodb_url:
        template = local_template(template)
    with contextlib.redirect_stderr(log):
        stack = provision(template, emulator.url, base_dir=template_path.parent)
        environment |= process_environment(stack)
        apply_environment(environment)
        functions = Functions(stack.functions(), loader=invocations.loader)
        gateway = build_gateway(stack, functions)
        if dynamodb_url:
            _open_orders_stream(stack)
        pollers = build_pollers(stack, functions)
        pollers.start()
    gateway.ready.set()
    engine = "DynamoDB Local" if dynamodb_url else "moto"
    return LocalShop(emulator, stack, gateway, pollers, calls, invocations, engine, environment, _log=log)


def _open_orders_stream(stack: Stack) -> None:
    """DynamoDB Local fails a shard iterator taken while its shard is still empty once records
    arrive (TrimmedDataAccessException), so the stream gets one record before the poller starts;
    the publisher's filter (order_event INSERTs only) drops it."""
    stack.client("dynamodb").put_item(
        TableName=stack.physical_id("OrdersTable"),
        Item={"pk": {"S": "BENCH#stream-opener"}, "sk": {"S": "BENCH"}, "entity": {"S": "bench"}},
    )


def print_progress(message: str) -> None:
    print(message, file=sys.stdout, flush=True)
