"""`python -m shop_local.tools.audit_verify`: walk the audit trail's hash chain and report the first break.

The chain makes the trail tamper-evident only if someone checks it: this walks every entry in
sequence order (Query, never Scan) against the local emulator (found like `python -m shop_local
admin` finds it), a deployed stack (`--stack`) or a table named outright (`--table`, with your AWS
credentials), and says which entry is the first that does not fit and why. Exit codes: 0 intact,
1 broken or could not read, 2 bad settings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from shop.domain.audit_chain import AuditEntry, entry_hash
from shop.services.audit import AuditStore, verify_chain


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    entries: int
    message: str


class _Watched:
    """The store as verify_chain reads it, remembering the head and the last two entries handed out."""

    def __init__(self, store: AuditStore) -> None:
        self._store = store
        self.last_two: list[AuditEntry] = []
        self.count, self.head_seq = 0, 0

    def head(self) -> tuple[int, str]:
        self.head_seq, head_hash = self._store.head()
        return self.head_seq, head_hash

    def append(self, entry: AuditEntry) -> bool:
        raise RuntimeError("the verifier never writes")

    def entries(self) -> Iterator[AuditEntry]:
        for entry in self._store.entries():
            self.last_two, self.count = [*self.last_two[-1:], entry], self.count + 1
            yield entry


def _why_entry(broken: AuditEntry, previous: AuditEntry | None) -> str:
    expected_seq = previous.seq + 1 if previous else 1
    if broken.seq != expected_seq:
        return f"seq {expected_seq} was expected here: an entry is missing or out of order"
    if broken.hash != entry_hash(broken):
        return "its content does not match its hash: the entry was changed after it was written"
    return "its prev_hash is not the previous entry's hash: an earlier entry was replaced"


def _why_end(last_seq: int, head_seq: int) -> str:
    if last_seq + 1 == head_seq:
        return f"entry {head_seq} (the last one, by the chain head) is missing"
    if last_seq < head_seq:
        return f"entries {last_seq + 1} to {head_seq} (the last ones, by the chain head) are missing"
    if last_seq > head_seq:
        return f"the chain head says {head_seq} entries but there are {last_seq}: the head was changed"
    return "the last entry is not the one the chain head names: it was replaced"


def check_trail(store: AuditStore) -> ChainReport:
    """Verify the whole chain; the report's message is the line the command prints."""
    watched = _Watched(store)
    broken = verify_chain(watched)
    if broken is None:
        return ChainReport(True, watched.count, f"audit chain intact: {watched.count} entries")
    if watched.last_two and watched.last_two[-1] is broken:
        previous = watched.last_two[0] if len(watched.last_two) == 2 else None
        where, reason = f"seq {broken.seq}, id {broken.id}", _why_entry(broken, previous)
    else:  # every entry fits, but the trail does not end where the head says
        where, reason = f"seq {broken.seq}", _why_end(broken.seq - 1, watched.head_seq)
    return ChainReport(False, watched.count, f"audit chain broken at {where}: {reason}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shop_local.tools.audit_verify", description="Verify the audit trail's hash chain."
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--emulator-url", help="the local emulator (default http://127.0.0.1:$SHOP_EMULATOR_PORT)"
    )
    where.add_argument("--stack", help="a deployed CloudFormation stack (uses your AWS credentials)")
    where.add_argument("--table", help="the audit table's name (uses your AWS credentials and region)")
    return parser


def _store(args: argparse.Namespace) -> AuditStore:
    from shop.adapters.audit_dynamo import DynamoAuditStore
    from shop.adapters.aws import client
    from shop_local.settings import LocalSettings
    from shop_local.tools.admin import deployed_environment, local_environment

    if args.table:
        return DynamoAuditStore(client("dynamodb"), args.table)
    if args.stack:
        deployed_environment(args.stack)
    else:
        local_environment(args.emulator_url or f"http://127.0.0.1:{LocalSettings.from_env().emulator_port}")
    from shop.bootstrap import build_audit_store

    return build_audit_store()


def main(argv: list[str] | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from shop_local.provisioning.intrinsics import ProvisionError
    from shop_local.settings import SettingsError
    from shop_local.tools.admin import ShopNotRunning

    args = _parser().parse_args(argv)
    try:
        report = check_trail(_store(args))
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
