"""The caller of a request as the core sees it: one `Caller`, built from what the authorizer put
into the request context (the route's access declaration has already let this role through)."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from shop.domain.callers import ANONYMOUS, Caller, Role
from shop.errors import Unauthorized

CLIENT_REQUEST_ID_MAX = 128
_NOT_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9._:/-]")


def request_ids(event: dict[str, Any]) -> tuple[str, str]:
    """API Gateway's own request id, and the client's X-Request-Id reduced to harmless characters."""
    context = event.get("requestContext") or {}
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    given = headers.get("x-request-id")
    client = _NOT_ID_CHARACTERS.sub("", given)[:CLIENT_REQUEST_ID_MAX] if isinstance(given, str) else ""
    return str(context.get("requestId") or ""), client


def viewer(router: BaseRouter) -> Caller | None:
    """The caller, or None on a route whose authorizer let an anonymous request through."""
    event = router.current_event.raw_event
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    user_id, role = context.get("user_id"), context.get("role")
    if not user_id or role not in {r.value for r in Role}:
        return None
    request_id, client_request_id = request_ids(event)
    return Caller(str(user_id), str(role), request_id, client_request_id)


def caller(router: BaseRouter) -> Caller:
    found = viewer(router)
    if found is None:
        raise Unauthorized()
    return found


def anonymous(router: BaseRouter) -> Caller:
    """Whoever calls a route open to anyone (login, refresh), named only by the request's ids."""
    request_id, client_request_id = request_ids(router.current_event.raw_event)
    return Caller(ANONYMOUS, ANONYMOUS, request_id, client_request_id)
