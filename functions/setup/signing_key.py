"""Custom resource SigningKeySetup: gives the signing-key secret its first ES256 key at deploy.

Create and Update make sure the secret holds a key (an existing key is kept, so tokens stay
valid across deploys); Delete leaves the secret alone (the stack deletes it). The answer always
goes to CloudFormation's pre-signed ResponseURL, also on failure, or the stack would hang.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

from aws_lambda_powertools import Logger

from shop.bootstrap import build_secret_store
from shop.services.signing_keys import ensure_signing_key

logger = Logger(service="shop")


def _send(event: dict[str, Any], status: str, reason: str, physical_id: str, data: dict[str, str]) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id,
            "StackId": event.get("StackId", ""),
            "RequestId": event.get("RequestId", ""),
            "LogicalResourceId": event.get("LogicalResourceId", ""),
            "Data": data,
        }
    ).encode()
    url = str(event["ResponseURL"])
    if urllib.parse.urlparse(url).scheme not in ("https", "http"):
        raise ValueError("ResponseURL must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - scheme checked above
        answer.read()


def handler(event: dict[str, Any], context: Any) -> None:
    properties = event.get("ResourceProperties") or {}
    secret_id = str(properties.get("SecretId") or "")
    physical_id = str(event.get("PhysicalResourceId") or f"signing-key:{secret_id}")
    try:
        data: dict[str, str] = {}
        if event.get("RequestType") in ("Create", "Update"):
            if not secret_id:
                raise ValueError("SecretId is required")
            data["ActiveKid"] = ensure_signing_key(build_secret_store(), secret_id)
        _send(event, "SUCCESS", "OK", physical_id, data)
    except Exception as exc:  # CloudFormation must hear of every failure
        logger.exception("signing key setup failed")
        _send(event, "FAILED", f"{type(exc).__name__}: see the function's logs", physical_id, {})
