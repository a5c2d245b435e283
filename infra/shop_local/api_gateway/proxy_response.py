"""A Lambda proxy response turned into HTTP, with API Gateway's checks.

API Gateway answers 502 "Internal server error" when the function returns anything but an object of
the allowed keys with an integer statusCode and a string (or null) body; being as strict locally
keeps a malformed response from working on a laptop and failing in the cloud.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

_ALLOWED_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


class MalformedProxyResponse(ValueError):
    """The function's answer is not a valid Lambda proxy response."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedProxyResponse(f"{what} must be a string")


def _status(result: dict[str, Any]) -> int:
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedProxyResponse(f"statusCode must be an HTTP status code, got {status!r}")
    return status


def _headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    """Merged as API Gateway merges: a name in multiValueHeaders takes its values from there."""
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedProxyResponse("headers and multiValueHeaders must be objects")
    merged: list[tuple[str, str]] = []
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedProxyResponse(f"multiValueHeaders[{name!r}] must be a list")
        merged += [(str(name), _text(value, f"header {name}")) for value in values]
    lower = {name.lower() for name, _ in merged}
    merged += [(str(k), _text(v, f"header {k}")) for k, v in single.items() if str(k).lower() not in lower]
    return merged


def to_http(result: Any) -> HttpResponse:
    """Check and convert; raises MalformedProxyResponse (the gateway answers 502)."""
    if not isinstance(result, dict):
        raise MalformedProxyResponse(f"the function returned {type(result).__name__}, not an object")
    unknown = set(result) - _ALLOWED_KEYS
    if unknown:
        raise MalformedProxyResponse(f"unexpected keys {sorted(unknown)}")
    status = _status(result)
    headers = _headers(result)
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedProxyResponse("body must be a string")
    raw = (body or "").encode()
    if result.get("isBase64Encoded") and body:
        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error as exc:
            raise MalformedProxyResponse("isBase64Encoded is true but body is not base64") from exc
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, raw)
