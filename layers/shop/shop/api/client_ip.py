"""The caller's address as API Gateway saw it: the key of the per-client limits.

It is `requestContext.identity.sourceIp`, which the gateway writes; headers such as
X-Forwarded-For are the client's to write, so a limit keyed on them could be walked around.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter


def source_ip(router: BaseRouter) -> str:
    context = router.current_event.raw_event.get("requestContext") or {}
    identity = context.get("identity") or {}
    return str(identity.get("sourceIp") or "")
