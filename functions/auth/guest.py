"""POST /auth/guest: a short-lived guest token, so an anonymous shopper can keep a cart."""

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.auth_models import AccessTokenResponse
from shop.api.catalog_models import success
from shop.bootstrap import build_access_tokens
from shop.services.auth import issue_guest_token

tokens = build_access_tokens()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/auth/guest",
    summary="Get a guest token",
    tags=["auth"],
    status_code=201,
    responses=success(AccessTokenResponse, "A guest access token", 201),
)
def guest_token() -> tuple[AccessTokenResponse, int]:
    return AccessTokenResponse.of(issue_guest_token(tokens)), 201


handler = lambda_entry(make_app(router))
