"""GET /admin/audit: the audit trail, newest first, by actor and/or action (read-only: append-only)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.audit_models import ActionFilter, ActorFilter, AuditEntryResponse, AuditPage
from shop.api.paging import DEFAULT_LIMIT, Cursor, Limit
from shop.api.responses import errors, success
from shop.bootstrap import build_audit_listing

audit_listing = build_audit_listing()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/admin/audit",
    openapi_extensions=ADMIN,
    summary="List audit entries",
    tags=["admin"],
    responses=success(AuditPage, "A page of audit entries, newest first")
    | errors(e403="FORBIDDEN: admins only"),
)
def list_audit(
    actor_id: ActorFilter = None,
    action: ActionFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AuditPage:
    page = audit_listing.entries(actor_id=actor_id, action=action, limit=limit, cursor=cursor)
    return AuditPage(items=[AuditEntryResponse.of(e) for e in page.items], next_cursor=page.next_cursor)


handler = lambda_entry(make_app(router))
