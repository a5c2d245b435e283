"""Custom resource SigningKeySetup: the ES256 signing keys, created at the first deploy and
rotated when the stack's SigningKeyGeneration parameter changes.

Create and Update make sure the private secret holds a ring (existing keys are kept, so tokens stay
valid across deploys) and publish its public half; an Update that changes `Generation` rotates.
Delete leaves the secrets alone (the stack keeps them, with its tables). The answer always goes
to CloudFormation's pre-signed ResponseURL, also on failure, or the stack would wait for it (until
the custom resource's ServiceTimeout). So the module imports only the standard library: the layer
(the shop, powertools, cryptography) is imported inside the try that answers FAILED, and a broken
layer fails the deploy at once instead of leaving CloudFormation waiting.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
import urllib.request
from typing import Any


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


def _set_up(event: dict[str, Any], context: Any) -> dict[str, str]:
    """Create or Update: the key ring and its public half; the answer's Data."""
    from shop.bootstrap import build_secret_store
    from shop.services.signing_keys import ensure_signing_keys

    properties = event.get("ResourceProperties") or {}
    before = event.get("OldResourceProperties") or {}
    secret_id, public_id = str(properties.get("SecretId") or ""), str(properties.get("PublicSecretId") or "")
    if event.get("RequestType") not in ("Create", "Update"):
        return {}
    if not secret_id or not public_id:
        raise ValueError("SecretId and PublicSecretId are required")
    rotate = event.get("RequestType") == "Update" and str(before.get("Generation")) != str(
        properties.get("Generation")
    )
    active = ensure_signing_keys(
        build_secret_store(),
        secret_id,
        public_id,
        int(time.time()),
        rotate=rotate,
        token_lifetime=int(properties.get("TokenLifetimeSeconds") or 3600),
    )
    return {"ActiveKid": active}


def _log_failure() -> None:
    try:
        from shop.observability import logger

        logger.exception("signing key setup failed")
    except Exception:  # the layer itself is what failed: plain logging still reaches the log group
        logging.getLogger(__name__).exception("signing key setup failed")


def handler(event: dict[str, Any], context: Any) -> None:
    secret_id = str((event.get("ResourceProperties") or {}).get("SecretId") or "")
    physical_id = str(event.get("PhysicalResourceId") or f"signing-key:{secret_id}")
    try:
        from shop.observability import observed

        data: dict[str, str] = observed(_set_up)(event, context)
        _send(event, "SUCCESS", "OK", physical_id, data)
    except Exception as exc:  # noqa: BLE001 - CloudFormation must hear of every failure (logged by _log_failure)
        _log_failure()
        _send(event, "FAILED", f"{type(exc).__name__}: see the function's logs", physical_id, {})
