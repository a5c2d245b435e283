"""Who performs an admin write, and the port through which every such write is put on the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Actor:
    """The caller of an admin write as the audit trail names it ("system" for the seeder)."""

    id: str
    role: str
    request_id: str


SYSTEM = Actor(id="system", role="system", request_id="seed")


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
    port: AuditPort, actor: Actor, action: str, target_type: str, target_id: str, **details: Any
) -> None:
    port.record(
        actor_id=actor.id,
        actor_role=actor.role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        request_id=actor.request_id,
        details=details,
    )
