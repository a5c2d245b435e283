"""POST /auth/logout: end the session (revoke every refresh token of its login).

Always 204, even for an unknown or spent token: logout is idempotent and does not tell a caller
whether a token it holds was valid.
"""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.auth_models import RefreshRequest
from shop.api.responses import no_content
from shop.bootstrap import build_logouts

logouts = build_logouts()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.post(
    "/auth/logout",
    openapi_extensions=ANYONE,
    summary="Log out",
    tags=["auth"],
    status_code=204,
    responses=no_content("Logged out (also for an unknown or spent token)"),
)
def logout(body: Annotated[RefreshRequest, Body()]) -> Response[str]:
    logouts.end(body.refresh_token)
    return Response(status_code=204, body="")


handler = lambda_entry(make_app(router))
