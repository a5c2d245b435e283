"""The resolver every API function uses: validation, the contract's error bodies and request ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.logging import correlation_paths

from shop.api.access import access_index, refusal
from shop.api.errors import error_response, response_for, validation_details
from shop.errors import ShopError
from shop.observability import observed

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32  # the deepest body of the contract nests 2 levels
MAX_ECHOED_REQUEST_ID = 1024  # far above any id scheme (a UUID is 36); a longer one is not reflected
logger = Logger(service="shop")

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def make_app(*routers: Router) -> APIGatewayRestResolver:
    """A resolver that validates input against the route's models and answers errors as the contract says."""
    app = APIGatewayRestResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(ShopError)
    def on_shop_error(exc: ShopError) -> Response[str]:
        return response_for(exc)

    @app.exception_handler(RequestValidationError)
    def on_invalid_request(exc: RequestValidationError) -> Response[str]:
        details = validation_details(list(exc.errors()))
        return error_response(400, "VALIDATION_ERROR", "The request is not valid.", details)

    @app.exception_handler(RequestUnsupportedContentType)
    def on_wrong_media_type(_: RequestUnsupportedContentType) -> Response[str]:
        return error_response(415, "UNSUPPORTED_MEDIA_TYPE", "Send the request body as application/json.")

    @app.exception_handler(Exception)
    def on_crash(_: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return error_response(500, "INTERNAL", ShopError.message)

    @app.not_found
    def on_unknown_route(_: NotFoundError) -> Response[str]:
        return error_response(404, "NOT_FOUND", "No such route.")

    return app


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value) if value is not None else None
    return None


def _refuse_body(event: dict[str, Any], bodiless: frozenset[tuple[str, str]]) -> dict[str, Any] | None:
    """Oversized, non-JSON or unparsable bodies are refused before any route sees them, and so is
    anything but an empty object (or nothing) sent to a route that takes no body: its fields are
    unknown fields like any other (a `status` or `user_id` sent along would otherwise pass unseen)."""
    body = event.get("body")
    if not body:
        return None
    if len(body.encode()) > MAX_BODY_BYTES:
        return _raw(error_response(413, "PAYLOAD_TOO_LARGE", "The request body is too large."))
    media_type = (_header(event, "content-type") or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return _raw(
            error_response(415, "UNSUPPORTED_MEDIA_TYPE", "Send the request body as application/json.")
        )
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # nesting deeper than the parser's stack is malformed input too
        details = [{"field": "body", "message": "is not valid JSON"}]
        return _raw(error_response(400, "VALIDATION_ERROR", "The request body is not valid JSON.", details))
    if _nesting_exceeds(document, MAX_JSON_DEPTH):
        details = [{"field": "body", "message": f"nests deeper than {MAX_JSON_DEPTH} levels"}]
        return _raw(error_response(400, "VALIDATION_ERROR", "The request body is not valid.", details))
    if document in (None, {}) or _route_of(event) not in bodiless:
        return None
    if isinstance(document, dict):
        details = [
            {"field": f"body.{name}", "message": "Extra inputs are not permitted"} for name in document
        ]
    else:
        details = [{"field": "body", "message": "this request takes no body"}]
    return _raw(error_response(400, "VALIDATION_ERROR", "The request is not valid.", details))


def _media_type_lowered(event: dict[str, Any]) -> dict[str, Any]:
    """Media types are case-insensitive (RFC 9110), but the resolver's body parser compares
    `Content-Type` as sent: it gets the value in lower case (`Application/JSON` is JSON too)."""
    for name in ("headers", "multiValueHeaders"):
        headers: dict[str, Any] = event.get(name) or {}
        for key, value in headers.items():
            if key.lower() == "content-type" and value is not None:
                headers[key] = [v.lower() for v in value] if isinstance(value, list) else str(value).lower()
    return event


def _route_of(event: dict[str, Any]) -> tuple[str, str]:
    """(method, API Gateway resource path), as routes are indexed (shop.api.access)."""
    return str(event.get("httpMethod") or "").upper(), str(event.get("resource") or "")


def _nesting_exceeds(document: Any, limit: int) -> bool:
    """Iterative, so that no later recursive step (the resolver's parse, validation) can hit the stack."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _raw(response: Response[str]) -> dict[str, Any]:
    headers = {key: [value] if isinstance(value, str) else value for key, value in response.headers.items()}
    return {
        "statusCode": response.status_code,
        "multiValueHeaders": headers,
        "body": response.body,
        "isBase64Encoded": False,
    }


def _request_id(event: dict[str, Any]) -> str:
    given = _header(event, "x-request-id")
    if given and len(given) <= MAX_ECHOED_REQUEST_ID:  # the audit keeps a cleaned copy (shop.api.callers)
        return given
    return str((event.get("requestContext") or {}).get("requestId") or "")


def lambda_entry(app: APIGatewayRestResolver) -> LambdaHandler:
    """The handler of an API function: JSON logs correlated by request id, traces and metrics
    (`shop.observability`), the routes' access declarations, body guards, then the route. Nothing
    is cacheable unless the route says so."""
    routes = app._static_routes + app._dynamic_routes
    index = access_index(routes)
    bodiless = frozenset(
        (route.method.upper(), route.openapi_path) for route in routes if route.body_field is None
    )

    @observed(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        refused = refusal(index, event)
        result = (
            _raw(response_for(refused))
            if refused
            else _refuse_body(event, bodiless) or app.resolve(_media_type_lowered(event), context)
        )
        headers = result.setdefault("multiValueHeaders", {})
        headers["X-Request-Id"] = [_request_id(event)]
        if not any(name.lower() == "cache-control" for name in headers):
            headers["Cache-Control"] = ["no-store"]
        return result

    return handler
