"""The embedded emulator honours TransactWriteItems' ClientRequestToken as DynamoDB does (the same
check runs on DynamoDB Local in tests/dynamodb_local/test_contention.py)."""

from __future__ import annotations

import boto3
import pytest

pytestmark = pytest.mark.integration


def test_the_emulator_honours_transaction_tokens(stack, engine_honours_tokens):
    engine_honours_tokens(boto3.client("dynamodb"), stack.physical_id("CatalogTable"))
