"""API Gateway REST (v1) proxy events and authorizer events, built as the real service builds them.

Handlers (and powertools) read these events field by field, so their shape is what makes the
local shop behave like the deployed one: `path` keeps the client's percent-encoding while path and
query parameters are decoded, missing maps are null, the stage is in requestContext.path only.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatch
from typing import Any
from urllib.parse import parse_qsl

from shop_local.api_gateway.routes import RouteMatch


@dataclass(frozen=True)
class ApiInfo:
    """What the event says about the API itself."""

    api_id: str
    stage: str = "prod"
    account_id: str = "123456789012"
    region: str = "us-east-1"
    binary_media_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class IncomingRequest:
    """An HTTP request as the gateway received it (independent of the WSGI server)."""

    method: str
    raw_path: str  # percent-encoded, without the query string
    query_string: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    source_ip: str
    server_port: int

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in reversed(self.headers) if key.lower() == wanted), None)


def method_arn(api: ApiInfo, method: str, raw_path: str) -> str:
    path = raw_path.lstrip("/")
    return (
        f"arn:aws:execute-api:{api.region}:{api.account_id}:{api.api_id}/{api.stage}/{method.upper()}/{path}"
    )


def _multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """API Gateway's single-value map (last value wins) and multi-value map, both null when empty."""
    if not pairs:
        return None, None
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        multi.setdefault(key, []).append(value)
    return {key: values[-1] for key, values in multi.items()}, multi


def _stable_id(text: str, length: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(text.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def _body(request: IncomingRequest, api: ApiInfo) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    media_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if not any(fnmatch(media_type, pattern.lower()) for pattern in api.binary_media_types):
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode("ascii"), True


def _gateway_headers(request: IncomingRequest) -> list[tuple[str, str]]:
    """The client's headers plus those API Gateway adds on the way in."""
    headers = [(k, v) for k, v in request.headers if k.lower() != "x-forwarded-for"]
    forwarded = request.header("x-forwarded-for")
    headers.append(
        ("X-Forwarded-For", f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip)
    )
    headers.append(("X-Forwarded-Port", str(request.server_port)))
    headers.append(("X-Forwarded-Proto", "http"))
    if request.header("x-amzn-trace-id") is None:
        trace = f"Root=1-{int(datetime.now(UTC).timestamp()):08x}-{secrets.token_hex(12)}"
        headers.append(("X-Amzn-Trace-Id", trace))
    return headers


def proxy_event(
    request: IncomingRequest, match: RouteMatch, api: ApiInfo, request_id: str, now: datetime | None = None
) -> dict[str, Any]:
    """The Lambda proxy event, without requestContext.authorizer (added once the authorizer allows)."""
    now = now or datetime.now(UTC)
    headers, multi_headers = _multi(_gateway_headers(request))
    query, multi_query = _multi(parse_qsl(request.query_string, keep_blank_values=True))
    body, is_base64 = _body(request, api)
    host = (request.header("host") or "localhost").split(":")[0]
    return {
        "resource": match.route.path,
        "path": request.raw_path,
        "httpMethod": request.method.upper(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": _stable_id(f"{api.api_id}{match.route.path}", 6),
            "resourcePath": match.route.path,
            "httpMethod": request.method.upper(),
            "extendedRequestId": base64.b64encode(uuid.uuid4().bytes[:12]).decode()[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{api.stage}{request.raw_path}",
            "accountId": api.account_id,
            "protocol": "HTTP/1.1",
            "stage": api.stage,
            "domainPrefix": host.split(".")[0],
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": _identity(request),
            "domainName": host,
            "deploymentId": _stable_id(f"{api.api_id}/deployment", 6),
            "apiId": api.api_id,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _identity(request: IncomingRequest) -> dict[str, Any]:
    empty = ("cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "principalOrgId")
    more = ("accessKey", "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "user")
    identity: dict[str, Any] = dict.fromkeys((*empty, *more, "apiKey", "apiKeyId", "clientCert"))
    identity.update(sourceIp=request.source_ip, userAgent=request.header("user-agent"))
    return identity


def with_authorizer(event: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """The event the handler gets: the authorizer's principalId, latency and context added."""
    request_context = {**event["requestContext"], "authorizer": dict(context)}
    return {**event, "requestContext": request_context}


def request_authorizer_event(event: dict[str, Any], arn: str) -> dict[str, Any]:
    """The REQUEST authorizer's input: the request as the proxy event has it, plus type and methodArn."""
    keys: tuple[str, ...] = ("resource", "path", "httpMethod", "headers", "multiValueHeaders")
    keys += ("queryStringParameters", "multiValueQueryStringParameters", "pathParameters")
    keys += ("stageVariables", "requestContext")
    return {"type": "REQUEST", "methodArn": arn, **{key: event[key] for key in keys}}
