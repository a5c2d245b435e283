"""POST /auth/login: trade an email and password for a session."""

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.auth_models import LoginRequest, SessionResponse, request_id
from shop.api.catalog_models import errors, success
from shop.bootstrap import build_auth_service

auth = build_auth_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/auth/login",
    summary="Log in",
    tags=["auth"],
    responses=success(SessionResponse, "Signed in")
    | errors(
        e401="INVALID_CREDENTIALS: wrong email or password (the same answer for both)",
        e403="ACCOUNT_DISABLED: an admin disabled this account",
        e429="RATE_LIMITED: too many failures for this email (Retry-After says how long to wait)",
    ),
)
def login(body: Annotated[LoginRequest, Body()]) -> SessionResponse:
    session = auth.login(body.email, body.password, body.guest_token, request_id(router))
    return SessionResponse.from_session(session)


handler = lambda_entry(make_app(router))
