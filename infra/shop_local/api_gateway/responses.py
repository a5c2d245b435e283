"""Answers the gateway gives itself (no route, no token, too large, function failed).

API Gateway has a default status and `{"message": ...}` body per response type; an Api's
GatewayResponses replace them, and DEFAULT_4XX / DEFAULT_5XX cover every type of their class that
is not configured. The shop's template uses this to speak the contract's error shape everywhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# type -> (default status, default message, x-amzn-ErrorType)
DEFAULTS: dict[str, tuple[int, str | None, str]] = {
    "ACCESS_DENIED": (403, "User is not authorized to access this resource", "AccessDeniedException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, None, "AuthorizerConfigurationException"),
    "AUTHORIZER_FAILURE": (500, None, "AuthorizerFailureException"),
    "MISSING_AUTHENTICATION_TOKEN": (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    "REQUEST_TOO_LARGE": (413, "Request Too Long", "RequestTooLargeException"),
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
    "BAD_REQUEST_BODY": (400, "Invalid request body", "BadRequestException"),
    # Not a gateway response type of its own: a failed or malformed Lambda proxy integration.
    "INTEGRATION_FAILURE": (502, "Internal server error", "InternalServerErrorException"),
}
_QUOTED = re.compile(r"^'(.*)'$")


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class GatewayResponses:
    """Renders gateway responses from an Api's `GatewayResponses` property."""

    def __init__(self, configured: dict[str, Any] | None = None) -> None:
        self._configured = configured or {}

    @classmethod
    def from_template(cls, template: dict[str, Any], api_id: str) -> GatewayResponses:
        api = ((template.get("Resources") or {}).get(api_id) or {}).get("Properties") or {}
        return cls(api.get("GatewayResponses"))

    def render(
        self, kind: str, request_id: str, message: str | None = None, status: int | None = None
    ) -> GatewayResponse:
        default_status, default_message, error_type = DEFAULTS[kind]
        message = default_message if message is None else message
        status = status or default_status
        fallback = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        config = self._configured.get(kind) if kind in self._configured else self._configured.get(fallback)
        config = config or {}
        status = int(config.get("StatusCode") or status)
        template = (config.get("ResponseTemplates") or {}).get("application/json")
        if template is None:
            body = json.dumps({"message": message})
        else:
            body = (
                str(template)
                .replace("$context.error.messageString", json.dumps(message))
                .replace("$context.error.message", message or "")
                .replace("$context.requestId", request_id)
            )
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": error_type}
        for name, value in ((config.get("ResponseParameters") or {}).get("Headers") or {}).items():
            quoted = _QUOTED.match(str(value))
            if quoted:
                headers[name] = quoted.group(1)
        return GatewayResponse(status, headers, body.encode())
