"""The audit trail on the emulator: filtered newest-first pages, and tampering found by verify_trail
and by the `shop_tools.audit_verify` command, with checkpoints signed by a KMS key.

Runs on a fresh copy of AuditTable (made from template.yaml's definition): tampering with the
session's shared trail would break other tests' chains.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shop.adapters.admin_listings_dynamo import DynamoAuditListing
from shop.adapters.audit.audit_dynamo import AuditChains, DynamoTrail, put_entry
from shop.adapters.audit.audit_signing_kms import KmsCheckpointSigner
from shop.adapters.aws import client
from shop.domain.audit_chain import AuditEntry, sealed
from shop.services.audit import AuditCheckpoints, AuditTrail, verify_trail
from shop_tools.audit_verify import check_trail, main

pytestmark = pytest.mark.integration


@pytest.fixture
def audit_table(stack: Any) -> Iterator[str]:
    props = stack.resources["AuditTable"]["Properties"]
    name = f"scratch-audit-{uuid.uuid4().hex[:8]}"
    client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"], GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
    )  # fmt: skip
    yield name
    client("dynamodb").delete_table(TableName=name)


@pytest.fixture
def trail(audit_table: str) -> list[AuditEntry]:
    """30 entries: actors a/b alternate, every third is user.disabled, the rest product.update."""
    clock = iter(f"2025-03-01T12:{minute:02d}:00.000Z" for minute in range(60))
    recorder = AuditTrail(AuditChains(client("dynamodb"), audit_table), clock=lambda: next(clock))
    entries = []
    for i in range(30):
        actor, action = (
            ("u_a" if i % 2 == 0 else "u_b"),
            ("user.disabled" if i % 3 == 0 else "product.update"),
        )
        entry = recorder.record(
            actor_id=actor, actor_role="admin", action=action, target_type="user",
            target_id=f"t_{i}", request_id=f"r_{i}", details={"n": i},
        )  # fmt: skip
        entries.append(entry)
    return entries


def every_page(
    listing: DynamoAuditListing, actor: str | None, action: str | None, limit: int
) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = listing.newest_entries(actor, action, limit, cursor)
        pages.append([e.details["n"] for e in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_filters_page_newest_first(audit_table: str, trail: list[AuditEntry]) -> None:
    listing = DynamoAuditListing(client("dynamodb"), audit_table)
    assert every_page(listing, None, None, 20) == [list(range(29, 9, -1)), list(range(9, -1, -1))]
    assert every_page(listing, "u_b", None, 10) == [list(range(29, 9, -2)), list(range(9, 0, -2))]
    assert every_page(listing, None, "user.disabled", 4) == [[27, 24, 21, 18], [15, 12, 9, 6], [3, 0]]
    both = [n for n in range(29, -1, -1) if n % 2 == 0 and n % 3 == 0]  # actor u_a, user.disabled
    assert every_page(listing, "u_a", "user.disabled", 2) == [both[:2], both[2:4], both[4:]]
    assert every_page(listing, "u_nobody", None, 5) == [[]]
    first = listing.newest_entries(None, None, 1, None).items[0]
    assert first == trail[-1]  # stored and read back exactly, hashes included


def test_a_payment_entry_is_in_no_action_index_yet_listed_by_its_action(audit_table: str) -> None:
    clock = iter(f"2025-03-01T13:{minute:02d}:00.000Z" for minute in range(60))
    recorder = AuditTrail(AuditChains(client("dynamodb"), audit_table), clock=lambda: next(clock))
    actions = ["payment.failed", "payment.succeeded", "payment.voided", "payment.succeeded"] * 3
    for n, action in enumerate(actions):
        recorder.record(
            actor_id=f"c_{n % 2}", actor_role="customer", action=action, target_type="order",
            target_id=f"o_{n}", request_id=f"r_{n}", details={"n": n},
        )  # fmt: skip
    by_action = client("dynamodb").query(
        TableName=audit_table, IndexName="gsi2", KeyConditionExpression="gsi2pk = :a",
        ExpressionAttributeValues={":a": {"S": "ACTION#payment.succeeded"}},
    )  # fmt: skip
    assert by_action["Items"] == []  # one per order: not written to gsi2
    listing = DynamoAuditListing(client("dynamodb"), audit_table)
    succeeded = [n for n in range(11, -1, -1) if actions[n] == "payment.succeeded"]
    assert every_page(listing, None, "payment.succeeded", 4) == [succeeded[:4], succeeded[4:]]
    assert every_page(listing, None, "payment.voided", 2) == [[10, 6], [2]]
    assert every_page(listing, "c_0", "payment.failed", 5) == [[8, 4, 0]]


def test_an_actors_page_merges_their_own_chain_with_their_entries_elsewhere(audit_table: str) -> None:
    clock = iter(f"2025-03-01T14:{minute:02d}:00.000Z" for minute in range(60))
    chains = AuditChains(client("dynamodb"), audit_table)
    recorder = AuditTrail(chains, clock=lambda: next(clock))
    for n in range(14):  # every third is a login, which opens a session chain of its own
        recorder.record(
            actor_id="u_c", actor_role="customer", action="auth.login" if n % 3 == 0 else "payment.succeeded",
            target_type="user", target_id="u_c", request_id=f"r_{n}", details={"n": n},
            opens_chain=f"session#s_{n}" if n % 3 == 0 else "",
        )  # fmt: skip
    seq, last = chains.head("user#u_c")
    legacy = sealed(recorder.draft(
        actor_id="u_c", actor_role="customer", action="payment.failed", target_type="order",
        target_id="o_old", request_id="r_old", details={"n": 14},
    ), seq + 1, last)  # fmt: skip
    legacy_item = put_entry(audit_table, legacy)["Put"]["Item"]
    legacy_item |= {"gsi1pk": {"S": "ACTOR#u_c"}, "gsi1sk": {"S": f"{legacy.at}#{legacy.id}"}}
    client("dynamodb").put_item(TableName=audit_table, Item=legacy_item)  # written before gsi1 was sparse
    by_actor = client("dynamodb").query(
        TableName=audit_table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :a",
        ExpressionAttributeValues={":a": {"S": "ACTOR#u_c"}},
    )["Items"]  # fmt: skip
    assert sorted(json.loads(i["details"]["S"])["n"] for i in by_actor) == [0, 3, 6, 9, 12, 14]
    listing = DynamoAuditListing(client("dynamodb"), audit_table)
    for limit in (1, 3, 4, 20):
        pages = every_page(listing, "u_c", None, limit)
        assert [n for page in pages for n in page] == list(range(14, -1, -1))
        assert all(len(page) == limit for page in pages[:-1])
    assert every_page(listing, "u_c", "auth.login", 2) == [[12, 9], [6, 3], [0]]
    assert every_page(listing, "u_c", "payment.failed", 5) == [[14]]


@pytest.fixture
def signer() -> KmsCheckpointSigner:
    """A checkpoint key of the kind template.yaml declares (moto signs and verifies with it)."""
    key = client("kms").create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    return KmsCheckpointSigner(client("kms"), key)


def entry_key(entry: AuditEntry) -> dict[str, Any]:
    return {"pk": {"S": f"CHAIN#{entry.chain}"}, "sk": {"S": f"SEQ#{entry.seq:012d}"}}


def test_a_changed_entry_is_found_by_the_verifier_and_the_command(
    audit_table: str, trail: list[AuditEntry], signer: KmsCheckpointSigner, capsys: pytest.CaptureFixture[str]
) -> None:
    store = DynamoTrail(client("dynamodb"), audit_table)
    assert verify_trail(store, signer) is None
    assert main(["--table", audit_table]) == 0
    assert (
        capsys.readouterr().out.strip() == "audit trail intact: 30 entries in 2 chains, 0 signed checkpoints"
    )

    client("dynamodb").update_item(
        TableName=audit_table,
        Key=entry_key(trail[11]),
        UpdateExpression="SET details = :d",
        ExpressionAttributeValues={":d": {"S": '{"n":999}'}},
    )
    broken = verify_trail(store, signer)
    assert broken is not None and (broken.chain, broken.seq, broken.entry_id) == ("user#u_b", 6, trail[11].id)
    report = check_trail(store, signer)
    assert not report.intact
    assert report.message.startswith(f"audit trail broken at chain user#u_b, seq 6: entry {trail[11].id}")
    assert main(["--table", audit_table]) == 1
    assert capsys.readouterr().out.strip() == report.message


def test_a_deleted_last_entry_is_found_through_a_kms_signed_checkpoint(
    audit_table: str, trail: list[AuditEntry], signer: KmsCheckpointSigner
) -> None:
    store = DynamoTrail(client("dynamodb"), audit_table)
    taken = AuditCheckpoints(store, signer, lambda: datetime(2025, 3, 1, 13, tzinfo=UTC)).take()
    assert taken is not None and set(taken.heads) == {"user#u_a", "user#u_b"}
    assert check_trail(store, signer).message.endswith("1 signed checkpoints")
    client("dynamodb").delete_item(TableName=audit_table, Key=entry_key(trail[-1]))
    assert check_trail(store, signer).message == (
        "audit trail broken at chain user#u_b, seq 15: missing: checkpoint 1 saw the chain reach it"
    )


def test_writers_can_only_put_new_entries(audit_table: str, trail: list[AuditEntry]) -> None:
    """An entry's place is taken once: a second put of the same place is refused by the condition."""
    chains = AuditChains(client("dynamodb"), audit_table)
    with pytest.raises(ClientError) as taken:
        client("dynamodb").put_item(**put_entry(audit_table, trail[0])["Put"])
    assert taken.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert chains.head("user#u_a") == (trail[-2].seq, trail[-2].hash)
