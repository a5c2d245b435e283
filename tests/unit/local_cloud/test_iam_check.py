"""The local IAM model's evaluation: which statement allows a request, and when nothing does."""

from __future__ import annotations

import pytest

from shop_local.iam.actions import ArnBook, requests_for
from shop_local.iam.check import PolicyError, Request, Statement, Verdict, conditions_of, evaluate

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shop-Orders"
OTHER_TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shop-Users"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BOOK = ArnBook("us-east-1", ACCOUNT)


def allow(actions: str | list[str], resources: str | list[str], condition: object = None) -> Statement:
    return Statement(
        label="Test",
        effect="Allow",
        actions=tuple([actions] if isinstance(actions, str) else actions),
        resources=tuple([resources] if isinstance(resources, str) else resources),
        conditions=conditions_of(condition, "Test"),
    )


def deny(actions: str, resources: str) -> Statement:
    return Statement(label="Guard", effect="Deny", actions=(actions,), resources=(resources,))


def decrypt(purpose: str | None) -> Request:
    context = () if purpose is None else (("kms:EncryptionContext:purpose", (purpose,)),)
    return Request("kms:Decrypt", KEY, context)


def test_a_statement_naming_the_action_and_the_resource_allows_and_is_the_reason() -> None:
    granted = allow(["dynamodb:GetItem", "dynamodb:PutItem"], TABLE)
    decision = evaluate([granted], Request("dynamodb:GetItem", TABLE))
    assert decision.verdict is Verdict.ALLOW and decision.statements == (granted,)


def test_an_action_not_granted_is_denied() -> None:
    decision = evaluate([allow("dynamodb:GetItem", TABLE)], Request("dynamodb:DeleteItem", TABLE))
    assert decision.verdict is Verdict.IMPLICIT_DENY and not decision.allowed


def test_the_granted_action_on_another_resource_is_denied() -> None:
    assert not evaluate([allow("dynamodb:GetItem", TABLE)], Request("dynamodb:GetItem", OTHER_TABLE)).allowed


def test_no_statements_deny_everything() -> None:
    assert evaluate([], Request("sns:Publish", "*")).verdict is Verdict.IMPLICIT_DENY


@pytest.mark.parametrize(
    ("pattern", "action", "allowed"),
    [
        ("dynamodb:GetItem", "dynamodb:GetItem", True),
        ("DynamoDB:getitem", "dynamodb:GetItem", True),  # IAM actions are case-insensitive
        ("dynamodb:Get*", "dynamodb:GetItem", True),
        ("dynamodb:Get*", "dynamodb:PutItem", False),
        ("sqs:SendMessage*", "sqs:SendMessage", True),
        ("dynamodb:?etItem", "dynamodb:GetItem", True),
        ("dynamodb:*", "kms:Decrypt", False),
        ("*", "kms:Decrypt", True),
        ("dynamodb:GetItem", "dynamodb:GetItems", False),  # the whole name, not a prefix
    ],
)
def test_action_wildcards(pattern: str, action: str, allowed: bool) -> None:
    assert evaluate([allow(pattern, "*")], Request(action, TABLE)).allowed is allowed


@pytest.mark.parametrize(
    ("pattern", "arn", "allowed"),
    [
        (f"arn:aws:dynamodb:*:{ACCOUNT}:table/shop-*", TABLE, True),
        ("arn:aws:dynamodb:us-east-1:*:table/shop-Order?", TABLE, True),
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/shop-orders", TABLE, False),  # ARNs are case-sensitive
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/*", f"{TABLE}/index/gsi1", True),
        (f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/*", TABLE, False),
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:*", TABLE, False),  # another service
        ("*", TABLE, True),
    ],
)
def test_resource_wildcards(pattern: str, arn: str, allowed: bool) -> None:
    assert evaluate([allow("dynamodb:Query", pattern)], Request("dynamodb:Query", arn)).allowed is allowed


def test_a_table_grant_does_not_cover_its_indexes_and_an_index_grant_is_that_index_only() -> None:
    on_table = allow("dynamodb:Query", TABLE)
    on_gsi1 = allow("dynamodb:Query", f"{TABLE}/index/gsi1")
    on_every_index = allow("dynamodb:Query", f"{TABLE}/index/*")
    query_gsi1, query_gsi2 = (
        Request("dynamodb:Query", f"{TABLE}/index/gsi1"),
        Request("dynamodb:Query", f"{TABLE}/index/gsi2"),
    )
    assert not evaluate([on_table], query_gsi1).allowed
    assert evaluate([on_gsi1], query_gsi1).allowed and not evaluate([on_gsi1], query_gsi2).allowed
    assert not evaluate([on_gsi1], Request("dynamodb:Query", TABLE)).allowed
    assert evaluate([on_every_index], query_gsi2).allowed


OPEN_PII = {"StringEquals": {"kms:EncryptionContext:purpose": "shop-pii"}}


def test_a_condition_on_the_encryption_context_allows_only_that_purpose() -> None:
    granted = [allow("kms:Decrypt", KEY, OPEN_PII)]
    assert evaluate(granted, decrypt("shop-pii")).allowed
    assert evaluate(granted, decrypt("shop-orders")).verdict is Verdict.IMPLICIT_DENY
    assert not evaluate(granted, decrypt("SHOP-PII")).allowed  # StringEquals is case-sensitive
    assert not evaluate(granted, decrypt(None)).allowed  # no context: the condition cannot hold


def test_condition_key_names_are_case_insensitive() -> None:
    granted = [allow("kms:Decrypt", KEY, {"StringEquals": {"KMS:encryptioncontext:Purpose": "shop-pii"}})]
    assert evaluate(granted, decrypt("shop-pii")).allowed


def test_every_condition_of_a_statement_must_hold_and_any_listed_value_will_do() -> None:
    both = {
        "StringEquals": {"kms:EncryptionContext:purpose": ["shop-pii", "shop-orders"]},
        "StringLike": {"aws:RequestedRegion": "eu-*"},
    }
    granted = [allow("kms:Decrypt", KEY, both)]
    in_region = (("kms:EncryptionContext:purpose", ("shop-orders",)), ("aws:RequestedRegion", ("eu-west-1",)))
    elsewhere = (in_region[0], ("aws:RequestedRegion", ("us-east-1",)))
    assert evaluate(granted, Request("kms:Decrypt", KEY, in_region)).allowed
    assert not evaluate(granted, Request("kms:Decrypt", KEY, elsewhere)).allowed


@pytest.mark.parametrize(
    ("condition", "purpose", "holds"),
    [
        ({"StringNotEquals": {"kms:EncryptionContext:purpose": "shop-pii"}}, "shop-orders", True),
        ({"StringNotEquals": {"kms:EncryptionContext:purpose": "shop-pii"}}, "shop-pii", False),
        ({"StringNotEquals": {"kms:EncryptionContext:purpose": "shop-pii"}}, None, True),
        ({"StringEqualsIfExists": {"kms:EncryptionContext:purpose": "shop-pii"}}, None, True),
        ({"StringEqualsIfExists": {"kms:EncryptionContext:purpose": "shop-pii"}}, "shop-orders", False),
        ({"StringEqualsIgnoreCase": {"kms:EncryptionContext:purpose": "SHOP-PII"}}, "shop-pii", True),
        ({"Null": {"kms:EncryptionContext:purpose": "true"}}, None, True),
        ({"Null": {"kms:EncryptionContext:purpose": "false"}}, None, False),
        ({"Null": {"kms:EncryptionContext:purpose": "false"}}, "shop-pii", True),
        ({"StringLike": {"kms:EncryptionContext:purpose": "shop-*"}}, "shop-orders", True),
        ({"StringNotLike": {"kms:EncryptionContext:purpose": "shop-*"}}, "shop-orders", False),
    ],
)
def test_condition_operators(condition: dict[str, object], purpose: str | None, holds: bool) -> None:
    assert evaluate([allow("kms:Decrypt", KEY, condition)], decrypt(purpose)).allowed is holds


def test_set_operators_on_a_multivalued_key() -> None:
    only_purpose = {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["purpose"]}}
    mentions_purpose = {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": ["purpose"]}}

    def keys(*names: str) -> Request:
        return Request("kms:Decrypt", KEY, (("kms:EncryptionContextKeys", names),))

    assert evaluate([allow("kms:Decrypt", KEY, only_purpose)], keys("purpose")).allowed
    assert not evaluate([allow("kms:Decrypt", KEY, only_purpose)], keys("purpose", "user")).allowed
    assert evaluate([allow("kms:Decrypt", KEY, only_purpose)], Request("kms:Decrypt", KEY)).allowed
    assert evaluate([allow("kms:Decrypt", KEY, mentions_purpose)], keys("user", "purpose")).allowed
    assert not evaluate([allow("kms:Decrypt", KEY, mentions_purpose)], Request("kms:Decrypt", KEY)).allowed


def test_an_explicit_deny_wins_whatever_the_order_of_statements() -> None:
    everything, guard = allow("dynamodb:*", "*"), deny("dynamodb:DeleteItem", TABLE)
    for statements in ([everything, guard], [guard, everything]):
        decision = evaluate(statements, Request("dynamodb:DeleteItem", TABLE))
        assert decision.verdict is Verdict.EXPLICIT_DENY and decision.statements == (guard,)
    assert evaluate([everything, guard], Request("dynamodb:DeleteItem", OTHER_TABLE)).allowed


def test_a_deny_whose_condition_fails_does_not_apply() -> None:
    guard = Statement("Guard", "Deny", ("kms:Decrypt",), (KEY,), conditions=conditions_of(OPEN_PII, "Guard"))
    statements = [allow("kms:Decrypt", KEY), guard]
    assert evaluate(statements, decrypt("shop-orders")).allowed
    assert evaluate(statements, decrypt("shop-pii")).verdict is Verdict.EXPLICIT_DENY


def test_not_action_and_not_resource() -> None:
    all_but_delete = Statement("T", "Allow", ("dynamodb:DeleteItem",), (TABLE,), not_action=True)
    assert evaluate([all_but_delete], Request("dynamodb:PutItem", TABLE)).allowed
    assert not evaluate([all_but_delete], Request("dynamodb:DeleteItem", TABLE)).allowed
    not_users = Statement("T", "Allow", ("dynamodb:GetItem",), (OTHER_TABLE,), not_resource=True)
    assert evaluate([not_users], Request("dynamodb:GetItem", TABLE)).allowed
    assert not evaluate([not_users], Request("dynamodb:GetItem", OTHER_TABLE)).allowed


def test_an_operator_the_model_cannot_evaluate_is_refused_when_the_policy_is_read() -> None:
    with pytest.raises(PolicyError, match="NumericLessThan"):
        allow("kms:Decrypt", KEY, {"NumericLessThan": {"kms:GrantCount": "2"}})
    with pytest.raises(PolicyError, match="Effect"):
        Statement("T", "allow", ("kms:Decrypt",), (KEY,))


def transaction(*elements: tuple[str, str]) -> list[Request]:
    return requests_for("dynamodb", "TransactWriteItems", {"elements": list(elements)}, BOOK)


def test_a_transaction_needs_each_elements_own_action_on_its_own_table() -> None:
    requests = transaction(
        ("Put", "shop-Orders"), ("Update", "shop-Catalog"), ("ConditionCheck", "shop-Orders")
    )
    assert {(r.action, r.resource.rsplit("/", 1)[-1]) for r in requests} == {
        ("dynamodb:PutItem", "shop-Orders"),
        ("dynamodb:UpdateItem", "shop-Catalog"),
        ("dynamodb:ConditionCheckItem", "shop-Orders"),
    }
    catalog = TABLE.replace("shop-Orders", "shop-Catalog")
    granted = [allow(["dynamodb:PutItem", "dynamodb:UpdateItem"], [TABLE, catalog])]
    denied = [r for r in requests if not evaluate(granted, r).allowed]
    assert [(r.action, r.resource) for r in denied] == [("dynamodb:ConditionCheckItem", TABLE)]
    assert not any(r.action == "dynamodb:TransactWriteItems" for r in requests)
