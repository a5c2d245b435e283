"""The authorizer's admission: a valid token of a user whose role or access version has changed,
or who is disabled, is refused; guests are only verified; the access state is cached briefly."""

from __future__ import annotations

from typing import Any

import pytest

from shop.adapters.users.access_states_dynamo import CACHE_SECONDS, DynamoAccessStates
from shop.bootstrap import build_token_admission
from shop.domain.tokens import AccessClaims, AccessState
from shop.errors import InvalidToken
from shop.services.token_admission import TokenAdmission
from tests.fakes import FakeTokenVerifier, MemoryAccessStates


def claims(sub: str, role: str, version: int) -> AccessClaims:
    return AccessClaims(subject=sub, role=role, issued_at=0, expires_at=10**10, token_id="j", version=version)  # type: ignore[arg-type]


@pytest.fixture
def gate() -> tuple[TokenAdmission, FakeTokenVerifier, MemoryAccessStates]:
    verifier, states = FakeTokenVerifier(), MemoryAccessStates()
    verifier.claims = {
        "admin-v1": claims("u_a", "admin", 1),
        "guest": claims("g_1", "guest", 0),
        "ghost": claims("u_gone", "customer", 0),
    }
    states.states["u_a"] = AccessState(role="admin", disabled=False, version=1)
    return build_token_admission(verifier=verifier, states=states), verifier, states


def test_a_current_token_is_admitted(gate: Any) -> None:
    admission, _, _ = gate
    assert admission.admit("admin-v1").subject == "u_a"


@pytest.mark.parametrize(
    "state",
    [
        AccessState(role="customer", disabled=False, version=2),  # demoted
        AccessState(role="admin", disabled=True, version=2),  # disabled
        AccessState(role="admin", disabled=False, version=3),  # demoted, then promoted again
    ],
    ids=["demoted", "disabled", "re-promoted"],
)
def test_tokens_issued_before_a_change_are_refused(gate: Any, state: AccessState) -> None:
    admission, _, states = gate
    states.states["u_a"] = state
    with pytest.raises(InvalidToken):
        admission.admit("admin-v1")


def test_a_deleted_user_and_a_bad_token_are_refused(gate: Any) -> None:
    admission, _, _ = gate
    for token in ("ghost", "forged"):
        with pytest.raises(InvalidToken):
            admission.admit(token)


def test_guests_are_not_looked_up(gate: Any) -> None:
    admission, _, states = gate
    assert admission.admit("guest").role == "guest"
    assert states.reads == []


class FakeDynamo:
    """The user's partition: `item` is their PROFILE (None: no such user), `access` their ACCESS."""

    def __init__(self) -> None:
        self.item: dict[str, Any] | None = {
            "role": {"S": "admin"},
            "disabled": {"BOOL": False},
            "access_version": {"N": "4"},
        }
        self.access: dict[str, Any] | None = None
        self.calls: list[dict[str, Any]] = []

    def query(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        found = [("ACCESS", self.access), ("PROFILE", self.item)]
        return {"Items": [{"sk": {"S": sk}} | item for sk, item in found if item is not None]}


def test_the_access_state_is_one_projected_read_cached_for_a_few_seconds() -> None:
    dynamo, clock = FakeDynamo(), {"now": 0.0}
    states = DynamoAccessStates(dynamo, "users", clock=lambda: clock["now"])
    assert states.current("u_a") == AccessState(role="admin", disabled=False, version=4)
    assert dynamo.calls[0]["ExpressionAttributeValues"] == {":pk": {"S": "USER#u_a"}}
    assert "password_hash" not in dynamo.calls[0]["ProjectionExpression"]
    dynamo.item = {"role": {"S": "customer"}, "disabled": {"BOOL": True}, "access_version": {"N": "5"}}
    clock["now"] = CACHE_SECONDS - 1
    assert states.current("u_a") is not None and len(dynamo.calls) == 1
    clock["now"] = CACHE_SECONDS
    assert states.current("u_a") == AccessState(role="customer", disabled=True, version=5)
    assert len(dynamo.calls) == 2


def test_a_user_without_a_version_yet_is_version_zero() -> None:
    dynamo = FakeDynamo()
    dynamo.item = {"role": {"S": "customer"}, "disabled": {"BOOL": False}}
    assert DynamoAccessStates(dynamo, "users").current("u_b") == AccessState("customer", False, 0)
    dynamo.item = None
    assert DynamoAccessStates(dynamo, "users").current("u_c") is None


def test_an_admins_change_in_the_access_item_overrides_the_profile() -> None:
    dynamo = FakeDynamo()
    dynamo.access = {"role": {"S": "customer"}, "disabled": {"BOOL": True}, "access_version": {"N": "5"}}
    assert DynamoAccessStates(dynamo, "users").current("u_a") == AccessState("customer", True, 5)
    dynamo.item = None  # an ACCESS item without a profile is no user
    assert DynamoAccessStates(dynamo, "users").current("u_b") is None
