"""GET /auth/me: the signed-in customer or admin (a guest has no account: 403)."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import ACCOUNT_HOLDERS
from shop.api.callers import caller
from shop.api.responses import errors, success
from shop.api.user_models import UserResponse
from shop.bootstrap import build_accounts

accounts = build_accounts()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/auth/me",
    openapi_extensions=ACCOUNT_HOLDERS,
    summary="The current user",
    tags=["auth"],
    responses=success(UserResponse, "The signed-in user")
    | errors(e403="FORBIDDEN: a guest token has no account"),
)
def me() -> UserResponse:
    return UserResponse.of(accounts.me(caller(router).id))


handler = lambda_entry(make_app(router))
