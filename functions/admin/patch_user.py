"""PATCH /admin/users/{id}: an admin changes a user's role or disables/enables them."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.api import lambda_entry, make_app
from shop.api.access import ADMIN
from shop.api.admin_models import AdminUserResponse, UserAccessChanges, UserRef
from shop.api.callers import caller
from shop.api.responses import errors, success
from shop.bootstrap import build_user_admin

user_admin = build_user_admin()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.patch(
    "/admin/users/<id>",
    openapi_extensions=ADMIN,
    summary="Change a user's role or disabled flag",
    tags=["admin"],
    responses=success(AdminUserResponse, "The user after the change")
    | errors(e403="FORBIDDEN: admins only", e404="NOT_FOUND", e409="SELF_LOCKOUT"),
)
def patch_user(
    user_id: Annotated[UserRef, Path(alias="id")], body: Annotated[UserAccessChanges, Body()]
) -> AdminUserResponse:
    actor = caller(router)
    user = user_admin.change_access(actor, user_id, role=body.role, disabled=body.disabled)
    return AdminUserResponse.of_user(user)


handler = lambda_entry(make_app(router))
