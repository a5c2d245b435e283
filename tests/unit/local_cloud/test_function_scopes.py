"""With the IAM check on, each function builds its own services, as each Lambda has its own process."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import pytest

from shop.bootstrap import built_once
from shop_local.lambda_runtime.aws_call_hooks import running
from shop_local.lambda_runtime.function_scopes import PerFunction


@pytest.mark.parametrize("cached", [functools.cache, built_once])
def test_each_function_builds_its_own_services_and_code_of_no_function_shares_one(
    cached: Callable[[Callable[..., object]], Callable[..., object]],
) -> None:
    @cached
    def build_service(*, store: object | None = None) -> object:
        return object()

    builder = PerFunction(build_service)
    shared = builder()
    with running("MeFunction", "shop-local-MeFunction"):
        mine, again = builder(), builder()
    with running("LoginFunction", "shop-local-LoginFunction"):
        theirs = builder()
    assert mine is again and mine is not theirs
    assert shared is builder() and shared not in (mine, theirs)
    builder.cache_clear()
    with running("MeFunction", "shop-local-MeFunction"):
        assert builder() is not mine
    assert builder() is not shared


def test_a_function_keeps_its_services_across_threads_of_its_invocations() -> None:
    builder = PerFunction(functools.cache(object))
    seen: list[object] = []

    def invocation() -> None:
        with running("MeFunction", "shop-local-MeFunction"):
            seen.append(builder())

    threads = [threading.Thread(target=invocation) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 3 and len({id(service) for service in seen}) == 1


def test_a_builder_given_its_collaborators_builds_anew_in_a_function_too() -> None:
    @built_once
    def build_service(*, store: object | None = None) -> list[object | None]:
        return [store]

    builder, store = PerFunction(build_service), object()
    with running("MeFunction", "shop-local-MeFunction"):
        assert builder() is builder()
        given = builder(store=store)
        assert given == [store] and builder(store=store) is not given
