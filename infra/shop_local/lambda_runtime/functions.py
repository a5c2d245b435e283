"""Load a function's handler the way Lambda does: from its CodeUri folder and its Handler string.

Each load executes the handler file afresh under a new module name, so two loads are two
independent "containers" (own module globals, own cold start); the gateway pools them for
concurrency. The code folder is never put on sys.path: handlers import the core by name.
"""

from __future__ import annotations

import gc
import importlib.util
import itertools
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from shop_local.lambda_runtime.aws_call_hooks import attributed, running

Handler = Callable[[dict[str, Any], Any], Any]
_loads = itertools.count(1)


@dataclass(frozen=True)
class FunctionSpec:
    """One AWS::Serverless::Function with Globals applied; `events` and `policies` stay raw."""

    logical_id: str
    function_name: str
    code_uri: Path
    handler: str
    runtime: str = "python3.11"
    timeout: int = 3
    memory: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    events: dict[str, Any] = field(default_factory=dict)
    policies: list[Any] = field(default_factory=list)
    arn: str = ""  # a provisioned function's ARN (its stack's region and account)

    @property
    def handler_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_uri / (module.replace(".", "/") + ".py")


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that powertools and handlers read."""

    function_name: str
    memory_limit_in_mb: int = 128
    timeout_seconds: int = 3
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = field(default_factory=lambda: f"local/[$LATEST]{uuid.uuid4().hex}")
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self.invoked_function_arn = self.invoked_function_arn or (
            f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        )
        self._deadline = self._deadline or time.monotonic() + self.timeout_seconds

    @classmethod
    def for_function(cls, spec: FunctionSpec, arn: str = "") -> LambdaContext:
        """The context Lambda gives the function: its physical name, memory, timeout and ARN."""
        return cls(spec.function_name, spec.memory, spec.timeout, invoked_function_arn=arn or spec.arn)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def handler_module(name: str, path: Path) -> ModuleType:
    """The handler file executed afresh as module `name`, as Lambda's runtime loads it. The module is
    registered under that name only (dataclasses and pydantic look their module up there), and
    dropped again if it fails. The garbage collector, which the handler's `shop.init_phase` paused,
    runs again at once: no freeze here, in a process that loads functions again and again."""
    import_spec = importlib.util.spec_from_file_location(name, path)
    if import_spec is None or import_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(import_spec)
    sys.modules[name] = module
    try:
        import_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        gc.enable()
    return module


def load_handler(spec: FunctionSpec) -> Handler:
    """Execute the handler file as a fresh module and return its handler attribute, which knows
    whose AWS calls it makes (`shop_local.lambda_runtime.aws_call_hooks`)."""
    module_name, _, attribute = spec.handler.rpartition(".")
    path = spec.handler_file
    if not module_name or not path.is_file():
        raise FileNotFoundError(f"{spec.logical_id}: handler {spec.handler!r} has no file {path}")
    unique = f"lambda_{spec.logical_id}_{next(_loads)}_{module_name.replace('/', '_').replace('.', '_')}"
    with running(spec.logical_id, spec.function_name):  # the cold start is the function's too
        module = handler_module(unique, path)
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise AttributeError(f"{spec.logical_id}: {path} has no callable {attribute!r}")
    return attributed(spec.logical_id, spec.function_name, handler)
