"""GET /auth/me: the signed-in customer or admin (a guest has no account: 403)."""

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import Role, lambda_entry, make_app, require_role
from shop.api.auth_models import UserResponse
from shop.api.catalog_models import errors, success
from shop.bootstrap import build_auth_service

auth = build_auth_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/auth/me",
    summary="The current user",
    tags=["auth"],
    responses=success(UserResponse, "The signed-in user")
    | errors(e403="FORBIDDEN: a guest token has no account"),
)
def me() -> UserResponse:
    principal = require_role(router, [Role.CUSTOMER, Role.ADMIN])
    return UserResponse.of(auth.me(principal.user_id))


handler = lambda_entry(make_app(router))
