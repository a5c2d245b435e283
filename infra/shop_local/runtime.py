"""Assemble the runtime half of the local cloud from a provisioned stack: environment, gateway, pollers.

All functions share one process, hence one os.environ: it is set once to the union of every
function's environment, and two functions that disagree on a variable stop start-up (in the cloud
they would each see their own value; locally one of them would silently get the other's).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from shop_local.api_gateway.authorizers import Authorizers, template_authorizers
from shop_local.api_gateway.events import ApiInfo
from shop_local.api_gateway.gateway import Gateway
from shop_local.api_gateway.responses import GatewayResponses
from shop_local.api_gateway.routes import IMPLICIT_API, template_routes
from shop_local.event_mappings.poller import Pollers
from shop_local.event_mappings.sources import template_event_sources
from shop_local.lambda_runtime.containers import Functions
from shop_local.provisioning.provision import Stack

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
# No X-Ray daemon here: powertools' Tracer stays a no-op (it also is when LAMBDA_TASK_ROOT is unset).
NO_TRACING = {"POWERTOOLS_TRACE_DISABLED": "true"}


class EnvironmentConflict(RuntimeError):
    """Two functions define one variable with different values; one process cannot honour both."""


def process_environment(stack: Stack, local: bool = True) -> dict[str, str]:
    """Every function's variables (which must agree), plus the emulator's endpoint and fake
    credentials, and tracing off."""
    values: dict[str, str] = {}
    owner: dict[str, str] = {}
    for spec in stack.functions():
        for name, value in spec.environment.items():
            if name in values and values[name] != value:
                raise EnvironmentConflict(
                    f"{owner[name]} and {spec.logical_id} both set {name}, to different values "
                    f"({values[name]!r} and {value!r}); the local shop runs every function in one "
                    "process, so give them the same value or different variable names"
                )
            values[name], owner[name] = value, spec.logical_id
    values.update(AWS_REGION=stack.region, AWS_DEFAULT_REGION=stack.region, **NO_TRACING)
    if local:
        values.update(AWS_ENDPOINT_URL=stack.endpoint_url, **FAKE_CREDENTIALS)
    return values


def apply_environment(values: dict[str, str], local: bool = True) -> None:
    """Set os.environ and forget the core's per-process caches built from the old one."""
    if local:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
    os.environ.update(values)
    caches = (("shop.adapters.aws", "client"), ("shop.adapters.aws", "session"), ("shop.config", "settings"))
    for module_name, attribute in caches:
        cached = getattr(sys.modules.get(module_name), attribute, None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()


def _api_id(stack: Stack, template: dict[str, Any]) -> str:
    api_ids = sorted({route.api_id for route in template_routes(template)})
    if len(api_ids) > 1:
        raise ValueError(f"the local gateway serves one API; the template has {', '.join(api_ids)}")
    return api_ids[0] if api_ids else IMPLICIT_API


def build_gateway(stack: Stack, functions: Functions) -> Gateway:
    """The gateway for the stack's (single) REST API, with its routes, authorizers and responses."""
    from shop_local.api_gateway.openapi import generate

    template = stack.template
    api_logical_id = _api_id(stack, template)
    api_props = (stack.resources.get(api_logical_id) or {}).get("Properties") or {}
    api = ApiInfo(
        api_id=stack.physical_ids.get(api_logical_id, "localapi01"),
        stage=str(stack.resolve(api_props.get("StageName", "prod"))),
        account_id=stack.account_id,
        region=stack.region,
        binary_media_types=tuple(stack.resolve(api_props.get("BinaryMediaTypes") or [])),
    )
    routes = template_routes(template)
    configs = template_authorizers(template, api_logical_id)
    openapi_cache: dict[str, Any] = {}
    lock = threading.Lock()

    def openapi() -> dict[str, Any]:
        """Generated on first request (it imports every API module), then kept."""
        with lock:
            if "document" not in openapi_cache:
                ids = dict.fromkeys(route.function_id for route in routes)
                openapi_cache["document"] = generate([functions.spec(i) for i in ids], routes, configs)
            return dict(openapi_cache["document"])

    return Gateway(
        routes=routes,
        api=api,
        functions=functions,
        authorizers=Authorizers(configs, functions.invoke),
        responses=GatewayResponses.from_template(template, api_logical_id),
        openapi=openapi,
    )


def build_pollers(stack: Stack, functions: Functions, time_scale: float = 1.0) -> Pollers:
    sources = template_event_sources(stack.template, stack.resolve)
    return Pollers(sources, functions.invoke, stack.client, stack.region, stack.account_id, time_scale)
