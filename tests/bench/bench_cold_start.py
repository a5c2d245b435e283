"""Cold start of every function: module import plus first invocation, in a fresh process each run.

Each run is `python -c PROBE` with the function's environment (pointing at the benchmark's
emulator, so the first invocation's AWS calls really happen): the probe loads the handler with
shop_local.functions.load_handler (as the local shop and Lambda do, from CodeUri + Handler),
invokes it once with its sample event from events/, and reports the two times and which heavy
packages ended up in sys.modules. Rounds are interleaved (bare, every function, bare, ...), so
drift on the shared machine falls on the baseline and the functions alike. Interpreter start-up
is the same for every process and is left out. Lambda adds its own init (runtime, layer
unpacking, no .pyc cache on a read-only /opt unless the build compiles it), the same for every
function: the ratios are what this measures, not Lambda's absolute Init Duration.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report import table

BARE = "bare powertools + boto3"
PACKAGES = ("cryptography", "pydantic", "pynamodb", "jwt", "boto3", "aws_lambda_powertools")
RATIO_TARGET = 1.5
QUICK_FUNCTIONS = ("GetProductFunction", "CheckoutFunction", "AuthorizerFunction", "NotificationsFunction")

PROBE = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from shop_local.functions import FunctionSpec, LambdaContext, load_handler
args = json.loads(sys.argv[1])
spec = FunctionSpec(args["id"], args["name"], Path(args["code_uri"]), args["handler"],
                    memory=args["memory"], timeout=args["timeout"])
event = json.loads(Path(args["event"]).read_text())
before = time.perf_counter()
handler = load_handler(spec)
loaded = time.perf_counter()
try:
    result = handler(event, LambdaContext.for_function(spec))
    if isinstance(result, dict) and "statusCode" in result:
        outcome = "HTTP %s" % result["statusCode"]
    elif isinstance(result, dict) and "batchItemFailures" in result:
        outcome = "%d failed items" % len(result["batchItemFailures"])
    else:
        outcome = "returned"
except Exception as exc:
    outcome = type(exc).__name__
done = time.perf_counter()
names = set(sys.modules)
imported = {p: any(n == p or n.startswith(p + ".") for n in names) for p in args["packages"]}
print("BENCH_RESULT " + json.dumps({"import_ms": (loaded - before) * 1000, "invoke_ms": (done - loaded) * 1000,
      "outcome": outcome, "imported": imported, "modules": len(names)}), flush=True)
"""


@dataclass(frozen=True)
class Target:
    name: str
    args: dict[str, Any]
    environment: dict[str, str]
    needs_crypto: bool  # its policies use KMS or Secrets Manager (PII or token keys)
    api: bool


@dataclass
class Runs:
    totals: list[float]
    imports: list[float]
    invokes: list[float]
    outcome: str = ""
    imported: dict[str, bool] | None = None

    def median(self, values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")


def sample_event(root: Path, code_uri: Path, handler: str) -> Path:
    """events/<folder>/<module>.json, or the first events/<folder>/<module>_*.json (authorizer_request...)."""
    module = handler.rpartition(".")[0]
    folder = root / "events" / code_uri.name
    exact = folder / f"{module}.json"
    if exact.is_file():
        return exact
    variants = sorted(folder.glob(f"{module}_*.json"))
    if not variants:
        raise FileNotFoundError(f"no sample event for {code_uri.name}/{module} in {folder}")
    return variants[0]


def targets(ctx: Any) -> list[Target]:
    stack = ctx.shop.stack
    base = {k: v for k, v in ctx.shop.environment.items()}
    found: list[Target] = []
    bare_spec = stack.function("GetProductFunction")
    found.append(
        Target(
            BARE,
            _args(
                BARE,
                Path(__file__).parent,
                "bare_handler.handler",
                512,
                10,
                ctx.root / "events/catalog/get_product.json",
            ),
            base | bare_spec.environment,
            needs_crypto=False,
            api=True,
        )
    )
    for spec in stack.functions():
        if ctx.quick and spec.logical_id not in QUICK_FUNCTIONS:
            continue
        event = sample_event(ctx.root, spec.code_uri, spec.handler)
        policies = json.dumps(spec.policies)
        crypto = any(word in policies for word in ("KMS", "kms:", "SecretsManager", "secretsmanager:"))
        if spec.logical_id == "SigningKeySetupFunction":
            event = _custom_resource_event(ctx, event)
        found.append(
            Target(
                spec.logical_id,
                _args(spec.logical_id, spec.code_uri, spec.handler, spec.memory, spec.timeout, event),
                base | spec.environment,
                needs_crypto=crypto,
                api=any(e.get("Type") == "Api" for e in spec.events.values()),
            )
        )
    return found


def _args(name: str, code_uri: Path, handler: str, memory: int, timeout: int, event: Path) -> dict[str, Any]:
    return {
        "id": name.replace(" ", "_").replace("+", ""),
        "name": f"bench-{name}",
        "code_uri": str(code_uri),
        "handler": handler,
        "memory": memory,
        "timeout": timeout,
        "event": str(event),
        "packages": list(PACKAGES),
    }


def _custom_resource_event(ctx: Any, sample: Path) -> Path:
    """The sample's ResponseURL is CloudFormation's S3 (unreachable here): answer to the emulator's S3."""
    stack = ctx.shop.stack
    s3 = stack.client("s3")
    bucket = "bench-cold-start-responses"
    s3.create_bucket(Bucket=bucket)
    event = json.loads(sample.read_text())
    event["ResponseURL"] = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "r.json"})
    event["ResourceProperties"]["SecretId"] = stack.physical_id("SigningKeySecret")
    path = ctx.work_dir / "signing_key_create.json"
    path.write_text(json.dumps(event))
    return path


def probe(target: Target, root: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(target.args)],
        cwd=root,
        env=target.environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCH_RESULT "):
            return dict(json.loads(line.removeprefix("BENCH_RESULT ")))
    raise RuntimeError(f"{target.name}: the probe failed ({done.returncode}): {done.stderr[-800:]}")


def run(ctx: Any) -> str:
    rounds = ctx.pick(full=15, quick=2)
    found = targets(ctx)
    runs = {t.name: Runs([], [], []) for t in found}
    for number in range(rounds):
        ctx.progress(f"cold start: round {number + 1}/{rounds} ({len(found)} processes)")
        for target in found:
            result = probe(target, ctx.root)
            measured = runs[target.name]
            measured.imports.append(result["import_ms"])
            measured.invokes.append(result["invoke_ms"])
            measured.totals.append(result["import_ms"] + result["invoke_ms"])
            measured.outcome, measured.imported = result["outcome"], result["imported"]
    return _report(found, runs, rounds)


def _report(found: list[Target], runs: dict[str, Runs], rounds: int) -> str:
    bare = runs[BARE]
    bare_total = bare.median(bare.totals)
    rows, missed, crypto_flags, extra_flags = [], [], [], []
    for target in found:
        measured = runs[target.name]
        total = measured.median(measured.totals)
        ratio = total / bare_total
        imported = measured.imported or {}
        heavy = [p for p in ("cryptography", "pydantic", "pynamodb", "jwt") if imported.get(p)]
        if target.name != BARE and ratio > RATIO_TARGET:
            missed.append(f"{target.name} ({ratio:.2f}x)")
        if imported.get("cryptography") and not target.needs_crypto:
            crypto_flags.append(target.name)
        if imported.get("pynamodb"):
            extra_flags.append(f"{target.name} imports pynamodb")
        if imported.get("pydantic") and not target.api and target.name != BARE:
            extra_flags.append(f"{target.name} (not an API function) imports pydantic")
        rows.append(
            [
                target.name,
                f"{measured.median(measured.imports):.0f}",
                f"{measured.median(measured.invokes):.0f}",
                f"{total:.0f}",
                "1.00" if target.name == BARE else f"{ratio:.2f}",
                ", ".join(heavy) or "-",
                measured.outcome,
                "-" if target.name == BARE else ("yes" if ratio <= RATIO_TARGET else "**no**"),
            ]
        )
    heading = [
        "function",
        "import ms",
        "1st invoke ms",
        "total ms",
        "x bare",
        "imports",
        "1st invoke",
        "<= 1.5x?",
    ]
    lines = [
        "## Cold start",
        "",
        f"Median of {rounds} fresh processes per function (`python -c` probe: load_handler + one invocation "
        "with its sample event from `events/`, against the benchmark's emulator), rounds interleaved with "
        f"the baseline: {BARE} (`tests/bench/bare_handler.py`, one GetItem). Target: every function within "
        f"{RATIO_TARGET}x the baseline; cryptography, pydantic or pynamodb imported only where used.",
        "",
        table(heading, rows),
        "",
        f"- Within {RATIO_TARGET}x of the baseline: {len(found) - 1 - len(missed)} of {len(found) - 1} functions."
        + (f" Missed by: {', '.join(missed)}." if missed else ""),
        "- cryptography where the function's policies use neither KMS nor Secrets Manager (no PII, no token "
        f"keys): {', '.join(crypto_flags) if crypto_flags else 'none'}.",
        f"- Other import findings: {'; '.join(extra_flags) if extra_flags else 'none (no pynamodb anywhere)'}.",
        '- "1st invoke" is how the sample event\'s invocation ended (a sample names ids that do not exist '
        "here, so a 404 or a failed batch item is normal; the code path to it is what is measured).",
    ]
    return "\n".join(lines)
