"""Which IAM action and resource each AWS call of the shop is authorized as."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from shop_local.iam.actions import ArnBook, call_facts, requests_for
from shop_local.iam.record import Recorder, recording_directory
from shop_local.lambda_runtime.aws_call_hooks import attributed, current_invocation
from shop_local.settings import SettingsError

ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:shop-local-SigningKeySecret-AbCdEf"
QUEUE_URL = f"http://127.0.0.1:4566/{ACCOUNT}/shop-local-RefundsQueue"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:shop-local-RefundsQueue"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:shop-local-OrderEventsTopic"
BOOK = ArnBook(
    "us-east-1",
    ACCOUNT,
    secrets=(SECRET,),
    keys=(KEY,),
    aliases={"alias/shop-local-data": KEY},
    queues={QUEUE_URL: QUEUE},
    identities=("orders@example.com", "example.org"),
)


def table(name: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{name}"


def authorized(
    service: str, operation: str, params: dict[str, Any], answer: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    requests = requests_for(service, operation, call_facts(operation, params, answer), BOOK)
    return [(r.action, r.resource) for r in requests]


def test_item_calls_are_their_action_on_the_table() -> None:
    assert authorized("dynamodb", "GetItem", {"TableName": "Users", "Key": {}}) == [
        ("dynamodb:GetItem", table("Users"))
    ]
    assert authorized("dynamodb", "UpdateItem", {"TableName": table("Users")}) == [
        ("dynamodb:UpdateItem", table("Users"))
    ]


def test_a_query_of_an_index_is_on_the_index_arn_and_of_the_table_on_the_table() -> None:
    assert authorized("dynamodb", "Query", {"TableName": "Orders", "IndexName": "gsi2"}) == [
        ("dynamodb:Query", table("Orders") + "/index/gsi2")
    ]
    assert authorized("dynamodb", "Scan", {"TableName": "Orders"}) == [("dynamodb:Scan", table("Orders"))]


def test_transactions_are_each_elements_action_and_batches_their_action_per_table() -> None:
    items = [
        {"Put": {"TableName": "Orders", "Item": {}}},
        {"Update": {"TableName": "Catalog", "Key": {}}},
        {"Delete": {"TableName": "Carts", "Key": {}}},
        {"ConditionCheck": {"TableName": "Orders", "Key": {}}},
    ]
    assert sorted(authorized("dynamodb", "TransactWriteItems", {"TransactItems": items})) == [
        ("dynamodb:ConditionCheckItem", table("Orders")),
        ("dynamodb:DeleteItem", table("Carts")),
        ("dynamodb:PutItem", table("Orders")),
        ("dynamodb:UpdateItem", table("Catalog")),
    ]
    reads = [{"Get": {"TableName": "Orders"}}, {"Get": {"TableName": "Users"}}]
    assert authorized("dynamodb", "TransactGetItems", {"TransactItems": reads}) == [
        ("dynamodb:GetItem", table("Orders")),
        ("dynamodb:GetItem", table("Users")),
    ]
    batch: dict[str, Any] = {"RequestItems": {"Catalog": {"Keys": []}, "Carts": {"Keys": []}}}
    assert authorized("dynamodb", "BatchGetItem", batch) == [
        ("dynamodb:BatchGetItem", table("Carts")),
        ("dynamodb:BatchGetItem", table("Catalog")),
    ]
    assert authorized("dynamodb", "BatchWriteItem", {"RequestItems": {"Carts": []}}) == [
        ("dynamodb:BatchWriteItem", table("Carts"))
    ]


def test_partiql_is_the_verbs_action_on_the_table_or_index() -> None:
    select = {"Statement": 'SELECT * FROM "Orders"."gsi2" WHERE gsi2pk = ?'}
    assert authorized("dynamodb", "ExecuteStatement", select) == [
        ("dynamodb:PartiQLSelect", table("Orders") + "/index/gsi2")
    ]
    assert authorized("dynamodb", "ExecuteStatement", {"Statement": "DELETE FROM Carts WHERE pk = ?"}) == [
        ("dynamodb:PartiQLDelete", table("Carts"))
    ]


def test_stream_calls_are_on_the_stream() -> None:
    stream = table("Orders") + "/stream/2024-01-01T00:00:00.000"
    assert authorized("dynamodbstreams", "DescribeStream", {"StreamArn": stream}) == [
        ("dynamodb:DescribeStream", stream)
    ]
    assert authorized("dynamodbstreams", "ListStreams", {"TableName": "Orders"}) == [
        ("dynamodb:ListStreams", table("Orders") + "/stream/*")
    ]


def test_kms_calls_are_on_the_key_with_the_encryption_context_as_condition_keys() -> None:
    params = {"KeyId": KEY_ID, "KeySpec": "AES_256", "EncryptionContext": {"purpose": "shop-pii"}}
    (request,) = requests_for("kms", "GenerateDataKey", call_facts("GenerateDataKey", params, None), BOOK)
    assert (request.action, request.resource) == ("kms:GenerateDataKey", KEY)
    assert request.value_of("kms:EncryptionContext:purpose") == ("shop-pii",)
    assert request.value_of("kms:EncryptionContextKeys") == ("purpose",)
    assert authorized("kms", "Encrypt", {"KeyId": "alias/shop-local-data"}) == [("kms:Encrypt", KEY)]
    assert authorized("kms", "Encrypt", {"KeyId": KEY}) == [("kms:Encrypt", KEY)]


def test_a_decrypt_without_a_key_id_is_on_the_key_kms_used_else_the_stacks_only_key_and_says_so() -> None:
    other = KEY.replace(KEY_ID, "ffffffff-12ab-34cd-56ef-1234567890ab")
    blob = {"CiphertextBlob": b"sealed", "EncryptionContext": {"purpose": "shop-orders"}}
    (answered,) = requests_for("kms", "Decrypt", call_facts("Decrypt", blob, {"KeyId": other}), BOOK)
    assert answered.resource == other and "KMS's answer" in answered.note
    (failed,) = requests_for("kms", "Decrypt", call_facts("Decrypt", blob, None), BOOK)
    assert failed.resource == KEY and "only key" in failed.note
    (named,) = requests_for("kms", "Decrypt", call_facts("Decrypt", blob | {"KeyId": KEY_ID}, None), BOOK)
    assert named.resource == KEY and named.note == ""


def test_secrets_are_their_full_arn_by_arn_partial_arn_or_name() -> None:
    partial = SECRET.rsplit("-", 1)[0]
    for given in (SECRET, partial, "shop-local-SigningKeySecret"):
        assert authorized("secretsmanager", "GetSecretValue", {"SecretId": given}) == [
            ("secretsmanager:GetSecretValue", SECRET)
        ]
    (stranger,) = requests_for("secretsmanager", "PutSecretValue", {"SecretId": "nope"}, BOOK)
    assert stranger.resource.endswith(":secret:nope") and "not a secret of the stack" in stranger.note


def test_sns_publish_batch_is_sns_publish_on_the_topic() -> None:
    assert authorized("sns", "PublishBatch", {"TopicArn": TOPIC, "PublishBatchRequestEntries": []}) == [
        ("sns:Publish", TOPIC)
    ]


def test_sqs_calls_are_on_the_queue_arn_of_the_url() -> None:
    assert authorized("sqs", "SendMessageBatch", {"QueueUrl": QUEUE_URL, "Entries": []}) == [
        ("sqs:SendMessage", QUEUE)
    ]
    elsewhere = "http://localhost:9999/000000000000/other"
    assert authorized("sqs", "DeleteMessage", {"QueueUrl": elsewhere}) == [
        ("sqs:DeleteMessage", "arn:aws:sqs:us-east-1:000000000000:other")
    ]


def test_ses_send_email_is_on_the_senders_identity() -> None:
    assert authorized("sesv2", "SendEmail", {"FromEmailAddress": "Shop <orders@example.com>"}) == [
        ("ses:SendEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/orders@example.com")
    ]
    assert authorized("sesv2", "SendEmail", {"FromEmailAddress": "news@example.org"}) == [
        ("ses:SendEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/example.org")
    ]


def test_a_call_of_an_unmapped_service_is_its_action_on_everything_and_says_so() -> None:
    (request,) = requests_for("s3", "PutObject", call_facts("PutObject", {"Bucket": "b"}, None), BOOK)
    assert (request.action, request.resource) == ("s3:PutObject", "*") and request.note


def test_facts_keep_names_and_ids_never_items_or_secrets() -> None:
    params = {
        "TableName": "Users",
        "Item": {"email": {"S": "ada@example.com"}},
        "SecretString": "hunter2",
        "Plaintext": b"key",
    }
    facts = call_facts("PutItem", params, {"Attributes": {"name": {"S": "Ada"}}})
    assert facts == {"TableName": "Users"}


def test_the_recorder_writes_each_distinct_call_of_a_function_once_and_ignores_other_callers(
    tmp_path: Any,
) -> None:
    recorder = Recorder(tmp_path)
    client: Any = botocore.session.get_session().create_client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    recorder.attach(client)
    with Stubber(client) as stub:
        for _ in range(4):
            stub.add_response("get_item", {})
        stub.add_client_error("get_item", "ResourceNotFoundException", http_status_code=400)

        def handler(event: dict[str, Any], context: Any) -> Any:
            assert current_invocation() is not None
            return client.get_item(TableName=event["table"], Key={"pk": {"S": "a"}})

        invoke = attributed("MeFunction", "shop-local-MeFunction", handler)
        invoke({"table": "Users"}, None)
        invoke({"table": "Users"}, None)
        client.get_item(TableName="Users", Key={"pk": {"S": "a"}})  # the test's own call
        invoke({"table": "Carts"}, None)
        with pytest.raises(ClientError):
            invoke({"table": "Gone"}, None)
    lines = [json.loads(line)["call"] for line in recorder.path.read_text().splitlines()]
    assert {line["function"] for line in lines} == {"shop-local-MeFunction"}
    assert [(line["facts"]["TableName"], line["error"]) for line in lines] == [
        ("Users", ""),
        ("Carts", ""),
        ("Gone", "ResourceNotFoundException"),
    ]
    assert current_invocation() is None


def test_the_setting_is_a_directory_to_record_in_or_off() -> None:
    assert recording_directory("record:.local/iam") == Path(".local/iam")
    assert recording_directory("off") is None and recording_directory("") is None
    for wrong in ("on", "record:", ".local/iam"):
        with pytest.raises(SettingsError, match="SHOP_IAM_CHECK"):
            recording_directory(wrong)
