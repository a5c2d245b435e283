"""Two containers of the local shop resolving at once each read their own event (shop_local.lambda_runtime.router_isolation).

Powertools keeps the event on the BaseRouter class; without the isolation the second request's
resolve overwrites the first's while its handler runs, and the first reads the second's caller.
"""

import copy
import json
import threading
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router

from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.lambda_runtime.router_isolation import install

SAMPLE = json.loads(Path("events/cart/get_cart.json").read_text())


def _event(user: str) -> dict[str, Any]:
    event = copy.deepcopy(SAMPLE)
    event["requestContext"]["authorizer"].update(user_id=user, principalId=user)
    return event


def _container(pause: threading.Event | None, resume: threading.Event) -> APIGatewayRestResolver:
    """A freshly loaded handler module: its own router and resolver, answering with the caller."""
    router = Router()

    @router.get(SAMPLE["path"])
    def caller() -> dict[str, str]:
        if pause is not None:
            pause.set()
            resume.wait(5)
        return {"user": router.current_event["requestContext"]["authorizer"]["user_id"]}

    app = APIGatewayRestResolver()
    app.include_router(router)
    return app


def test_a_request_keeps_its_event_while_another_container_resolves_one():
    install()
    paused, resume, answers = threading.Event(), threading.Event(), {}
    first, second = _container(paused, resume), _container(None, resume)
    context: Any = LambdaContext("cart")

    def first_request() -> None:
        answers["first"] = json.loads(first.resolve(_event("u_first"), context)["body"])["user"]

    worker = threading.Thread(target=first_request)
    worker.start()
    assert paused.wait(5)  # the first handler is running, its event already read by the resolver
    answers["second"] = json.loads(second.resolve(_event("u_second"), context)["body"])["user"]
    resume.set()
    worker.join(5)
    assert answers == {"first": "u_first", "second": "u_second"}
