"""Least privilege on the tables and on KMS, read from template.yaml itself.

No function holds a SAM CRUD/read/write policy template on any table (they grant Scan,
BatchWriteItem, DeleteItem, every index and more that nothing needs): each names its exact actions. Every KMS
grant is conditioned on the encryption context's `purpose`, so that a function that may open
order data cannot open account data with the same key, and no function keeps SAM's unconditioned
KMSDecryptPolicy.
"""

from __future__ import annotations

from typing import Any

import pytest

from shop_local.provisioning.template import load_template

SAM_TABLE_POLICIES = {"DynamoDBCrudPolicy", "DynamoDBReadPolicy", "DynamoDBWritePolicy"}
PURPOSES = {"shop-pii", "shop-orders"}


@pytest.fixture(scope="module")
def functions() -> dict[str, Any]:
    resources = load_template()["Resources"]
    return {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def statements(properties: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in properties.get("Policies") or []:
        if isinstance(policy, dict) and "Statement" in policy:
            found += policy["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_function_holds_a_sam_table_policy_on_any_table(functions):
    holders = [
        (name, template)
        for name, properties in functions.items()
        for policy in properties.get("Policies") or []
        if isinstance(policy, dict)
        for template in policy
        if template in SAM_TABLE_POLICIES
    ]
    assert holders == []


def test_users_table_grants_name_exact_item_actions(functions):
    granted = {
        action
        for properties in functions.values()
        for statement in statements(properties)
        if "UsersTable" in str(statement.get("Resource"))
        for action in as_list(statement["Action"])
    }
    assert granted, "no function reads the users table?"
    assert not {a for a in granted if "*" in a}, granted
    assert not granted & {"dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"}, granted


def test_every_kms_grant_is_conditioned_on_the_encryption_context_purpose(functions):
    for name, properties in functions.items():
        for policy in properties.get("Policies") or []:
            assert not (isinstance(policy, dict) and "KMSDecryptPolicy" in policy), name
        for statement in statements(properties):
            actions = as_list(statement["Action"])
            if not any(a in {"kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"} for a in actions):
                continue
            condition = statement.get("Condition", {}).get("StringEquals", {})
            assert condition.get("kms:EncryptionContext:purpose") in PURPOSES, (name, statement)
