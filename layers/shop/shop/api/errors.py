"""The one place where domain exceptions become HTTP statuses and contract error bodies."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from shop import errors

_STATUS: list[tuple[type[errors.ShopError], int]] = [
    (errors.ValidationFailed, 400),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.PayloadTooLarge, 413),
    (errors.UnsupportedMediaType, 415),
    (errors.IdempotencyKeyReused, 422),
    (errors.RateLimited, 429),
]


def status_of(exc: errors.ShopError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response[str]:
    body = {"error": {"code": code, "message": message, "details": details}}
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body),
        headers=headers or {},
    )


def response_for(exc: errors.ShopError) -> Response[str]:
    status = status_of(exc)
    headers = {}
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if status == 500:
        return error_response(500, "INTERNAL", errors.ShopError.message)
    return error_response(status, exc.code, exc.message, exc.details, headers)


def validation_details(raw_errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Name each bad field (`body.email`, `query.limit`) without echoing the rejected input."""
    details = []
    for err in raw_errors:
        loc = [str(part) for part in err.get("loc", ())]
        details.append({"field": ".".join(loc) or "body", "message": str(err.get("msg", "is not valid"))})
    return details
