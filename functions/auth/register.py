"""POST /auth/register: create a customer account and start its first session."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.auth_models import RegisterRequest, SessionResponse
from shop.api.client_ip import source_ip
from shop.api.responses import errors, success
from shop.bootstrap import build_auth_service

auth = build_auth_service()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/auth/register",
    openapi_extensions=ANYONE,
    summary="Register",
    tags=["auth"],
    status_code=201,
    responses=success(SessionResponse, "The new customer, signed in", 201)
    | errors(
        e409="EMAIL_TAKEN: an account with this email exists",
        e429="RATE_LIMITED: too many registrations from this address (Retry-After says how long to wait)",
    ),
)
def register(body: Annotated[RegisterRequest, Body()]) -> tuple[SessionResponse, int]:
    session = auth.register(body.email, body.password, body.name, body.guest_token, source_ip(router))
    return SessionResponse.from_session(session), 201


handler = lambda_entry(make_app(router))
