"""The audit verifier's report on an in-memory trail, and listing cursors that must not be forged.

The chain's own detection is tested in test_auth_audit_trail.py; here, that the command's report
names the first broken entry and says what is wrong with it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from shop.adapters.admin_listings_dynamo import DynamoAuditListing, DynamoUserDirectory
from shop.adapters.dynamo_paging import Position, encode_cursor, scope_of
from shop.domain.audit_chain import entry_hash
from shop.errors import ValidationFailed
from shop.services.audit import AuditCheckpoints, AuditTrail
from shop_tools.audit_verify import check_trail
from tests.fakes import HmacSigner, MemoryTrail


@pytest.fixture
def store() -> MemoryTrail:
    store = MemoryTrail()
    trail = AuditTrail(store)
    for i in range(5):
        trail.record(
            actor_id="u_admin", actor_role="admin", action="user.disabled", target_type="user",
            target_id=f"u_{i}", request_id=f"r_{i}", details={"from": False, "to": True},
        )  # fmt: skip
    return store


CHAIN = "user#u_admin"


def test_an_intact_trail_is_reported_with_its_size(store: MemoryTrail) -> None:
    report = check_trail(store, HmacSigner())
    assert (report.intact, report.message) == (
        True,
        "audit trail intact: 5 entries in 1 chains, 0 signed checkpoints",
    )
    assert check_trail(MemoryTrail(), HmacSigner()).entries == 0


def test_a_changed_entry_is_named_with_its_chain_seq_and_id(store: MemoryTrail) -> None:
    store.items[CHAIN, 3] = replace(store.items[CHAIN, 3], details={"from": False, "to": False})
    report = check_trail(store, HmacSigner())
    assert not report.intact
    assert report.message.startswith(
        f"audit trail broken at chain {CHAIN}, seq 3: entry {store.items[CHAIN, 3].id}"
    )


def test_a_replaced_entry_with_a_recomputed_hash_breaks_the_next_link(store: MemoryTrail) -> None:
    forged = replace(store.items[CHAIN, 2], target_id="u_someone_else")
    store.items[CHAIN, 2] = replace(forged, hash=entry_hash(forged))
    assert check_trail(store, HmacSigner()).message.startswith(f"audit trail broken at chain {CHAIN}, seq 3")


def test_a_deleted_entry_is_found_where_the_sequence_jumps(store: MemoryTrail) -> None:
    del store.items[CHAIN, 2]
    assert check_trail(store, HmacSigner()).message.startswith(f"audit trail broken at chain {CHAIN}, seq 3")


def test_entries_cut_off_the_end_are_found_through_a_signed_checkpoint(store: MemoryTrail) -> None:
    AuditCheckpoints(store, HmacSigner(), lambda: datetime(2030, 1, 1, tzinfo=UTC)).take()
    del store.items[CHAIN, 5], store.items[CHAIN, 4]
    report = check_trail(store, HmacSigner())
    assert report.message == (
        f"audit trail broken at chain {CHAIN}, seq 5: missing: checkpoint 1 saw the chain reach it"
    )


class NoQueries:
    """A DynamoDB client that must not be reached: a bad cursor is refused before any query."""

    def query(self, **_: Any) -> dict[str, Any]:
        raise AssertionError("queried with a bad cursor")


def forged(scope: str, **key: Any) -> str:
    return encode_cursor(Position(0, key), scope)


AUDIT_KEY = {
    "pk": "CHAIN#user#u_1",
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
        ("u_1", forged(scope_of("admin-audit", "u_1", None), pk="CHAIN#user#u_1", sk="SEQ#000000000001")),
        (None, forged(scope_of("admin-audit", None, None), pk="CHECKPOINTS", sk="SEQ#000000000001")),
        (None, forged(scope_of("admin-audit", None, None), pk="CHAIN#x", sk=7)),
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
