"""The audit verifier command against the running local shop: intact after real admin writes, the
first break named when an entry is changed behind the API's back, intact again once it is put back.

Needs from tests/e2e/conftest.py: `local_shop` (its emulator is where the entry is changed) and
`admin_token`. The changed entry is restored at once, so later tests see an intact trail.
"""

import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import requests

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def verify(local_shop):
    command = [
        sys.executable,
        "-m",
        "shop_tools.audit_verify",
        "--emulator-url",
        local_shop.emulator_url,
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_the_verifier_finds_a_changed_entry(local_shop, admin_token):
    me = requests.get(
        f"{local_shop.url}/auth/me", headers={"Authorization": f"Bearer {admin_token}"}, timeout=10
    )
    assert me.status_code == 200  # at least the admin's creation and login are on the trail
    intact = verify(local_shop)
    assert intact.returncode == 0, intact.stderr
    counted = re.fullmatch(
        r"audit trail intact: (\d+) entries in (\d+) chains, \d+ signed checkpoints\n", intact.stdout
    )
    assert counted is not None and int(counted.group(1)) >= 2, intact.stdout

    dynamodb = boto3.client(
        "dynamodb", endpoint_url=local_shop.emulator_url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    table = next(name for name in dynamodb.list_tables()["TableNames"] if name.endswith("-AuditTable"))
    first = dynamodb.scan(
        TableName=table,
        FilterExpression="begins_with(pk, :c)",
        ExpressionAttributeValues={":c": {"S": "CHAIN#"}},
    )
    original = first["Items"][0]
    dynamodb.put_item(TableName=table, Item={**original, "actor_id": {"S": "someone-else"}})
    try:
        broken = verify(local_shop)
    finally:
        dynamodb.put_item(TableName=table, Item=original)
    assert broken.returncode == 1
    chain, seq = original["chain"]["S"], int(original["seq"]["N"])
    assert broken.stdout.startswith(
        f"audit trail broken at chain {chain}, seq {seq}: entry {original['id']['S']}"
    )

    again = verify(local_shop)
    assert again.returncode == 0 and again.stdout.startswith("audit trail intact:")
