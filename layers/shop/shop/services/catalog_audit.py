"""The port through which every audited write drafts its entry, naming its caller; the store that
writes the change puts the entry in the same transaction (shop.services.audit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from shop.domain.audit_chain import AuditDraft, AuditEntry
from shop.domain.callers import Caller


class AuditPort(Protocol):
    """The audit trail as the services need it; shop.services.audit.AuditTrail fits it."""

    def draft(
        self,
        *,
        actor_id: str,
        actor_role: str,
        action: str,
        target_type: str,
        target_id: str,
        request_id: str = "",
        details: Mapping[str, Any] | None = None,
        opens_chain: str = "",
    ) -> AuditDraft:
        """An entry for a change about to be written, to hand to the store that writes it."""
        ...

    def record(self, **fields: Any) -> AuditEntry:
        """Append an entry that records no other write (same arguments as `draft`)."""
        ...


def entry_for(
    port: AuditPort, actor: Caller, action: str, target_type: str, target_id: str, **details: Any
) -> AuditDraft:
    return port.draft(
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
