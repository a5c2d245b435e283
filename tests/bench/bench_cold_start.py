"""Cold start of every function: module import plus first invocation, in a fresh process each run.

Each run is `python -c PROBE` with the function's environment (pointing at the benchmark's
emulator, so the first invocation's AWS calls really happen) and the variables Lambda sets that
switch powertools' Tracer on (LAMBDA_TASK_ROOT, a sampled _X_AMZN_TRACE_ID; segments go to a UDP
port nobody reads): the probe loads the handler module from CodeUri + Handler as Lambda's runtime
does, with nothing but the standard library imported before (the import and the module's init:
its services built, its clients created), invokes it once with its sample event from events/, and reports the two
times, whether boto3 was traced, and which heavy packages ended up in sys.modules. Rounds are
interleaved (bare, every function, bare, ...), so drift on the shared machine falls on the
baseline and the functions alike. Interpreter start-up is the same for every process and is left
out. Every probe loads bytecode, as on Lambda (the layer's build ships it: layers/shop/Makefile).
Lambda adds its own init (runtime, layer unpacking), the same for every function: the ratios are
what this measures, not Lambda's absolute Init Duration.

The peer: aws-samples/aws-serverless-shopping-cart's cart handlers (`peer_shopping_cart/`, copied
unchanged, MIT-0) probed in the same rounds, the same way, with the same library versions, their
template's environment and their layer module on the path as Lambda puts /opt/python there;
compared on import+init with this shop's cart functions, as shipped and again like for like (the
cart functions probed a second time with the collector running while they load, as the peer's
handlers load).
"""

from __future__ import annotations

import compileall
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from report import table

BARE = "bare powertools + boto3"
BARE_PAUSED = "bare, collector paused while it loads"
PACKAGES = ("cryptography", "pydantic", "pynamodb", "jwt", "boto3", "aws_lambda_powertools")
RATIO_TARGET = 1.5
BARE_EVERY = 8  # the baseline is probed again before every 8 functions of a round
QUICK_FUNCTIONS = (
    "GetProductFunction",
    "CheckoutFunction",
    "AuthorizerFunction",
    "NotificationsFunction",
    "GetCartFunction",
)
LAYER = Path(__file__).resolve().parents[2] / "layers" / "shop"  # the ShopCoreLayer's content
PEER = "aws-samples/aws-serverless-shopping-cart"
PEER_DIR = Path(__file__).parent / "peer_shopping_cart"
PEER_HANDLERS = (
    "list_cart",
    "add_to_cart",
    "update_cart",
    "migrate_cart",
    "checkout_cart",
    "get_cart_total",
    "delete_from_cart",
    "db_stream_handler",
)
QUICK_PEER_HANDLERS = ("list_cart", "add_to_cart")
OUR_CART = "cart"  # CodeUri folder of the shop's cart functions, the peer's counterpart

PROBE = """
import importlib.util, json, sys, time, uuid
from pathlib import Path
args = json.loads(sys.argv[1])
if args.get("collector_running"):  # like for like with the peer: shop.init_phase's pause made a no-op
    import gc
    gc.disable = lambda: None
event = json.loads(Path(args["event"]).read_text())
module_name, _, attribute = args["handler"].rpartition(".")
path = Path(args["code_uri"]) / (module_name.replace(".", "/") + ".py")

class Context:
    function_name, memory_limit_in_mb, function_version = args["name"], args["memory"], "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + args["name"]
    aws_request_id, deadline = str(uuid.uuid4()), 0.0
    def get_remaining_time_in_millis(self):
        return max(0, int((self.deadline - time.monotonic()) * 1000))

before = time.perf_counter()
found = importlib.util.spec_from_file_location(module_name, path)
module = importlib.util.module_from_spec(found)
sys.modules[module_name] = module
found.loader.exec_module(module)
handler = getattr(module, attribute)
loaded = time.perf_counter()
context = Context()
context.deadline = time.monotonic() + args["timeout"]
try:
    result = handler(event, context)
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
patcher = sys.modules.get("aws_xray_sdk.core.patcher")
traced = patcher is not None and "botocore" in patcher._PATCHED_MODULES
print("BENCH_RESULT " + json.dumps({"import_ms": (loaded - before) * 1000, "invoke_ms": (done - loaded) * 1000,
      "outcome": outcome, "imported": imported, "modules": len(names), "traced": traced}), flush=True)
"""
# What Lambda sets and the local shop does not: with these, powertools' Tracer is on.
TRACING_ON = {
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
}
NOT_LAMBDA = ("POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL")


@dataclass(frozen=True)
class Target:
    name: str
    args: dict[str, Any]
    environment: dict[str, str]
    needs_crypto: bool  # its policies use KMS or Secrets Manager (PII or token keys)
    api: bool
    peer: bool = False
    cart: bool = False  # one of the shop's cart functions
    reference: bool = False  # not one of the functions: the paused baseline, or a cart function unpaused


@dataclass
class Runs:
    totals: list[float]
    imports: list[float]
    invokes: list[float]
    outcome: str = ""
    imported: dict[str, bool] | None = None
    traced: bool = True  # in every run
    init_ratios: list[float] = field(default_factory=list)  # one per round, against that round's baseline
    total_ratios: list[float] = field(default_factory=list)

    def add(self, result: dict[str, Any]) -> None:
        self.imports.append(result["import_ms"])
        self.invokes.append(result["invoke_ms"])
        self.totals.append(result["import_ms"] + result["invoke_ms"])
        self.outcome, self.imported = result["outcome"], result["imported"]
        self.traced = self.traced and bool(result.get("traced"))

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
            _as_in_lambda(base | bare_spec.environment, Path(__file__).parent, BARE),
            needs_crypto=False,
            api=True,
        )
    )
    here = Path(__file__).parent
    paused = _as_in_lambda(base | bare_spec.environment, here, BARE_PAUSED)
    paused["PYTHONPATH"] = f"{LAYER}:{here}"  # shop.init_phase, and the baseline's module it loads
    found.append(
        Target(
            BARE_PAUSED,
            _args(BARE_PAUSED, here, "bare_handler_paused.handler", 512, 10, found[0].args["event"]),
            paused,
            needs_crypto=False,
            api=True,
            reference=True,
        )
    )
    for spec in stack.functions():
        quick_skip = ctx.quick and not ctx.functions and spec.logical_id not in QUICK_FUNCTIONS
        if quick_skip or not ctx.wants(spec.logical_id):
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
                _as_in_lambda(base | spec.environment, spec.code_uri, spec.function_name),
                needs_crypto=crypto,
                api=any(e.get("Type") == "Api" for e in spec.events.values()),
                cart=spec.code_uri.name == OUR_CART,
            )
        )
    return found + peer_targets(ctx) + unpaused_cart_targets(ctx, found)


def unpaused_cart_targets(ctx: Any, found: list[Target]) -> list[Target]:
    """The shop's cart functions again, with the collector left running while they load as the peer's
    handlers load: the peer comparison like for like."""
    if not ctx.wants("peer"):
        return []
    return [
        replace(
            target,
            name=f"{target.name}, collector running",
            args=target.args | {"collector_running": True, "id": f"{target.args['id']}_running"},
            reference=True,
        )
        for target in found
        if target.cart
    ]


def peer_targets(ctx: Any) -> list[Target]:
    """The peer's cart handlers with their template's environment (Globals and each function's own),
    its table being the shop's carts table and its product service an unreachable address."""
    if not ctx.wants("peer"):
        return []
    stack = ctx.shop.stack
    base = dict(ctx.shop.environment)
    queue = stack.client("sqs").create_queue(QueueName="bench-peer-cart-deletes")["QueueUrl"]
    environment = base | {
        "TABLE_NAME": stack.physical_id("CartsTable"),
        "LOG_LEVEL": "INFO",
        "ALLOWED_ORIGIN": "http://localhost:8080",
        "POWERTOOLS_SERVICE_NAME": "shopping-cart",
        "POWERTOOLS_METRICS_NAMESPACE": "ecommerce-app",
        "PRODUCT_SERVICE_URL": "http://127.0.0.1:9",
        "DELETE_FROM_CART_SQS_QUEUE": queue,
    }
    chosen = QUICK_PEER_HANDLERS if ctx.quick else PEER_HANDLERS
    return [
        Target(
            f"peer {module}",
            _args(
                f"peer {module}",
                PEER_DIR,
                f"{module}.lambda_handler",
                512,
                5,
                ctx.root / "events/cart/get_cart.json",
            ),
            _as_in_lambda(environment, PEER_DIR, f"shopping-cart-{module}", layer=PEER_DIR),
            needs_crypto=False,
            api=module != "db_stream_handler",
            peer=True,
        )
        for module in chosen
    ]


def _as_in_lambda(
    environment: dict[str, str], code_uri: Path, name: str, layer: Path = LAYER
) -> dict[str, str]:
    """The function's environment with the variables Lambda adds that turn the Tracer on, and its layer
    on the path as Lambda puts /opt/python there (this checkout's, not whichever the venv's editable
    install points at)."""
    kept = {key: value for key, value in environment.items() if key not in NOT_LAMBDA}
    lambda_set = {
        "LAMBDA_TASK_ROOT": str(code_uri),
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "PYTHONPATH": str(layer),
    }
    return kept | TRACING_ON | lambda_set


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


def compiled(found: list[Target]) -> None:
    """Every probe loads bytecode, as on Lambda, whose layer ships it (layers/shop/Makefile) and whose
    libraries come compiled: the layer's and each handler's folder are compiled first, so that a
    source changed since its .pyc was written (nothing rewrites it where PYTHONDONTWRITEBYTECODE is
    set) is not compiled again in every probe."""
    for folder in sorted({LAYER, *(Path(target.args["code_uri"]) for target in found)}):
        compileall.compile_dir(folder, quiet=1)


def run(ctx: Any) -> str:
    """Rounds of one probe per function, the baseline probed again before every BARE_EVERY of them:
    a function's ratio in a round is against that round's baseline (the median of its probes), and
    its ratio is the median over the rounds, so that the shared machine's drift cancels out."""
    rounds = ctx.rounds or ctx.pick(full=15, quick=2)
    found = targets(ctx)
    compiled(found)
    bare, functions = found[0], found[1:]
    runs = {t.name: Runs([], [], []) for t in found}
    for number in range(rounds):
        ctx.progress(f"cold start: round {number + 1}/{rounds} ({len(found)} functions and baselines)")
        baseline, results = Runs([], [], []), {}
        for index, target in enumerate(functions):
            if index % BARE_EVERY == 0:
                baseline.add(probe(bare, ctx.root))
            results[target.name] = probe(target, ctx.root)
        baseline.add(probe(bare, ctx.root))
        for sample in zip(baseline.imports, baseline.invokes, strict=True):
            runs[BARE].add(
                {
                    "import_ms": sample[0],
                    "invoke_ms": sample[1],
                    "outcome": baseline.outcome,
                    "imported": baseline.imported,
                    "traced": baseline.traced,
                }
            )
        for name, result in results.items():
            measured = runs[name]
            measured.add(result)
            measured.init_ratios.append(result["import_ms"] / baseline.median(baseline.imports))
            total = result["import_ms"] + result["invoke_ms"]
            measured.total_ratios.append(total / baseline.median(baseline.totals))
    for line in console_lines(found, runs):
        ctx.progress(line)
    return _report(found, runs, rounds)


@dataclass(frozen=True)
class Ratios:
    init_ms: float  # import and module init (what Lambda's Init Duration covers)
    total_ms: float  # and the first invocation
    init: float
    total: float

    @property
    def within(self) -> bool:
        """The target: import and init, what every cold start pays whatever the request."""
        return self.init <= RATIO_TARGET


def ratios(runs: dict[str, Runs], name: str) -> Ratios:
    measured = runs[name]
    init_ms, total_ms = measured.median(measured.imports), measured.median(measured.totals)
    if name == BARE:
        return Ratios(init_ms, total_ms, 1.0, 1.0)
    return Ratios(
        init_ms, total_ms, measured.median(measured.init_ratios), measured.median(measured.total_ratios)
    )


def console_lines(found: list[Target], runs: dict[str, Runs]) -> list[str]:
    """One line per function for the console: import+init against the baseline, flagged over target."""
    lines = []
    for target in found:
        r = ratios(runs, target.name)
        flag = (
            ""
            if target.name == BARE or target.peer or target.reference or r.within
            else f"  OVER {RATIO_TARGET}x (import+init)"
        )
        lines.append(
            f"cold start: {target.name:<32} import+init {r.init_ms:6.0f} ms {r.init:5.2f}x"
            f"  with 1st invoke {r.total_ms:6.0f} ms {r.total:5.2f}x{flag}"
        )
    return lines


def _report(found: list[Target], runs: dict[str, Runs], rounds: int) -> str:
    rows, missed, slow_first, crypto_flags, extra_flags = [], [], [], [], []
    peers = [t for t in found if t.peer]
    references = [t for t in found if t.reference]
    found = [t for t in found if not t.peer and not t.reference]
    untraced = [t.name for t in found if not runs[t.name].traced]
    for target in found:
        measured, r = runs[target.name], ratios(runs, target.name)
        imported = measured.imported or {}
        heavy = [p for p in ("cryptography", "pydantic", "pynamodb", "jwt") if imported.get(p)]
        if target.name != BARE and not r.within:
            missed.append(f"{target.name} ({r.init:.2f}x)")
        if target.name != BARE and r.total > RATIO_TARGET:
            slow_first.append(f"{target.name} ({r.total:.2f}x)")
        if imported.get("cryptography") and not target.needs_crypto:
            crypto_flags.append(target.name)
        if imported.get("pynamodb"):
            extra_flags.append(f"{target.name} imports pynamodb")
        if imported.get("pydantic") and not target.api and target.name != BARE:
            extra_flags.append(f"{target.name} (not an API function) imports pydantic")
        bare = target.name == BARE
        rows.append(
            [
                target.name,
                f"{r.init_ms:.0f}",
                "1.00" if bare else _flagged(r.init),
                f"{measured.median(measured.invokes):.0f}",
                f"{r.total_ms:.0f}",
                "1.00" if bare else _flagged(r.total),
                ", ".join(heavy) or "-",
                measured.outcome,
                "-" if bare else ("yes" if r.within else "**no**"),
            ]
        )
    heading = [
        "function",
        "import+init ms",
        "x bare",
        "1st invoke ms",
        "total ms",
        "x bare",
        "imports",
        "1st invoke",
        f"<= {RATIO_TARGET}x?",
    ]
    lines = [
        "## Cold start",
        "",
        f"{rounds} rounds of one fresh process per function (`python -c` probe: the handler module loaded as "
        "Lambda loads it, which is the import and the module's init, then one invocation with its sample "
        "event from `events/`, against the benchmark's emulator), the baseline probed again before every "
        f"{BARE_EVERY} functions of a round; ms are medians over the rounds, a ratio is the median over the "
        "rounds of the function's time against its round's baseline (so drift on the shared machine cancels "
        "out). The baseline: "
        f"{BARE} (`tests/bench/bare_handler.py`: Logger, Tracer patching boto3 and Metrics on the handler, "
        "the REST resolver, one GetItem). Tracer and Metrics are on in every process, as on Lambda "
        "(LAMBDA_TASK_ROOT and a sampled trace id set; powertools switches the Tracer off without them). "
        f"Target: every function's import+init within {RATIO_TARGET}x the baseline's; cryptography, pydantic "
        "or pynamodb imported only where used. What only some requests need (KMS, Secrets Manager and SES "
        "clients, pyjwt, cryptography) is loaded by the first request that needs it, so it shows in the "
        "total of the functions whose sample request needs it.",
        "",
        table(heading, rows),
        "",
        f"- Within {RATIO_TARGET}x of the baseline: {len(found) - 1 - len(missed)} of {len(found) - 1} functions."
        + (f" Missed by: {', '.join(missed)}." if missed else ""),
        f"- Past {RATIO_TARGET}x with the first invocation (informational): "
        + (", ".join(slow_first) if slow_first else "none")
        + ". A first invocation does the request's own work besides loading what it needs: Argon2 (about "
        "35 ms) for login and register, the first KMS data key, the signing key read and the first token "
        "signed (pyjwt loaded), or a batch of 10 records.",
        "- Tracer on, boto3 patched, in every process: "
        + ("yes." if not untraced else f"**no** for {', '.join(untraced)}."),
        "- cryptography where the function's policies use neither KMS nor Secrets Manager (no PII, no token "
        f"keys): {', '.join(crypto_flags) if crypto_flags else 'none'}.",
        f"- Other import findings: {'; '.join(extra_flags) if extra_flags else 'none (no pynamodb anywhere)'}.",
        '- "1st invoke" is how the sample event\'s invocation ended (a sample names ids that do not exist '
        "here, so a 404 or a failed batch item is normal; the code path to it is what is measured).",
    ]
    lines += _pause_report(found, [t for t in references if t.name == BARE_PAUSED], runs)
    if peers:
        lines += ["", *_peer_report(found, peers, [t for t in references if t.cart], runs)]
    return "\n".join(lines)


def _peer_report(
    found: list[Target], peers: list[Target], unpaused: list[Target], runs: dict[str, Runs]
) -> list[str]:
    """The peer's handlers against the baseline and against the shop's cart functions, import+init."""
    ours = [t for t in found if t.cart]
    rows = []
    for target in [*peers, *ours]:
        r = ratios(runs, target.name)
        imported = runs[target.name].imported or {}
        heavy = [p for p in ("cryptography", "pydantic", "pynamodb", "jwt") if imported.get(p)]
        rows.append([target.name, f"{r.init_ms:.0f}", f"{r.init:.2f}", ", ".join(heavy) or "-"])
    peer_ms = statistics.median(ratios(runs, t.name).init_ms for t in peers)
    ours_ms = statistics.median(ratios(runs, t.name).init_ms for t in ours) if ours else float("nan")
    peer_x = statistics.median(ratios(runs, t.name).init for t in peers)
    ours_x = statistics.median(ratios(runs, t.name).init for t in ours) if ours else float("nan")
    return [
        f"### Peer: {PEER}",
        "",
        f"Its cart handlers (`tests/bench/peer_shopping_cart/`, copied unchanged from {PEER} with its "
        "MIT-0 licence) probed in the same rounds and the same way as the functions above, with the same "
        "library versions (boto3, powertools, requests; and its cognitojwt), its template's environment, "
        "Tracer on as for every probe (its `Tracer()` patches every library it can), and its layer module "
        "`shared` on the path. Its handlers were written for powertools 1.x, so their first invocation "
        "fails under 3.x: import+init is what is compared. Ours validate every request against "
        "models, check access per route, write structured errors, and count business metrics; theirs "
        "parse by hand. Ours load with the garbage collector paused (see above), theirs with it running, "
        "as published: the pause is a technique any function could adopt, and the paused baseline above "
        "shows what it is worth on its own.",
        "",
        table(["handler", "import+init ms", "x bare", "imports"], rows),
        "",
        f"- Median import+init: peer {peer_ms:.0f} ms ({peer_x:.2f}x bare), our cart functions "
        f"{ours_ms:.0f} ms ({ours_x:.2f}x bare): the peer's handlers take {peer_x / ours_x:.2f}x the "
        "time of ours (medians of the per-round ratios against the same baseline).",
        *_like_for_like(peer_x, unpaused, runs),
    ]


def _like_for_like(peer_x: float, unpaused: list[Target], runs: dict[str, Runs]) -> list[str]:
    """Our cart functions probed in the same rounds with the collector running, as the peer loads."""
    if not unpaused:
        return []
    ms = statistics.median(ratios(runs, t.name).init_ms for t in unpaused)
    x = statistics.median(ratios(runs, t.name).init for t in unpaused)
    return [
        "- Like for like, with the collector running in our cart functions too (the same probes with "
        f"`gc.disable` made a no-op, so that `shop.init_phase` pauses nothing): ours {ms:.0f} ms ({x:.2f}x "
        f"bare), and the peer's handlers take {peer_x / x:.2f}x the time of ours.",
    ]


def _pause_report(found: list[Target], references: list[Target], runs: dict[str, Runs]) -> list[str]:
    """How much of the functions' ratios is the collector pause: the baseline loaded with it too."""
    if not references:
        return []
    paused = ratios(runs, references[0].name)
    functions = [ratios(runs, t.name).init / paused.init for t in found if t.name != BARE]
    return [
        "- The shop's functions load with Python's garbage collector paused (`shop.init_phase`, their "
        "first import; the first invocation resumes it, with what the init made frozen out of its scans): "
        "its passes over the freshly loaded modules and models find next to nothing to free. The baseline "
        "and the peer load with it running, as written. The baseline with the same pause "
        f"(`tests/bench/bare_handler_paused.py`), probed in the same rounds: {paused.init_ms:.0f} ms, "
        f"{paused.init:.2f}x the baseline. Against that paused baseline the functions' import+init ratios "
        f"would be about {statistics.median(functions):.2f}x (median) and at most {max(functions):.2f}x.",
    ]


def _flagged(ratio: float) -> str:
    return f"{ratio:.2f}" if ratio <= RATIO_TARGET else f"**{ratio:.2f}**"
