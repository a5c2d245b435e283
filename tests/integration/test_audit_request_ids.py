"""The audit trail's `request_id` is API Gateway's own; the client's X-Request-Id is kept apart,
cleaned, so that a client can neither forge the id an operator correlates logs with nor smuggle
markup or line breaks into the trail."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration


def test_an_audit_entry_records_the_gateways_request_id_and_the_clients_apart_cleaned(stack):
    from shop.bootstrap import build_audit_listing

    admin = f"u_admin{uuid.uuid4().hex[:10]}"
    event = json.loads(Path("events/catalog/create_category.json").read_text())
    event["requestContext"]["authorizer"].update(user_id=admin, role="admin", principalId=admin)
    event["requestContext"]["requestId"] = gateway_id = f"gw-{uuid.uuid4()}"
    forged = "<script>x</script>\r\nFAKE-LOG-LINE"
    event["headers"] = {**event["headers"], "X-Request-Id": forged}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    event["body"] = json.dumps({"name": "Request ids", "slug": f"ids-{uuid.uuid4().hex[:10]}"})

    answer = load_function(stack, "CreateCategoryFunction")(event, LambdaContext("CreateCategoryFunction"))
    assert answer["statusCode"] == 201, answer["body"]

    (entry,) = build_audit_listing().entries(actor_id=admin, action=None, limit=10, cursor=None).items
    assert entry.request_id == gateway_id
    client_id = entry.details["client_request_id"]
    assert client_id and client_id != forged
    assert not set(client_id) & set("<>\r\n "), client_id
