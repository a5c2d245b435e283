"""NotificationsFunction on the emulator: real users (KMS-sealed), real markers, SES's outbox at /_aws/ses."""

from __future__ import annotations

import copy
import json
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from shop.domain.users import User, new_user_id
from shop_local.lambda_runtime.functions import LambdaContext
from shop_local.provisioning.provision import Stack
from shop_local.provisioning.stack import load_function

pytestmark = pytest.mark.integration
SAMPLE = Path("events/notifications/send_order_emails.json")
SAMPLE_USER = "u_4b8e2f1a9c3d5e7f0a1b2c3d"


def make_customer(email: str, name: str = "Ada <Lovelace>") -> str:
    from shop.bootstrap import build_users

    user = User(new_user_id(), email, name, "customer", False, datetime.now(UTC), "not-a-real-hash")
    build_users().create(user, email_index=uuid.uuid4().hex)
    return user.id


def events_for(user_id: str) -> dict[str, Any]:
    """The sample batch for a fresh order and fresh event ids, owned by `user_id`."""
    event = json.loads(SAMPLE.read_text())
    order_id = uuid.uuid4().hex
    for record in event["Records"]:
        body = json.loads(record["body"])
        body |= {"id": str(uuid.uuid4()), "order_id": order_id}
        body["data"]["user_id"] = user_id
        record["body"], record["messageId"] = json.dumps(body), str(uuid.uuid4())
    return event


def outbox(stack: Stack, to: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{stack.endpoint_url}/_aws/ses", timeout=10) as answer:
        messages = json.load(answer)["messages"]
    return [m for m in messages if to in m["Destination"].get("ToAddresses", [])]


@pytest.fixture(scope="module")
def handler(stack: Stack):
    return load_function(stack, "NotificationsFunction")


def context() -> LambdaContext:
    return LambdaContext("shop-local-NotificationsFunction", 512, 10)


def test_each_event_sends_one_email_with_text_and_html_even_when_delivered_twice(stack: Stack, handler):
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    event = events_for(make_customer(email))
    assert handler(event, context()) == {"batchItemFailures": []}
    assert handler(copy.deepcopy(event), context()) == {"batchItemFailures": []}

    mails = outbox(stack, email)
    assert len(mails) == 4
    assert {m["Source"] for m in mails} == {stack.function_environment("NotificationsFunction")["MAIL_FROM"]}
    subjects = sorted(m["Subject"] for m in mails)
    assert [s.split(" ")[0] for s in subjects] == ["Payment", "We", "Your", "Your"]
    for mail in mails:
        assert mail["Body"]["text_part"] and mail["Body"]["html_part"].startswith("<!DOCTYPE html>")
        assert "Ada &lt;Lovelace&gt;" in mail["Body"]["html_part"]
        assert "Ada <Lovelace>" in mail["Body"]["text_part"]
    receipt = next(m for m in mails if m["Subject"].startswith("Payment receipt"))
    assert (
        "$49.98" in receipt["Body"]["text_part"] and "Tea &amp; biscuits tin" in receipt["Body"]["html_part"]
    )


def test_a_refused_send_fails_only_its_record_and_is_not_marked_done(stack: Stack, handler):
    good = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    good_event, bad_event = events_for(make_customer(good)), events_for(make_customer("no-domain-address"))
    batch = {"Records": [good_event["Records"][0], bad_event["Records"][1], good_event["Records"][1]]}
    failed = bad_event["Records"][1]["messageId"]

    assert handler(batch, context()) == {"batchItemFailures": [{"itemIdentifier": failed}]}
    assert len(outbox(stack, good)) == 2
    # The claim was released: a redelivery tries again (and fails again) instead of being skipped.
    # A batch whose every record failed is a function error (powertools), so the queue retries it.
    with pytest.raises(BatchProcessingError, match="InvalidParameterValue"):
        handler({"Records": [bad_event["Records"][1]]}, context())
