"""Users on the emulator: sealed PII, the email guard, and uniqueness under concurrent registration."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from shop.adapters.aws import client
from shop.adapters.pii_crypto import EnvelopeCipher
from shop.adapters.users.users_dynamo import DynamoUsers, user_key
from shop.config import settings
from shop.domain.users import User, new_user_id
from shop.errors import EmailTaken, NotFound

pytestmark = pytest.mark.integration


@pytest.fixture
def users(stack: Any) -> DynamoUsers:
    return DynamoUsers(
        client("dynamodb"), settings().users_table, EnvelopeCipher(client("kms"), settings().data_key_id)
    )


def a_user(email: str, name: str = "Zelda Quartermaine") -> User:
    return User(
        id=new_user_id(), email=email, name=name, role="customer", disabled=False,
        created_at=datetime.now(UTC), password_hash="$argon2id$v=19$m=19456,t=2,p=1$x$y",
    )  # fmt: skip


def raw_items(key: dict[str, str]) -> dict[str, Any]:
    answer = client("dynamodb").get_item(
        TableName=settings().users_table, Key={name: {"S": value} for name, value in key.items()}
    )
    return dict(answer["Item"])


def test_a_stored_user_holds_no_plaintext_email_or_name(users: DynamoUsers) -> None:
    user = a_user("zelda.plain@example.org")
    users.create(user, "idx-" + user.id)
    raw = repr(raw_items(user_key(user.id))).lower()
    assert "zelda" not in raw and "example.org" not in raw and "quartermaine" not in raw
    stored = users.get(user.id)
    assert stored is not None and (stored.email, stored.name) == (user.email, user.name)
    assert users.find_by_email_index("idx-" + user.id) == stored
    assert raw_items(user_key(user.id))["gsi1pk"] == {"S": "USER"}


def test_a_ciphertext_copied_onto_another_user_does_not_decrypt(users: DynamoUsers) -> None:
    victim, mallory = a_user("victim@example.org"), a_user("mallory@example.org")
    users.create(victim, "idx-" + victim.id)
    users.create(mallory, "idx-" + mallory.id)
    stolen = raw_items(user_key(victim.id))
    client("dynamodb").update_item(
        TableName=settings().users_table,
        Key={name: {"S": value} for name, value in user_key(mallory.id).items()},
        UpdateExpression="SET email_enc = :e, pii_key = :k",
        ExpressionAttributeValues={":e": stolen["email_enc"], ":k": stolen["pii_key"]},
    )
    try:
        with pytest.raises(ValueError, match="does not decrypt"):
            users.get(mallory.id)
    finally:  # others list every user: leave no undecryptable item behind
        client("dynamodb").delete_item(
            TableName=settings().users_table,
            Key={name: {"S": value} for name, value in user_key(mallory.id).items()},
        )


def test_one_email_one_account_even_under_concurrent_registration(users: DynamoUsers) -> None:
    contenders = [a_user("race@example.org") for _ in range(8)]

    def register(user: User) -> str:
        try:
            users.create(user, "idx-race-1")
        except EmailTaken:
            return "taken"
        return "created"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(register, contenders))
    assert sorted(outcomes) == ["created"] + ["taken"] * 7
    winner = users.find_by_email_index("idx-race-1")
    assert winner is not None and winner.id in {u.id for u in contenders}
    losers = [u for u in contenders if u.id != winner.id]
    assert all(users.get(u.id) is None for u in losers)  # no orphan user items


def test_role_and_disabled_changes(users: DynamoUsers) -> None:
    user = a_user("changes@example.org")
    users.create(user, "idx-" + user.id)
    assert users.update_access(user.id, role="admin").role == "admin"
    assert users.update_access(user.id, disabled=True).disabled is True
    with pytest.raises(NotFound):
        users.update_access("u_nobody", role="admin")


def test_a_change_another_admin_already_made_is_not_made_again(
    users: DynamoUsers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two identical disables at once: the loser's conditional write fails, it reads again, finds
    the user disabled, and writes nothing: one change, one set of entries, one new session epoch."""
    user = a_user("twice@example.org")
    users.create(user, "idx-" + user.id)
    stale = users.get(user.id)
    assert stale is not None
    first = users.update_access(user.id, disabled=True)  # the other admin's, landed meanwhile
    reads = iter([stale])
    real_get = users.get
    monkeypatch.setattr(users, "get", lambda user_id: next(reads, None) or real_get(user_id))
    made_from: list[User] = []

    def entries(before: User) -> list[Any]:
        made_from.append(before)
        return []

    again = users.update_access(user.id, disabled=True, audit=entries)
    assert made_from == [stale]  # only for the attempt whose write was refused
    assert again == first and real_get(user.id) == first
    assert (first.access_version, first.session_epoch) == (stale.access_version + 1, stale.session_epoch + 1)


def test_users_are_listed_on_gsi1_newest_first(users: DynamoUsers) -> None:
    created = [a_user(f"list{i}@example.org") for i in range(3)]
    for user in created:
        users.create(user, "idx-" + user.id)
    answer = client("dynamodb").query(
        TableName=settings().users_table,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :users",
        ExpressionAttributeValues={":users": {"S": "USER"}},
        ScanIndexForward=False,
    )
    listed = [users.from_item(item) for item in answer["Items"]]
    assert [u.created_at for u in listed] == sorted((u.created_at for u in listed), reverse=True)
    assert {u.id for u in created} <= {u.id for u in listed}
    assert {u.email for u in listed if u.id in {c.id for c in created}} == {c.email for c in created}
