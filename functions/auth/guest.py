"""POST /auth/guest: a short-lived guest token, so an anonymous shopper can keep a cart."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.auth_models import AccessTokenResponse
from shop.api.client_ip import source_ip
from shop.api.responses import errors, success
from shop.bootstrap import build_guest_tokens

guest_tokens = build_guest_tokens()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/auth/guest",
    openapi_extensions=ANYONE,
    summary="Get a guest token",
    tags=["auth"],
    status_code=201,
    responses=success(AccessTokenResponse, "A guest access token", 201)
    | errors(e429="RATE_LIMITED: too many guest tokens for this address (Retry-After says how long to wait)"),
)
def guest_token() -> tuple[AccessTokenResponse, int]:
    return AccessTokenResponse.of(guest_tokens.issue(source_ip(router))), 201


handler = lambda_entry(make_app(router))
