"""The OpenAPI document of the whole API, generated from the handlers' own routers and models.

Every API function exposes its powertools `router`; merged into one resolver they give one
document. Powertools describes its own defaults, not the shop's contract, so the document is then
corrected from the template and API.md: the 400 error body instead of the 422 validation schema,
the security each route's authorizer really demands, the errors every route of a kind can answer
(413/415 wherever a body is read, 500 INTERNAL), no body on a 204 or 304 (and If-None-Match on a route that
answers 304), the X-Request-Id every response carries, the links from a created thing to what can
be done with it, and every template route present (no others).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from shop_local.api_gateway.authorizers import AuthorizerConfig
from shop_local.api_gateway.openapi_links import add_links
from shop_local.api_gateway.routes import Route
from shop_local.lambda_runtime.functions import FunctionSpec, handler_module

TITLE = "Serverless Shop API"
ERROR_REF = "#/components/schemas/Error"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$", "example": "VALIDATION_ERROR"},
                "message": {"type": "string"},
                "details": {
                    "description": "What exactly is wrong, e.g. one entry per bad field; may be null."
                },
            },
        }
    },
}


_REQUEST_ID_HEADER = {
    "description": "The request's id: the client's own X-Request-Id if it sent one (up to 1,024 characters).",
    "required": True,
    "schema": {"type": "string"},
}
_RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again.",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags of copies the client holds (or `*`): if one is current, the answer is 304.",
    "schema": {"type": "string"},
}
_NO_BODY = {"204", "304"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}


def _load_router(spec: FunctionSpec) -> Any:
    """The module's `router`, from a load of its own (a serving container's router must not be merged)."""
    return getattr(handler_module(f"openapi_{spec.logical_id}", spec.handler_file), "router", None)


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def _security(route: Route, authorizers: dict[str, AuthorizerConfig]) -> list[dict[str, list[str]]]:
    if route.authorizer is None:
        return []
    config = authorizers.get(route.authorizer)
    optional = config is not None and config.kind == "REQUEST" and config.ttl_seconds == 0
    return [{}, {"bearerAuth": []}] if optional else [{"bearerAuth": []}]


def generate(
    specs: Iterable[FunctionSpec], routes: list[Route], authorizers: dict[str, AuthorizerConfig]
) -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    from shop.api import make_app

    api_functions = {route.function_id for route in routes}
    routers = [
        r for spec in specs if spec.logical_id in api_functions if (r := _load_router(spec)) is not None
    ]
    app = make_app(*routers)
    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version=_version(),
            security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT", description="An access token")},
        )
    )
    return correct(document, routes, authorizers)


def correct(
    document: dict[str, Any], routes: list[Route], authorizers: dict[str, AuthorizerConfig]
) -> dict[str, Any]:
    """Make the document say what the template and the contract say."""
    by_shape = {(_shape(r.path), r.method.lower()): r for r in routes}
    template_paths = {_shape(r.path): r.path for r in routes}
    paths: dict[str, Any] = {}
    for path, item in (document.get("paths") or {}).items():
        for method in [m for m in item if m in _METHODS]:
            route = by_shape.get((_shape(path), method)) or by_shape.get((_shape(path), "any"))
            if route is None:
                continue  # in a router but not deployed by the template: not part of the API
            paths.setdefault(path, {})[method] = _corrected_operation(item[method], route, authorizers)
    documented = {(_shape(p), m) for p, item in paths.items() for m in item}
    for (shape, method), route in sorted(by_shape.items()):
        if (shape, method) not in documented:
            operation = {
                "summary": f"{route.method} {route.path}",
                "description": "Declared in template.yaml; its handler's router does not define it.",
                "responses": {"default": _error("An error")},
            }
            paths.setdefault(template_paths[shape], {})[method] = _corrected_operation(
                operation, route, authorizers
            )
    document["paths"] = dict(sorted(paths.items()))
    add_links(document["paths"])
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = _ERROR_SCHEMA
    text = json.dumps(document["paths"])
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        if f"schemas/{unused}" not in text:
            schemas.pop(unused, None)
    return document


def _corrected_operation(
    operation: dict[str, Any], route: Route, authorizers: dict[str, AuthorizerConfig]
) -> dict[str, Any]:
    responses = operation.setdefault("responses", {})
    default_422 = json.dumps(responses.get("422", {}))
    if "HTTPValidationError" in default_422:
        del responses["422"]
    takes_input = operation.get("parameters") or operation.get("requestBody")
    # a write without a body model still reads one if sent: anything but {} is refused (unknown fields)
    reads_a_body = bool(operation.get("requestBody")) or route.method in {"POST", "PUT", "PATCH", "DELETE"}
    if (takes_input or reads_a_body) and "400" not in responses:
        responses["400"] = _error("VALIDATION_ERROR: details name each bad field")
    security = _security(route, authorizers)
    operation["security"] = security
    if security and "401" not in responses:
        responses["401"] = _error("UNAUTHORIZED: no valid access token")
    if reads_a_body:
        responses.setdefault("413", _error("PAYLOAD_TOO_LARGE: the body is over 64 KiB"))
        responses.setdefault("415", _error("UNSUPPORTED_MEDIA_TYPE: the body is not application/json"))
    responses.setdefault("500", _error("INTERNAL: the shop could not complete the request"))
    for status, response in responses.items():
        _describe_headers(status, response)
    if "304" in responses:
        parameters = operation.setdefault("parameters", [])
        if not any(str(p.get("name", "")).lower() == "if-none-match" for p in parameters):
            parameters.append(dict(_IF_NONE_MATCH))
    return operation


def _describe_headers(status: str, response: dict[str, Any]) -> None:
    """Every response carries X-Request-Id, a 429 Retry-After; a 204 or 304 has no body (powertools
    gives it one)."""
    if status in _NO_BODY:
        response.pop("content", None)
    headers = response.setdefault("headers", {})
    headers.setdefault("X-Request-Id", _REQUEST_ID_HEADER)
    if status == "429":
        headers.setdefault("Retry-After", _RETRY_AFTER_HEADER)


def _version() -> str:
    try:
        return version("serverless-shop")
    except PackageNotFoundError:
        return "0.0.0"


def swagger_page(spec_url: str = "/openapi.json") -> str:
    """Swagger UI for the document; the browser loads the UI itself from a CDN."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
<script>window.ui = SwaggerUIBundle({{url: "{spec_url}", dom_id: "#swagger-ui", persistAuthorization: true}});</script>
</body></html>
"""
