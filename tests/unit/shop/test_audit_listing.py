"""The audit verifier's report on an in-memory trail, and listing cursors that must not be forged.

The chain's own detection is tested in test_auth_audit_trail.py; here, that the command's report
names the first broken entry and says what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from shop.adapters.admin_listings_dynamo import DynamoAuditListing, DynamoUserDirectory
from shop.domain.audit_chain import GENESIS_HASH, AuditEntry, entry_hash
from shop.domain.paging import Position, encode_cursor, scope_of
from shop.errors import ValidationFailed
from shop.services.audit import AuditTrail
from shop_local.tools.audit_verify import check_trail


class MemoryAuditStore:
    def __init__(self) -> None:
        self.items: dict[int, AuditEntry] = {}
        self.head_seq, self.head_hash = 0, GENESIS_HASH

    def head(self) -> tuple[int, str]:
        return self.head_seq, self.head_hash

    def append(self, entry: AuditEntry) -> bool:
        self.items[entry.seq] = entry
        self.head_seq, self.head_hash = entry.seq, entry.hash
        return True

    def entries(self) -> Iterator[AuditEntry]:
        yield from (self.items[seq] for seq in sorted(self.items))


@pytest.fixture
def store() -> MemoryAuditStore:
    store = MemoryAuditStore()
    trail = AuditTrail(store)
    for i in range(5):
        trail.record(
            actor_id="u_admin", actor_role="admin", action="user.disabled", target_type="user",
            target_id=f"u_{i}", request_id=f"r_{i}", details={"from": False, "to": True},
        )  # fmt: skip
    return store


def test_an_intact_trail_is_reported_with_its_length(store: MemoryAuditStore) -> None:
    report = check_trail(store)
    assert (report.intact, report.message) == (True, "audit chain intact: 5 entries")
    assert check_trail(MemoryAuditStore()).message == "audit chain intact: 0 entries"


def test_a_changed_entry_is_named_with_its_seq_and_id(store: MemoryAuditStore) -> None:
    store.items[3] = replace(store.items[3], details={"from": False, "to": False})
    report = check_trail(store)
    assert not report.intact
    assert report.message.startswith(f"audit chain broken at seq 3, id {store.items[3].id}: its content")


def test_a_replaced_entry_with_a_recomputed_hash_breaks_the_next_link(store: MemoryAuditStore) -> None:
    forged = replace(store.items[2], target_id="u_someone_else")
    store.items[2] = replace(forged, hash=entry_hash(forged))
    report = check_trail(store)
    assert report.message.startswith(f"audit chain broken at seq 3, id {store.items[3].id}: its prev_hash")


def test_a_deleted_entry_is_found_where_the_sequence_jumps(store: MemoryAuditStore) -> None:
    del store.items[2]
    assert "seq 2 was expected here" in check_trail(store).message
    assert check_trail(store).message.startswith("audit chain broken at seq 3")


def test_entries_cut_off_the_end_are_found_through_the_head(store: MemoryAuditStore) -> None:
    del store.items[5], store.items[4]
    report = check_trail(store)
    assert (
        report.message
        == "audit chain broken at seq 4: entries 4 to 5 (the last ones, by the chain head) are missing"
    )


class NoQueries:
    """A DynamoDB client that must not be reached: a bad cursor is refused before any query."""

    def query(self, **_: Any) -> dict[str, Any]:
        raise AssertionError("queried with a bad cursor")


def forged(scope: str, **key: Any) -> str:
    return encode_cursor(Position(0, key), scope)


AUDIT_KEY = {
    "pk": "AUDIT",
    "sk": "SEQ#000000000001",
    "gsi1pk": "ACTOR#u_1",
    "gsi1sk": "2025-01-01T00:00:00Z#e",
}


@pytest.mark.parametrize(
    ("actor_id", "cursor"),
    [
        ("u_1", "not a cursor"),
        ("u_1", forged(scope_of("admin-audit", "u_2", None), **AUDIT_KEY)),  # another query's cursor
        ("u_1", forged(scope_of("admin-audit", "u_1", None), **{**AUDIT_KEY, "gsi1pk": "ACTOR#u_2"})),
        ("u_1", forged(scope_of("admin-audit", "u_1", None), pk="AUDIT", sk="SEQ#000000000001")),
        (None, forged(scope_of("admin-audit", None, None), pk="AUDIT_HEAD", sk="HEAD")),
        (None, forged(scope_of("admin-audit", None, None), pk="AUDIT", sk=7)),
    ],
)
def test_forged_audit_cursors_are_refused(actor_id: str | None, cursor: str) -> None:
    with pytest.raises(ValidationFailed):
        DynamoAuditListing(NoQueries(), "audit").newest_entries(actor_id, None, 20, cursor)


def test_forged_user_cursors_are_refused() -> None:
    directory = DynamoUserDirectory(NoQueries(), "users", users=None)  # type: ignore[arg-type]
    key = {"pk": "USER#u_1", "sk": "PROFILE", "gsi1pk": "USERFAM#u_1", "gsi1sk": "f_1"}
    with pytest.raises(ValidationFailed):
        directory.newest_users(20, forged(scope_of("admin-users", "gsi1"), **key))
