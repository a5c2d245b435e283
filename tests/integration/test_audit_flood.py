"""Unauthenticated noise cannot fail anyone else's audited work: while threads send failed logins for
unknown emails (each from its own address, so no rate limit stops them before the trail), real
users log in and an admin creates categories; every one of those succeeds, with its entry, and
the noise lands on the anonymous chains only."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shop.domain.callers import Caller
from shop.errors import InvalidCredentials

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"


def test_a_flood_of_failed_logins_fails_no_login_and_no_admin_write(stack: Any) -> None:
    from shop.bootstrap import build_audit_store, build_auth_service, build_category_service

    auth, categories, trail = build_auth_service(), build_category_service(), build_audit_store()
    emails = [f"flood-{uuid.uuid4().hex[:10]}@example.net" for _ in range(4)]
    users = {email: auth.register(email, PASSWORD, "Ann").user.id for email in emails}
    admin = Caller(id=f"u_admin_{uuid.uuid4().hex[:8]}", role="admin", request_id="flood-admin")
    stop, flooded = threading.Event(), []

    def flood(worker: int) -> None:
        n = 0
        while not stop.is_set():
            try:
                auth.login(
                    f"nobody-{uuid.uuid4().hex}@example.net", "wrong password", source_ip=f"10.{worker}.0.{n}"
                )
            except InvalidCredentials:
                flooded.append(worker)
            n = (n + 1) % 250

    with ThreadPoolExecutor(max_workers=8) as pool:
        floods = [pool.submit(flood, worker) for worker in range(4)]
        logins = [
            pool.submit(auth.login, email, PASSWORD, None, f"flood-login-{i}")
            for i, email in enumerate(emails)
        ]
        writes = [
            pool.submit(categories.create_category, admin, f"Flood {i}", f"flood-{uuid.uuid4().hex[:12]}")
            for i in range(6)
        ]
        sessions = [future.result() for future in logins]
        created = [future.result() for future in writes]
        stop.set()
        for future in floods:
            future.result()

    assert len(flooded) >= len(emails), "the flood did not run alongside the real work"
    assert [session.user.id for session in sessions] == [users[email] for email in emails]
    chains = dict(trail.chains())
    for i, email in enumerate(emails):  # each login's entry opens that session's own chain
        opened = [
            (e.action, e.seq)
            for chain, entries in chains.items()
            if chain.startswith("session#")
            for e in entries
            if e.actor_id == users[email] and e.request_id == f"flood-login-{i}"
        ]
        assert opened == [("auth.login_succeeded", 1)]
    assert sorted(e.target_id for e in chains[f"user#{admin.id}"]) == sorted(c.id for c in created)
    failed = [e for entries in chains.values() for e in entries if e.action == "auth.login_failed"]
    assert failed and all(e.chain.startswith("anonymous#") for e in failed if e.actor_id == "anonymous")


def test_the_checkpoint_function_signs_the_heads_and_the_trail_verifies(stack: Any) -> None:
    """The scheduled function, as deployed (its own IAM grants: Query, PutItem, kms:Sign), signs the
    heads with the stack's KMS key; the verifier checks it with the public key alone."""
    import json
    from pathlib import Path

    from shop.bootstrap import build_audit_store, build_audit_trail, build_checkpoint_signer
    from shop.services.audit import verify_trail
    from shop_local.lambda_runtime.functions import LambdaContext
    from shop_local.provisioning.stack import load_function

    entry = build_audit_trail().record(
        actor_id=f"u_{uuid.uuid4().hex[:8]}", actor_role="admin", action="test.checkpoint",
        target_type="test", target_id="t",
    )  # fmt: skip
    checkpoint = load_function(stack, "AuditCheckpointFunction")
    scheduled = json.loads(Path("events/admin/audit_checkpoint.json").read_text())
    taken = checkpoint(scheduled, LambdaContext(function_name="checkpoint", timeout_seconds=60))
    assert taken["checkpoint"] >= 1 and taken["chains"] >= 1
    last = build_audit_store().last_checkpoint()
    assert last is not None and last.heads[entry.chain] == (entry.seq, entry.hash)
    assert verify_trail(build_audit_store(), build_checkpoint_signer()) is None
