"""The audit trail on the emulator: filtered newest-first pages, and tampering found by verify_chain
and by the `shop_local.tools.audit_verify` command.

Runs on a fresh copy of AuditTable (made from template.yaml's definition): tampering with the
session's shared trail would break other tests' chains.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from shop.adapters.admin_listings_dynamo import DynamoAuditListing
from shop.adapters.audit_dynamo import DynamoAuditStore
from shop.adapters.aws import client
from shop.domain.audit_chain import AuditEntry
from shop.services.audit import AuditTrail, verify_chain
from shop_local.tools.audit_verify import check_trail, main

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
    recorder = AuditTrail(DynamoAuditStore(client("dynamodb"), audit_table), clock=lambda: next(clock))
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


def test_a_changed_entry_is_found_by_verify_chain_and_the_command(
    audit_table: str, trail: list[AuditEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    store = DynamoAuditStore(client("dynamodb"), audit_table)
    assert verify_chain(store) is None
    assert main(["--table", audit_table]) == 0
    assert capsys.readouterr().out.strip() == "audit chain intact: 30 entries"

    client("dynamodb").update_item(
        TableName=audit_table,
        Key={"pk": {"S": "AUDIT"}, "sk": {"S": "SEQ#000000000012"}},
        UpdateExpression="SET details = :d",
        ExpressionAttributeValues={":d": {"S": '{"n":999}'}},
    )
    broken = verify_chain(store)
    assert broken is not None and (broken.seq, broken.id) == (12, trail[11].id)
    report = check_trail(store)
    assert not report.intact
    assert report.message.startswith(f"audit chain broken at seq 12, id {trail[11].id}: its content")
    assert main(["--table", audit_table]) == 1
    assert capsys.readouterr().out.strip() == report.message


def test_a_deleted_last_entry_is_found_through_the_head(audit_table: str, trail: list[AuditEntry]) -> None:
    client("dynamodb").delete_item(
        TableName=audit_table, Key={"pk": {"S": "AUDIT"}, "sk": {"S": "SEQ#000000000030"}}
    )
    report = check_trail(DynamoAuditStore(client("dynamodb"), audit_table))
    assert (
        report.message
        == "audit chain broken at seq 30: entry 30 (the last one, by the chain head) is missing"
    )
