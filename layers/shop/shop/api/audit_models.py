"""Query filters and response bodies of GET /admin/audit.

An audit entry leaves as the contract's fields only: its sequence number and hashes stay for the
verifier. Apart from the admin user models, so that the audit function loads neither the user nor
the catalog models.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from shop.api.models import ResponseModel
from shop.domain.audit_chain import AuditEntry

ActorFilter = Annotated[
    str | None, Query(min_length=1, max_length=200, description="Only entries by this actor (user id).")
]
ActionFilter = Annotated[
    str | None, Query(min_length=1, max_length=100, description="Only this action, e.g. user.disabled.")
]


class AuditEntryResponse(ResponseModel):
    id: str
    at: str
    actor_id: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    request_id: str
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryResponse:
        return cls(
            id=entry.id,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_role=entry.actor_role,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            request_id=entry.request_id,
            details=entry.details,
        )


class AuditPage(ResponseModel):
    items: list[AuditEntryResponse]
    next_cursor: str | None
