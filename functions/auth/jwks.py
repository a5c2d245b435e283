"""GET /.well-known/jwks.json: the public keys that verify access tokens (RFC 7517), for any
service that wants to check our tokens itself."""

import shop.init_phase  # noqa: F401  # first: the collector is paused while the function loads

from aws_lambda_powertools.event_handler.api_gateway import Router

from shop.api import lambda_entry, make_app
from shop.api.access import ANYONE
from shop.api.auth_models import JwksResponse
from shop.bootstrap import build_public_key_ring

keys = build_public_key_ring()
router = Router()  # type: ignore[no-untyped-call]  # powertools leaves __init__ unannotated


@router.get(
    "/.well-known/jwks.json", openapi_extensions=ANYONE, summary="Token verification keys", tags=["auth"]
)
def jwks() -> JwksResponse:
    return JwksResponse.model_validate(keys.current().jwks())


handler = lambda_entry(make_app(router))
