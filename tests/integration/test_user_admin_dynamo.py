"""Admin user management on the emulator: disabling ends every refresh family, promotion reaches the
next refresh, and the user list pages newest first at a bounded KMS cost.

Paging and KMS counts run on a fresh copy of UsersTable (made from template.yaml's definition) so
that users other tests create do not change the counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shop.adapters.admin_listings_dynamo import DynamoUserDirectory
from shop.adapters.aws import client
from shop.adapters.pii_crypto import EnvelopeCipher
from shop.adapters.users.users_dynamo import DynamoUsers
from shop.config import settings
from shop.domain.callers import Caller
from shop.domain.users import User
from shop.errors import AccountDisabled, InvalidToken, ValidationFailed
from shop.services.auth import AuthService
from shop.services.user_admin import UserAdmin

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery"
ADMIN = Caller(id="u_integration_admin", role="admin", request_id="req-admin-it")


@pytest.fixture
def auth(stack: Any) -> AuthService:
    from shop.bootstrap import build_auth_service

    return build_auth_service()


@pytest.fixture
def user_admin(stack: Any) -> UserAdmin:
    from shop.bootstrap import build_user_admin

    return build_user_admin()


def family_revoked(family_id: str) -> bool:
    key = {"pk": {"S": f"FAMILY#{family_id}"}, "sk": {"S": "FAMILY"}}
    item = client("dynamodb").get_item(TableName=settings().users_table, Key=key, ConsistentRead=True)["Item"]
    return bool(item["revoked"]["BOOL"])


def raw_user_item(user_id: str, sk: str) -> dict[str, Any]:
    key = {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": sk}}
    got = client("dynamodb").get_item(TableName=settings().users_table, Key=key, ConsistentRead=True)
    return dict(got["Item"])


def family_of(refresh_token: str) -> str:
    from shop.adapters.users.refresh_tokens_dynamo import DynamoRefreshTokens
    from shop.domain.tokens import hash_refresh_token

    store = DynamoRefreshTokens(client("dynamodb"), settings().users_table)
    found = store.find(hash_refresh_token(refresh_token))
    assert found is not None
    return found.family_id


def test_disabling_ends_every_session_so_no_refresh_survives(
    auth: AuthService, user_admin: UserAdmin
) -> None:
    email = f"disable-{uuid.uuid4().hex[:8]}@example.net"
    first = auth.register(email, PASSWORD, "Dee")
    second = auth.login(email, PASSWORD)
    third = auth.login(email, PASSWORD)
    families = [family_of(s.refresh_token) for s in (first, second, third)]
    profile = raw_user_item(first.user.id, "PROFILE")

    assert user_admin.change_access(ADMIN, first.user.id, disabled=True).disabled
    assert raw_user_item(first.user.id, "PROFILE") == profile  # the admin wrote the ACCESS item only
    assert raw_user_item(first.user.id, "ACCESS")["disabled"] == {"BOOL": True}
    assert not any(family_revoked(f) for f in families)  # the admin wrote none of the user's sessions
    for session in (first, second):
        with pytest.raises(AccountDisabled):
            auth.refresh(session.refresh_token)
    with pytest.raises(AccountDisabled):
        auth.login(email, PASSWORD)

    assert not user_admin.change_access(ADMIN, first.user.id, disabled=False).disabled
    for session in (first, second, third):  # re-enabling does not bring old sessions back
        with pytest.raises(InvalidToken):
            auth.refresh(session.refresh_token)
    assert all(family_revoked(f) for f in families)  # each refresh that found one revoked it
    assert auth.refresh(auth.login(email, PASSWORD).refresh_token).user.id == first.user.id


def test_two_admins_changing_one_user_at_once_both_land(auth: AuthService, user_admin: UserAdmin) -> None:
    from concurrent.futures import ThreadPoolExecutor

    user = auth.register(f"both-{uuid.uuid4().hex[:8]}@example.net", PASSWORD, "Two").user
    other = Caller(id="u_other_admin", role="admin", request_id="req-other")
    with ThreadPoolExecutor(max_workers=2) as pool:
        promoted = pool.submit(user_admin.change_access, ADMIN, user.id, role="admin")
        disabled = pool.submit(user_admin.change_access, other, user.id, disabled=True)
        promoted.result(), disabled.result()
    access = raw_user_item(user.id, "ACCESS")
    assert (access["role"], access["disabled"], access["access_version"]) == (
        {"S": "admin"},
        {"BOOL": True},
        {"N": "2"},
    )


def test_a_promotion_reaches_the_next_refresh(auth: AuthService, user_admin: UserAdmin) -> None:
    from shop.bootstrap import build_access_tokens

    session = auth.register(f"promote-{uuid.uuid4().hex[:8]}@example.net", PASSWORD, "Pro")
    assert build_access_tokens().verify(session.access_token).role == "customer"
    user_admin.change_access(ADMIN, session.user.id, role="admin")
    assert raw_user_item(session.user.id, "PROFILE")["role"] == {"S": "customer"}  # as registered
    refreshed = auth.refresh(session.refresh_token)
    assert build_access_tokens().verify(refreshed.access_token).role == "admin"
    assert refreshed.user.role == "admin"


class CountingKms:
    """The KMS client, counting the calls that cost money and latency."""

    def __init__(self) -> None:
        self._kms, self.decrypts = client("kms"), 0

    def decrypt(self, **request: Any) -> Any:
        self.decrypts += 1
        return self._kms.decrypt(**request)

    def generate_data_key(self, **request: Any) -> Any:
        return self._kms.generate_data_key(**request)


@pytest.fixture
def users_table(stack: Any) -> Iterator[str]:
    """A fresh, empty table defined exactly like UsersTable in template.yaml."""
    props = stack.resources["UsersTable"]["Properties"]
    name = f"scratch-users-{uuid.uuid4().hex[:8]}"
    client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"], GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
    )  # fmt: skip
    yield name
    client("dynamodb").delete_table(TableName=name)


def store_users(table: str, count: int, **cipher_options: Any) -> list[User]:
    cipher = EnvelopeCipher(client("kms"), settings().data_key_id, **cipher_options)
    users, start = DynamoUsers(client("dynamodb"), table, cipher), datetime(2025, 1, 1, tzinfo=UTC)
    made = []
    for i in range(count):
        user = User(
            id=f"u_{i:04d}_{uuid.uuid4().hex[:6]}", email=f"user{i}@example.org", name=f"User {i}",
            role="customer", disabled=False, created_at=start + timedelta(minutes=i), password_hash="$argon2id$x",
        )  # fmt: skip
        users.create(user, email_index=uuid.uuid4().hex)
        made.append(user)
    return made


def cold_directory(table: str) -> tuple[DynamoUserDirectory, CountingKms]:
    """What a new Lambda container has: no data key in memory yet."""
    kms = CountingKms()
    users = DynamoUsers(client("dynamodb"), table, EnvelopeCipher(kms, settings().data_key_id))
    return DynamoUserDirectory(client("dynamodb"), table, users), kms


def test_45_users_page_20_20_5_newest_first_with_one_kms_call(users_table: str) -> None:
    made = store_users(users_table, 45)
    directory, kms = cold_directory(users_table)
    pages, cursor = [], None
    while True:
        page = directory.newest_users(20, cursor)
        pages.append(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [len(p) for p in pages] == [20, 20, 5]
    listed = [u for p in pages for u in p]
    assert [u.id for u in listed] == [u.id for u in reversed(made)]
    assert listed[0].email == "user44@example.org" and listed[0].name == "User 44"
    assert kms.decrypts == 1  # 45 users sealed under one data key: one Decrypt, then the cache
    assert cursor is not None
    with pytest.raises(ValidationFailed):
        directory.newest_users(20, cursor[:-4] + "AAAA")


def test_a_page_costs_one_kms_call_per_new_data_key_not_per_user(users_table: str) -> None:
    store_users(users_table, 20, max_key_uses=5)  # writers rotating keys: 4 data keys for 20 users
    directory, kms = cold_directory(users_table)
    assert len(directory.newest_users(20, None).items) == 20
    assert kms.decrypts == 4
    directory.newest_users(20, None)
    assert kms.decrypts == 4  # a warm container decrypts from memory
