"""Faults injected into the shop's own boto3 clients, below botocore's retry loop.

A fault is a `before-send` hook on one cached client of `shop.adapters.aws.client`: it answers an
HTTP attempt with the error response AWS would send (JSON for DynamoDB, SQS, KMS and SESv2; XML for
SNS's query protocol), so botocore parses it, and its standard retry mode retries it
or not exactly as it would in AWS. Nothing above the wire is stubbed: adapters, services and
handlers see real `ClientError`s with real codes and cancellation reasons.

Kinds of fault:
- an error code for the next `times` attempts (None: until cleared), e.g. throttling;
- a cancelled transaction with given reasons (`TransactionConflict`, `ThrottlingError`);
- "lost response": the attempt reaches the emulator and is applied, but the caller gets a 500, and
  so do botocore's retries of that call (the outcome is unknown to the caller, as after a timeout);
- "lost first answer": the first attempt is applied and its answer lost, and botocore's resend of
  the very same request then reaches the engine (a read timeout, then a retry that gets through).
A fault may match only requests whose body contains a given text (a table name, an address).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.httpsession import URLLib3Session

THROTTLING_CODES = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded")
_JSON_TARGETS = {"dynamodb": "DynamoDB_20120810", "sqs": "AmazonSQS", "kms": "TrentService"}
_REST_JSON_OPERATIONS = {("sesv2", "/v2/email/outbound-emails"): "SendEmail"}
_THROTTLED_STATUS = {"TooManyRequestsException": 429}
_AMBIGUOUS = "InternalServerError"


class _Body:
    """The `raw` of an AWSResponse: something with a stream()."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


@dataclass(eq=False)
class Fault:
    service: str
    operation: str
    code: str
    times: int | None = None
    matching: str | None = None
    reasons: tuple[str, ...] = ()
    apply_first: bool = False
    resend_passes: bool = False
    injected: int = 0
    calls: set[str] = field(default_factory=set)

    def wants(self, body: str, invocation: str) -> bool:
        if self.matching is not None and self.matching not in body:
            return False
        if self.apply_first and invocation in self.calls:
            return not self.resend_passes  # botocore retrying a call whose first attempt was applied
        return self.times is None or self.injected < self.times

    @property
    def active(self) -> bool:
        return self.times is None or self.injected < self.times


def _text(request: Any) -> str:
    body = request.body
    if body is None:
        return ""
    if hasattr(body, "read"):
        return ""
    return body.decode() if isinstance(body, bytes) else str(body)


def _header(request: Any, name: str) -> str:
    value = request.headers.get(name, b"")
    return value.decode() if isinstance(value, bytes) else str(value)


def error_response(fault: Fault, url: str, body: str) -> AWSResponse:
    status = 500 if fault.code == _AMBIGUOUS else 400
    request_id = str(uuid.uuid4())
    if any(service == fault.service for service, _ in _REST_JSON_OPERATIONS):
        content = json.dumps({"message": f"injected {fault.code}"}).encode()
        headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": fault.code}
        status = _THROTTLED_STATUS.get(fault.code, status)
        headers["Content-Type"] = "application/json"
    elif fault.service in _JSON_TARGETS:
        error: dict[str, Any] = {
            "__type": f"com.amazonaws.{fault.service}#{fault.code}",
            "message": f"injected {fault.code}",
        }
        if fault.reasons:
            count = max(1, len(json.loads(body).get("TransactItems", [])) if body else 1)
            reasons = [{"Code": code, "Message": f"injected {code}"} for code in fault.reasons]
            reasons += [{"Code": "None"}] * (count - len(reasons))
            error |= {"Message": "Transaction cancelled", "CancellationReasons": reasons[:count]}
        content = json.dumps(error).encode()
        headers = {"x-amzn-RequestId": request_id, "Content-Type": "application/x-amz-json-1.0"}
    else:
        content = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{fault.code}</Code><Message>injected {fault.code}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = {"x-amzn-RequestId": request_id, "Content-Type": "text/xml"}
    http_headers = HTTPHeaders()
    for name, value in headers.items():
        http_headers[name] = value
    return AWSResponse(url, status, http_headers, _Body(content))


class FaultInjector:
    """Registers faults on the shop's cached clients; `clear()` removes every one (the fixture does)."""

    def __init__(self, client_for: Any) -> None:
        self._client_for = client_for
        self._faults: list[Fault] = []
        self._hooked: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._http = URLLib3Session()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._hook(fault.service)
            self._faults.append(fault)
        return fault

    def error(
        self, service: str, operation: str, code: str, times: int | None = None, matching: str | None = None
    ) -> Fault:
        """The next `times` attempts of `operation` (matching text in their body) answer `code`."""
        return self.add(Fault(service, operation, code, times, matching))

    def throttle(
        self,
        operation: str,
        times: int | None = None,
        code: str = THROTTLING_CODES[0],
        matching: str | None = None,
        service: str = "dynamodb",
    ) -> Fault:
        return self.error(service, operation, code, times, matching)

    def cancel_transactions(
        self, times: int | None = None, reason: str = "TransactionConflict", matching: str | None = None
    ) -> Fault:
        """TransactWriteItems cancelled with `reason` on its first element, as DynamoDB reports a conflict."""
        return self.add(
            Fault(
                "dynamodb", "TransactWriteItems", "TransactionCanceledException", times, matching, (reason,)
            )
        )

    def lose_responses(
        self, service: str, operation: str, times: int = 1, matching: str | None = None
    ) -> Fault:
        """The call is applied, but the caller (and botocore's retries of it) get a 500."""
        return self.add(Fault(service, operation, _AMBIGUOUS, times, matching, apply_first=True))

    def lose_first_response(
        self, service: str, operation: str, times: int = 1, matching: str | None = None
    ) -> Fault:
        """The call is applied and its answer lost; botocore's resend of it reaches the engine."""
        fault = Fault(service, operation, _AMBIGUOUS, times, matching, apply_first=True, resend_passes=True)
        return self.add(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @contextmanager
    def injected(self, fault: Fault) -> Iterator[Fault]:
        self.add(fault)
        try:
            yield fault
        finally:
            with self._lock:
                if fault in self._faults:
                    self._faults.remove(fault)

    def remove(self) -> None:
        self.clear()
        for service, handler in self._hooked.items():
            self._client_for(service).meta.events.unregister(f"before-send.{service}", handler)
        self._hooked.clear()

    def _hook(self, service: str) -> None:
        if service in self._hooked:
            return

        def answer(request: Any, **_: Any) -> AWSResponse | None:
            return self._answer(service, request)

        self._client_for(service).meta.events.register(f"before-send.{service}", answer)
        self._hooked[service] = answer

    def _answer(self, service: str, request: Any) -> AWSResponse | None:
        target = _header(request, "X-Amz-Target").rpartition(".")[2]
        body = _text(request)
        path = urlsplit(request.url).path
        operation = target or _REST_JSON_OPERATIONS.get((service, path)) or _query_action(body)
        invocation = _header(request, "amz-sdk-invocation-id")
        with self._lock:
            fault = next(
                (
                    f
                    for f in self._faults
                    if f.service == service and f.operation == operation and f.wants(body, invocation)
                ),
                None,
            )
            if fault is None:
                return None
            first = fault.apply_first and invocation not in fault.calls
            if not fault.apply_first or first:
                fault.injected += 1
            fault.calls.add(invocation)
        if first:
            self._http.send(request)  # the engine applies it; the answer is lost on the way back
        return error_response(fault, request.url, body)


def _query_action(body: str) -> str:
    for part in body.split("&"):
        name, _, value = part.partition("=")
        if name == "Action":
            return value
    return ""
