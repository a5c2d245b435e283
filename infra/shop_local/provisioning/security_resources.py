"""KMS keys and aliases, Secrets Manager secrets, S3 buckets and SES identities in the emulator.

KMS gives a new key on every CreateKey, so keys are tagged with their stack and logical id and
found again on the next provisioning; secrets keep their value (a signing key must survive a restart).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from shop_local.provisioning.resource_types import Created, Creator, physical_name
from shop_local.provisioning.stack import Stack

_STACK_TAG, _LOGICAL_TAG = "shop-local:stack", "shop-local:logical-id"
_PASSWORD_FLAGS = (
    "ExcludeCharacters",
    "ExcludeLowercase",
    "ExcludeNumbers",
    "ExcludePunctuation",
    "ExcludeUppercase",
    "IncludeSpace",
    "RequireEachIncludedType",
)


def _existing_key(kms: Any, stack: Stack, logical_id: str) -> str | None:
    wanted = {_STACK_TAG: stack.stack_name, _LOGICAL_TAG: logical_id}
    for page in kms.get_paginator("list_keys").paginate():
        for key in page["Keys"]:
            tags = kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
            if wanted.items() <= {t["TagKey"]: t["TagValue"] for t in tags}.items():
                return str(key["KeyId"])
    return None


def _key(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    props = stack.resolve(raw)
    kms = stack.client("kms")
    key_id = _existing_key(kms, stack, logical_id)
    if key_id is None:
        request: dict[str, Any] = {
            "Tags": [
                {"TagKey": _STACK_TAG, "TagValue": stack.stack_name},
                {"TagKey": _LOGICAL_TAG, "TagValue": logical_id},
            ]
        }
        for key in ("Description", "KeyUsage", "KeySpec", "MultiRegion"):
            if key in props:
                request[key] = props[key]
        if "KeyPolicy" in props:
            policy = props["KeyPolicy"]
            request["Policy"] = policy if isinstance(policy, str) else json.dumps(policy)
        key_id = str(kms.create_key(**request)["KeyMetadata"]["KeyId"])
        if props.get("EnableKeyRotation") in (True, "true"):
            kms.enable_key_rotation(KeyId=key_id)
        if props.get("Enabled") in (False, "false"):
            kms.disable_key(KeyId=key_id)
    arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    return key_id, {"Arn": arn, "KeyId": key_id}


def _alias(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    props = stack.resolve(raw)
    kms = stack.client("kms")
    name, target = str(props["AliasName"]), str(props["TargetKeyId"])
    try:
        kms.create_alias(AliasName=name, TargetKeyId=target)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "AlreadyExistsException":
            raise
        kms.update_alias(AliasName=name, TargetKeyId=target)
    return name, {}


def _generated_secret(secrets: Any, spec: dict[str, Any]) -> str:
    request: dict[str, Any] = {flag: spec[flag] for flag in _PASSWORD_FLAGS if flag in spec}
    request["PasswordLength"] = int(spec.get("PasswordLength", 32))
    password = str(secrets.get_random_password(**request)["RandomPassword"])
    if "SecretStringTemplate" in spec and "GenerateStringKey" in spec:
        document = json.loads(spec["SecretStringTemplate"])
        document[spec["GenerateStringKey"]] = password
        return json.dumps(document)
    return password


def _secret(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    props = stack.resolve(raw)
    secrets = stack.client("secretsmanager")
    name = physical_name(stack, logical_id, props, "Name")
    try:
        return _secret_arn(secrets.describe_secret(SecretId=name)["ARN"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    request: dict[str, Any] = {"Name": name}
    for key in ("Description", "KmsKeyId"):
        if key in props:
            request[key] = props[key]
    if "SecretString" in props:
        request["SecretString"] = str(props["SecretString"])
    elif "GenerateSecretString" in props:
        request["SecretString"] = _generated_secret(secrets, props["GenerateSecretString"])
    return _secret_arn(secrets.create_secret(**request)["ARN"])


def _secret_arn(arn: str) -> Created:
    return arn, {"Id": arn}


def _bucket(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    props = stack.resolve(raw)
    name = physical_name(stack, logical_id, props, "BucketName").lower()
    ensure_bucket(stack, name)
    return name, {"Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"}


def ensure_bucket(stack: Stack, name: str) -> None:
    s3 = stack.client("s3")
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in {
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        }:
            raise


def _email_identity(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    """A sender the shop may mail from: moto, like SES's sandbox, rejects unverified senders."""
    identity = str(stack.resolve(raw)["EmailIdentity"])
    if "@" in identity:
        stack.client("ses").verify_email_identity(EmailAddress=identity)
    else:
        stack.client("ses").verify_domain_identity(Domain=identity)
    return identity, {}


SECURITY_CREATORS: dict[str, Creator] = {
    "AWS::KMS::Key": _key,
    "AWS::KMS::Alias": _alias,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::S3::Bucket": _bucket,
    "AWS::SES::EmailIdentity": _email_identity,
}
