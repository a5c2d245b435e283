"""Catalog reads that a shared cache (CloudFront) may keep, and those it must never keep.

Only what anybody may see is public: an answer to a caller without a token or with a guest token
is the catalog everyone sees, so it goes out with a strong ETag (a hash of the exact body bytes)
and `public, max-age=60`, and a request naming that ETag in If-None-Match gets 304 and no body.
A customer's answer is private by contract, an admin's may hold drafts: both are `private,
no-store`. Every answer names `Vary: Authorization`, so that a cache keys by the token.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader

from shop.api.models import ResponseModel
from shop.domain.callers import Caller

MAX_AGE_SECONDS = 60  # the contract allows at most 60
PUBLIC = f"public, max-age={MAX_AGE_SECONDS}"
PRIVATE = "private, no-store"
VARY = "Authorization"
ETAG_PATTERN = r'^"[0-9a-f]{64}"$'
# One member of an If-None-Match list and its comma: an entity-tag, weak or not (a comma may sit
# inside its quotes), or anything without quotes, of which only a bare `*` means something.
_MEMBER = re.compile(r'\s*(?:(?:W/)?"([^"]*)"|([^,"]*))\s*(?:,|\Z)')


def catalog_answer(router: BaseRouter, who: Caller | None, model: ResponseModel) -> Response[str]:
    """The 200 (or 304) of a catalog read, with the caching headers the caller's role allows."""
    body = json.dumps(model.model_dump(mode="json", by_alias=True), separators=(",", ":"))
    if who is not None and not who.is_guest:
        return Response(200, "application/json", body, {"Cache-Control": PRIVATE, "Vary": VARY})
    tag = entity_tag(body)
    headers = {"ETag": tag, "Cache-Control": PUBLIC, "Vary": VARY}
    if none_match(if_none_match(router.current_event.raw_event), tag):
        return Response(304, None, "", headers)
    return Response(200, "application/json", body, headers)


def entity_tag(body: str) -> str:
    """A strong validator: equal tags mean byte-for-byte equal bodies."""
    return '"' + hashlib.sha256(body.encode()).hexdigest() + '"'


def if_none_match(event: dict[str, Any]) -> str | None:
    """Every If-None-Match line of the request as one list (RFC 9110 lets a client split it)."""
    for field in ("multiValueHeaders", "headers"):
        found = [
            value
            for name, values in (event.get(field) or {}).items()
            if str(name).lower() == "if-none-match"
            for value in (values if isinstance(values, list) else [values])
            if isinstance(value, str)
        ]
        if found:
            return ", ".join(found)
    return None


def none_match(field: str | None, current: str) -> bool:
    """Whether If-None-Match names the current representation: `*`, or any tag equal to it under
    the weak comparison RFC 9110 prescribes for this header (a `W/` prefix is ignored). A list
    that stops being well formed names nothing from there on."""
    if field is None:
        return False
    opaque, position = current.removeprefix("W/"), 0
    while position < len(field):
        member = _MEMBER.match(field, position)
        if member is None or member.end() == position:
            return False
        quoted, bare = member.groups()
        if (quoted is not None and f'"{quoted}"' == opaque) or (bare is not None and bare.strip() == "*"):
            return True
        position = member.end()
    return False


def cacheable_read(model: type[ResponseModel], description: str) -> dict[int, OpenAPIResponse]:
    """The OpenAPI entries of a catalog read's 200 and 304, with their caching headers."""
    etag = {"pattern": ETAG_PATTERN}
    vary = _header("Shared caches key these answers by the access token.", {"enum": [VARY]})
    return {
        200: {
            "description": description,
            "content": {"application/json": {"model": model}},
            "headers": {
                "ETag": _header(
                    "Strong validator of the body (anonymous and guest callers only).", etag, False
                ),
                "Cache-Control": _header(
                    f"`{PUBLIC}` for anonymous and guest callers, `{PRIVATE}` for customers and admins.",
                    {"enum": [PUBLIC, PRIVATE]},
                ),
                "Vary": vary,
            },
        },
        304: {
            "description": "Not modified: If-None-Match names the current ETag (anonymous and guest "
            "callers only); no body.",
            "headers": {
                "ETag": _header("The current ETag.", etag),
                "Cache-Control": _header("Shared caches may keep the answer.", {"enum": [PUBLIC]}),
                "Vary": vary,
            },
        },
    }


def _header(description: str, schema: dict[str, Any], required: bool = True) -> OpenAPIResponseHeader:
    """OpenAPI's `required` is missing from powertools' TypedDict, hence the cast."""
    header = {"description": description, "schema": {"type": "string", **schema}, "required": required}
    return cast(OpenAPIResponseHeader, header)
