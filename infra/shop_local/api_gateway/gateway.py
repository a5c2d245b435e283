"""The local API Gateway: the template's routes on a threaded WSGI server, one JSON log line per request.

Each request goes through what API Gateway does in the cloud, in the same order: route lookup
(else MISSING_AUTHENTICATION_TOKEN), size limit, the route's Lambda authorizer, the proxy event,
the handler (in its own container), the proxy response checks. The gateway also serves /health,
/openapi.json and /docs itself, which the cloud API does not have, and the built admin console under
/console/ (CloudFront's job on AWS).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from shop_local.api_gateway.authorizers import Authorizers, Outcome
from shop_local.api_gateway.console_files import console_response, is_console_path
from shop_local.api_gateway.events import (
    ApiInfo,
    IncomingRequest,
    method_arn,
    proxy_event,
    request_authorizer_event,
    with_authorizer,
)
from shop_local.api_gateway.http_server import incoming
from shop_local.api_gateway.proxy_response import HttpResponse, MalformedProxyResponse, to_http
from shop_local.api_gateway.responses import GatewayResponses
from shop_local.api_gateway.routes import Route, match_route
from shop_local.json_log import emit as _log
from shop_local.lambda_runtime.containers import FunctionFailed, Functions

MAX_ECHOED_REQUEST_ID = 1024  # as the functions (shop.api.app): a longer id is not reflected

StartResponse = Callable[..., Any]
OpenApiSource = Callable[[], dict[str, Any]]


@dataclass
class Gateway:
    """The WSGI application. `ready` gates /health; everything else answers as soon as it exists."""

    routes: list[Route]
    api: ApiInfo
    functions: Functions
    authorizers: Authorizers
    responses: GatewayResponses
    openapi: OpenApiSource | None = None
    ready: threading.Event = field(default_factory=threading.Event)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        request, body_problem = incoming(environ)
        function = "-"
        try:
            builtin = _unreadable_length() if body_problem == "bad_length" else self._builtin(request)
            if builtin is not None:
                response = builtin
            else:
                response, function = self._through_api(request, request_id, body_problem == "too_large")
        except Exception as exc:  # noqa: BLE001 - the gateway itself must always answer
            _log(event="gateway_error", request_id=request_id, error=f"{type(exc).__name__}: {exc}")
            response = self._gateway_response("INTEGRATION_FAILURE", request_id, status=500)
        headers = list(response.headers)
        if not any(name.lower() == "x-amzn-requestid" for name, _ in headers):
            headers.append(("x-amzn-RequestId", request_id))
        if not any(name.lower() == "x-request-id" for name, _ in headers):  # the gateway's own answers
            headers.append(("X-Request-Id", _echoed_id(request) or request_id))
        headers = [(k, v) for k, v in headers if k.lower() not in {"content-length", "transfer-encoding"}]
        # A 304 has no content, and a Content-Length on it could only be the 200's (RFC 9110 8.6)
        not_modified = response.status == 304
        if not not_modified:
            headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {_reason(response.status)}", headers)
        _log(
            request_id=request_id,
            ip=request.source_ip,
            method=request.method,
            path=request.raw_path,
            status=response.status,
            latency_ms=round((time.monotonic() - started) * 1000, 1),
            function=function,
            function_name=self._function_name(function),
        )
        return [b"" if request.method == "HEAD" or not_modified else response.body]

    def _through_api(
        self, request: IncomingRequest, request_id: str, too_large: bool = False
    ) -> tuple[HttpResponse, str]:
        match = match_route(self.routes, request.raw_path, request.method)
        if match is None:
            return self._gateway_response("MISSING_AUTHENTICATION_TOKEN", request_id), "-"
        if too_large:
            return self._gateway_response("REQUEST_TOO_LARGE", request_id), "-"
        route = match.route
        event = proxy_event(request, match, self.api, request_id)
        if route.authorizer is not None:
            arn = method_arn(self.api, request.method, request.raw_path)
            decision = self.authorizers.decide(
                route.authorizer,
                arn,
                dict(request.headers),
                event["queryStringParameters"] or {},
                lambda: request_authorizer_event(event, arn),
            )
            if decision.outcome is not Outcome.ALLOW:
                kind = decision.outcome.value
                return self._gateway_response(kind, request_id, decision.message), route.function_id
            event = with_authorizer(event, decision.context)
        try:
            return to_http(self.functions.invoke(route.function_id, event)), route.function_id
        except (FunctionFailed, MalformedProxyResponse) as exc:
            _log(
                event="function_error",
                request_id=request_id,
                function=route.function_id,
                function_name=self._function_name(route.function_id),
                error=str(exc),
            )
            return self._gateway_response("INTEGRATION_FAILURE", request_id), route.function_id

    def _function_name(self, logical_id: str) -> str:
        """The physical name, as the function's own (powertools) log lines give it."""
        pool = self.functions.pools.get(logical_id)
        return pool.spec.function_name if pool is not None else "-"

    def _gateway_response(
        self, kind: str, request_id: str, message: str | None = None, status: int = 0
    ) -> HttpResponse:
        """A gateway response of this kind (its X-Request-Id is added with every other answer's)."""
        rendered = self.responses.render(kind, request_id, message, status or None)
        return HttpResponse(rendered.status, list(rendered.headers.items()), rendered.body)

    def _builtin(self, request: IncomingRequest) -> HttpResponse | None:
        if request.method not in {"GET", "HEAD"}:
            return None
        if is_console_path(request.raw_path):
            return console_response(request.raw_path)
        path = request.raw_path.rstrip("/")
        if path == "/health":
            ok = self.ready.is_set()
            return _json(200 if ok else 503, {"status": "ok" if ok else "starting"})
        if path == "/openapi.json" and self.openapi is not None:
            return _json(200, self.openapi())
        if path == "/docs" and self.openapi is not None:
            from shop_local.api_gateway.openapi import swagger_page

            return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], swagger_page().encode())
        return None


def _json(status: int, document: Any) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(document).encode())


def _unreadable_length() -> HttpResponse:
    """A Content-Length that is no length: the HTTP front end refuses it before any route (in the
    contract's error shape here; on AWS, CloudFront's own 400 page)."""
    details = [{"field": "header.Content-Length", "message": "must be a whole number of bytes"}]
    error = {
        "code": "VALIDATION_ERROR",
        "message": "The request's Content-Length is not valid.",
        "details": details,
    }
    return HttpResponse(400, [("Content-Type", "application/json")], json.dumps({"error": error}).encode())


def _echoed_id(request: IncomingRequest) -> str | None:
    given = request.header("x-request-id")
    return given if given and len(given) <= MAX_ECHOED_REQUEST_ID else None


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
