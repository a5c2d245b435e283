"""Reading the audit trail: pages of entries, newest first, by actor and/or action.

Read-only on purpose: the trail is append-only, so nothing here (nor any route) changes or deletes
an entry. Tampering done behind the API's back is the verifier's job (shop.services.audit.verify_trail).
"""

from __future__ import annotations

from typing import Protocol

from shop.domain.audit_chain import AuditEntry
from shop.domain.paging import Page


class AuditIndex(Protocol):
    def newest_entries(
        self, actor_id: str | None, action: str | None, limit: int, cursor: str | None
    ) -> Page[AuditEntry]:
        """Entries matching both filters (None: any), newest first; ValidationFailed for a foreign cursor."""
        ...


class AuditListing:
    def __init__(self, index: AuditIndex) -> None:
        self._index = index

    def entries(
        self, *, actor_id: str | None, action: str | None, limit: int, cursor: str | None
    ) -> Page[AuditEntry]:
        return self._index.newest_entries(actor_id, action, limit, cursor)
