"""Custom resources: run the ServiceToken's function in-process with a real CloudFormation event.

The function answers the way it would on AWS, by PUTting the standard response JSON to a
presigned S3 URL (here: on the emulator), so the same code runs unchanged locally and in the
cloud. A response already stored for the resource means it was created: provisioning again reuses it.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from shop_local.lambda_runtime.functions import LambdaContext, load_handler
from shop_local.provisioning.intrinsics import ProvisionError
from shop_local.provisioning.resource_types import Created
from shop_local.provisioning.security_resources import ensure_bucket
from shop_local.provisioning.stack import FAKE_CREDENTIAL, Stack


def is_custom(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource"


@contextmanager
def lambda_environment(stack: Stack, variables: dict[str, str]) -> Iterator[None]:
    """os.environ as the function would see it, pointed at the emulator; restored afterwards."""
    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": stack.endpoint_url,
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
            "AWS_REGION": stack.region,
            "AWS_DEFAULT_REGION": stack.region,
            **variables,
        }
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    _forget_cached_clients()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        _forget_cached_clients()


def _forget_cached_clients() -> None:
    """The core caches clients and settings per process; a changed environment must not reuse them."""
    for module_name, attribute in (("shop.adapters.aws", "client"), ("shop.config", "settings")):
        cached = getattr(sys.modules.get(module_name), attribute, None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()


def _service_function(stack: Stack, logical_id: str, token: Any) -> str:
    for candidate, resource in stack.resources.items():
        if (
            resource.get("Type") == "AWS::Serverless::Function"
            and stack.attributes.get(candidate, {}).get("Arn") == token
        ):
            return candidate
    raise ProvisionError(
        f"{logical_id}: ServiceToken {token!r} is not the Arn of a function in this template "
        "(is the function defined yet?)"
    )


def create_custom_resource(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    resource_type = str(stack.resources[logical_id]["Type"])
    properties = stack.resolve(raw)
    function_id = _service_function(stack, logical_id, properties.get("ServiceToken"))
    s3, bucket, key = stack.client("s3"), f"{stack.stack_name}-cfn-responses".lower(), f"{logical_id}.json"
    ensure_bucket(stack, bucket)
    previous = _response(s3, bucket, key)
    if previous is not None and previous.get("Status") == "SUCCESS":
        return _created(logical_id, previous)
    s3.delete_object(Bucket=bucket, Key=key)
    event = {
        "RequestType": "Create",
        "ServiceToken": properties.get("ServiceToken"),
        "ResponseURL": s3.generate_presigned_url(
            "put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600
        ),
        "StackId": f"arn:aws:cloudformation:{stack.region}:{stack.account_id}:stack/{stack.stack_name}/{uuid.uuid4()}",
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": properties,
    }
    spec = stack.function(function_id)
    with lambda_environment(stack, spec.environment):
        handler = load_handler(spec)
        try:
            handler(event, LambdaContext.for_function(spec, str(properties.get("ServiceToken"))))
        except Exception as exc:
            raise ProvisionError(f"{logical_id}: {function_id} raised {type(exc).__name__}: {exc}") from exc
    response = _response(s3, bucket, key)
    if response is None:
        raise ProvisionError(
            f"{logical_id}: {function_id} returned without sending a response to ResponseURL"
        )
    if response.get("Status") != "SUCCESS":
        raise ProvisionError(
            f"{logical_id}: {function_id} answered {response.get('Status')}: {response.get('Reason')}"
        )
    return _created(logical_id, response)


def _response(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            return None
        raise
    if not body.strip():
        raise ProvisionError(f"custom resource response {key} is empty (was the body sent with the PUT?)")
    try:
        answer = json.loads(body)
    except ValueError:
        raise ProvisionError(f"custom resource response {key} is not JSON: {body[:200]!r}") from None
    return answer if isinstance(answer, dict) else None


def _created(logical_id: str, response: dict[str, Any]) -> Created:
    data = response.get("Data") or {}
    return str(response.get("PhysicalResourceId") or logical_id), dict(data)
