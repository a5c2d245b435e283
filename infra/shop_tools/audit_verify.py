"""`python -m shop_tools.audit_verify` (`make audit-verify`): check every audit chain and every
signed checkpoint, and name the first break.

Each chain is walked in sequence order (hashes, links, numbers); each checkpoint's signature is
checked with the signing key's public key (KMS GetPublicKey: the verifier cannot sign), its link
to the checkpoint before it, and every chain head it signed must still be in its chain with the
same hash, so entries cut off a chain's end are found too. Works against the local emulator
(found like `python -m shop_tools admin` finds it), a deployed stack (`--stack`) or a table named
outright (`--table`), with your AWS credentials. Exit codes: 0 intact, 1 broken or could not read, 2 bad settings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from shop.domain.audit_chain import AuditEntry, Checkpoint
from shop.services.audit import CheckpointVerifier, TrailReader, verify_trail


@dataclass(frozen=True)
class TrailReport:
    intact: bool
    entries: int
    chains: int
    checkpoints: int
    message: str


class _Counted:
    """The trail as verify_trail reads it, counting what it hands out (reads only)."""

    def __init__(self, store: TrailReader) -> None:
        self._store = store
        self.entries = self.chains_seen = self.checkpoints_seen = 0

    def chains(self) -> Iterator[tuple[str, list[AuditEntry]]]:
        for chain, entries in self._store.chains():
            self.chains_seen, self.entries = self.chains_seen + 1, self.entries + len(entries)
            yield chain, entries

    def checkpoints(self) -> Iterator[Checkpoint]:
        for checkpoint in self._store.checkpoints():
            self.checkpoints_seen += 1
            yield checkpoint


def check_trail(store: TrailReader, verifier: CheckpointVerifier) -> TrailReport:
    """Verify the whole trail; the report's message is the line the command prints."""
    counted = _Counted(store)
    broken = verify_trail(counted, verifier)
    counts = (counted.entries, counted.chains_seen, counted.checkpoints_seen)
    if broken is None:
        summary = f"{counts[0]} entries in {counts[1]} chains, {counts[2]} signed checkpoints"
        return TrailReport(True, *counts, f"audit trail intact: {summary}")
    return TrailReport(False, *counts, f"audit trail broken at {broken}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shop_tools.audit_verify",
        description="Verify the audit trail's hash chains and signed checkpoints.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--emulator-url", help="the local emulator (default http://127.0.0.1:$SHOP_EMULATOR_PORT)"
    )
    where.add_argument("--stack", help="a deployed CloudFormation stack (uses your AWS credentials)")
    where.add_argument("--table", help="an audit table named outright (uses your AWS credentials and region)")
    return parser


def _trail(args: argparse.Namespace) -> tuple[TrailReader, CheckpointVerifier]:
    from shop_local.settings import LocalSettings
    from shop_tools.admin import deployed_environment, local_environment

    if args.table:  # checkpoints name their key; verifying needs only its public key
        from shop.adapters.audit.audit_dynamo import DynamoTrail
        from shop.adapters.audit.audit_signing_kms import KmsCheckpointSigner
        from shop.adapters.aws import client

        return DynamoTrail(client("dynamodb"), args.table), KmsCheckpointSigner(client("kms"), "")
    if args.stack:
        deployed_environment(args.stack)
    else:
        local_environment(args.emulator_url or f"http://127.0.0.1:{LocalSettings.from_env().emulator_port}")
    from shop.bootstrap import build_audit_store, build_checkpoint_signer

    return build_audit_store(), build_checkpoint_signer()


def main(argv: list[str] | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from shop_local.provisioning.intrinsics import ProvisionError
    from shop_local.settings import SettingsError
    from shop_tools.admin import ShopNotRunning

    args = _parser().parse_args(argv)
    try:
        report = check_trail(*_trail(args))
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ShopNotRunning, ProvisionError, FileNotFoundError, ClientError, BotoCoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.message, flush=True)
    return 0 if report.intact else 1


if __name__ == "__main__":
    sys.exit(main())
