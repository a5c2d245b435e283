"""POST /auth/login: trade an email and password for a session."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.auth_models import LoginRequest, SessionResponse
from shop.api.callers import anonymous
from shop.api.client_ip import source_ip
from shop.api.responses import errors, success
from shop.bootstrap import build_auth_service

auth = build_auth_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/auth/login",
    openapi_extensions=ANYONE,
    summary="Log in",
    tags=["auth"],
    responses=success(SessionResponse, "Signed in")
    | errors(
        e401="INVALID_CREDENTIALS: wrong email or password (the same answer for both)",
        e403="ACCOUNT_DISABLED: an admin disabled this account",
        e429="RATE_LIMITED: too many failures for this email, or from this address (Retry-After says how long to wait)",
    ),
)
def login(body: Annotated[LoginRequest, Body()]) -> SessionResponse:
    session = auth.login(
        body.email, body.password, body.guest_token, anonymous(router).request_id, source_ip(router)
    )
    return SessionResponse.from_session(session)


handler = lambda_entry(make_app(router))
