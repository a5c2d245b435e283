"""Custom resource SigningKeySetup: the ES256 signing keys, created at the first deploy and
rotated when the stack's SigningKeyGeneration parameter changes.

Create and Update make sure the private secret holds a ring (existing keys are kept, so tokens stay
valid across deploys) and publish its public half; an Update that changes `Generation` rotates.
Delete leaves the secrets alone (the stack deletes them). The answer always goes to
CloudFormation's pre-signed ResponseURL, also on failure, or the stack would hang.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from typing import Any

from aws_lambda_powertools import Logger

from shop.bootstrap import build_secret_store
from shop.services.signing_keys import ensure_signing_keys

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
    before = event.get("OldResourceProperties") or {}
    secret_id, public_id = str(properties.get("SecretId") or ""), str(properties.get("PublicSecretId") or "")
    physical_id = str(event.get("PhysicalResourceId") or f"signing-key:{secret_id}")
    try:
        data: dict[str, str] = {}
        if event.get("RequestType") in ("Create", "Update"):
            if not secret_id or not public_id:
                raise ValueError("SecretId and PublicSecretId are required")
            rotate = event.get("RequestType") == "Update" and str(before.get("Generation")) != str(
                properties.get("Generation")
            )
            data["ActiveKid"] = ensure_signing_keys(
                build_secret_store(),
                secret_id,
                public_id,
                int(time.time()),
                rotate=rotate,
                token_lifetime=int(properties.get("TokenLifetimeSeconds") or 3600),
            )
        _send(event, "SUCCESS", "OK", physical_id, data)
    except Exception as exc:  # CloudFormation must hear of every failure
        logger.exception("signing key setup failed")
        _send(event, "FAILED", f"{type(exc).__name__}: see the function's logs", physical_id, {})
