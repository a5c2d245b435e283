"""GET /admin/users: a page of users, newest first, decrypted for the admin."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.admin_models import AdminUserPage, AdminUserResponse
from shop.api.paging import DEFAULT_LIMIT, Cursor, Limit
from shop.api.responses import errors, success
from shop.bootstrap import build_user_admin

user_admin = build_user_admin()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/admin/users",
    openapi_extensions=ADMIN,
    summary="List users",
    tags=["admin"],
    responses=success(AdminUserPage, "A page of users, newest first") | errors(e403="FORBIDDEN: admins only"),
)
def list_users(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> AdminUserPage:
    page = user_admin.list_users(limit, cursor)
    return AdminUserPage(
        items=[AdminUserResponse.of_user(u) for u in page.items], next_cursor=page.next_cursor
    )


handler = lambda_entry(make_app(router))
