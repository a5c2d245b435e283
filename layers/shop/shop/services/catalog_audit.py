"""The port through which every admin write is put on the audit trail, naming its caller."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from shop.domain.callers import Caller


class AuditPort(Protocol):
    """The audit trail as catalog and inventory need it; shop.services.audit.AuditTrail fits it."""

    def record(
        self,
        *,
        actor_id: str,
        actor_role: str,
        action: str,
        target_type: str,
        target_id: str,
        request_id: str,
        details: Mapping[str, Any],
    ) -> object: ...


def audit(
    port: AuditPort, actor: Caller, action: str, target_type: str, target_id: str, **details: Any
) -> None:
    port.record(
        actor_id=actor.id,
        actor_role=actor.role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        request_id=actor.request_id,
        details=with_client_request_id(details, actor),
    )


def with_client_request_id(details: Mapping[str, Any], actor: Caller) -> dict[str, Any]:
    """The client's own X-Request-Id (cleaned) rides in the details, apart from API Gateway's id."""
    return (
        {**details, "client_request_id": actor.client_request_id}
        if actor.client_request_id
        else dict(details)
    )
