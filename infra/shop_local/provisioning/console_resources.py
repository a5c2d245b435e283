"""The console's hosting resources (S3 bucket, CloudFront) as the local stack records them.

Locally the gateway itself serves the console (shop_local.api_gateway.console_files), so nothing is created
in the emulator; each resource gets the physical id and the GetAtt values CloudFormation would
give it, so that the template resolves the same way here as on AWS.
"""

from __future__ import annotations

import hashlib
from typing import Any

from shop_local.provisioning.stack import Stack

Created = tuple[str, dict[str, Any]]


def _local_id(stack: Stack, logical_id: str, length: int = 14) -> str:
    return hashlib.sha256(f"{stack.stack_name}/{logical_id}".encode()).hexdigest()[:length].upper()


def _bucket(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    name = f"{stack.stack_name}-{logical_id}-{_local_id(stack, logical_id, 8)}".lower()
    return name, {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{stack.region}.amazonaws.com",
    }


def _distribution(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    distribution_id = "E" + _local_id(stack, logical_id, 13)
    return distribution_id, {"Id": distribution_id, "DomainName": f"{distribution_id.lower()}.cloudfront.net"}


def _with_id(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    local_id = _local_id(stack, logical_id)
    return local_id, {"Id": local_id}


def _function(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    arn = f"arn:aws:cloudfront::{stack.account_id}:function/{stack.stack_name}-{logical_id}"
    return arn, {"FunctionARN": arn, "FunctionMetadata.FunctionARN": arn, "Stage": "LIVE"}


def _accept(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    return f"{stack.stack_name}-{logical_id}", {}


CONSOLE_CREATORS = {
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _accept,
    "AWS::CloudFront::Distribution": _distribution,
    "AWS::CloudFront::OriginAccessControl": _with_id,
    "AWS::CloudFront::ResponseHeadersPolicy": _with_id,
    "AWS::CloudFront::CachePolicy": _with_id,  # the local gateway caches nothing: recorded only
    "AWS::CloudFront::Function": _function,
}
