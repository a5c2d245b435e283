"""POST /auth/refresh: spend a refresh token for a new access token and a new refresh token."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.auth_models import RefreshRequest, TokenPairResponse
from shop.api.callers import anonymous
from shop.api.responses import errors, success
from shop.bootstrap import build_sessions

sessions = build_sessions()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/auth/refresh",
    openapi_extensions=ANYONE,
    summary="Refresh a session",
    tags=["auth"],
    responses=success(TokenPairResponse, "A new access token and a new refresh token")
    | errors(
        e401="UNAUTHORIZED: not a live refresh token; TOKEN_REUSED: a spent one (its family is revoked)",
        e403="ACCOUNT_DISABLED: an admin disabled this account",
    ),
)
def refresh(body: Annotated[RefreshRequest, Body()]) -> TokenPairResponse:
    return TokenPairResponse.of_session(sessions.refresh(body.refresh_token, anonymous(router).request_id))


handler = lambda_entry(make_app(router))
